from __future__ import annotations

from django.db import models

from drcp_multi.models import TenantScopedModel


class Task(TenantScopedModel):
    """One to-do item. Tenants share the schema (pool per tenant on one user), so rows carry the tenant:
    ``Task.objects`` sees only the current tenant's, and a new task takes the current tenant's name."""

    title = models.CharField(max_length=200)
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["done", "-created_at"]

    def __str__(self) -> str:
        return f"{self.tenant}: {self.title}"
