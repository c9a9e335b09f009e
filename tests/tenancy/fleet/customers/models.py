"""The fleet project's persistent tenant catalog (``FLEET_CATALOG=model``), in the shared schema."""

from __future__ import annotations

from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=63, unique=True)
    alias = models.CharField(max_length=63, blank=True, default="")
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
