from __future__ import annotations

from django.db import models


class Note(models.Model):
    title = models.CharField(max_length=100)
    done = models.BooleanField(default=False)
