from __future__ import annotations

from django.db import models


class Task(models.Model):
    """One to-do item. Tenants share the schema (pool per tenant on one user), so rows carry the tenant."""

    tenant = models.CharField(max_length=30, db_index=True)
    title = models.CharField(max_length=200)
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["done", "-created_at"]

    def __str__(self) -> str:
        return f"{self.tenant}: {self.title}"
