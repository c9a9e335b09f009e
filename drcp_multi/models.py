"""Row-level tenancy for models whose tenants share one table (modes "pool_per_tenant" and "shared_pool").

In those modes tenants share a database user, so their rows share tables; DRCP classes keep *sessions*
apart, not rows. A model deriving from :class:`TenantScopedModel` keeps rows apart too: it stores the
tenant's name, its default manager sees only the current tenant's rows, and a row is written only as
its own tenant. In mode "alias" each tenant has its own schema already, and the same model works there
unchanged (the filter is then redundant, not wrong).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models

from drcp_multi.routers import NoTenant
from drcp_multi.tenancy.context import get_current_tenant

M = TypeVar("M", bound="TenantScopedModel")


def _current_tenant_name(model: type[models.Model]) -> str:
    tenant = get_current_tenant()
    if tenant is None:
        raise NoTenant(
            f"{model._meta.label} rows belong to tenants and no tenant is active: run it inside "
            "tenant_context(...), behind TenantMiddleware, or use the all_tenants manager on purpose."
        )
    return tenant.name


class CurrentTenantName(models.Expression):
    """The current tenant's name, read when the SQL is compiled, i.e. when the query runs.

    A queryset is lazy and may run under another tenant than the one it was built under (a view's class
    attribute, a cached queryset): the router picks the connection when it runs, so the filter is taken
    then too. Raises :class:`~drcp_multi.routers.NoTenant` when no tenant is active at that point.
    """

    output_field = models.CharField()

    def __init__(self, model: type[models.Model]) -> None:
        super().__init__()
        self.model = model

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str, ...]]:
        return "%s", (_current_tenant_name(self.model),)


class TenantScopedManager(models.Manager[M]):
    """The current tenant's rows only: the tenant of the moment the query runs. Raises
    :class:`~drcp_multi.routers.NoTenant` when it runs with no tenant active, rather than returning every
    tenant's rows."""

    def get_queryset(self) -> models.QuerySet[M]:
        return super().get_queryset().filter(tenant=CurrentTenantName(self.model))

    def bulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        # bulk_create skips save(): stamp (and check) the tenant here.
        objs = list(objs)
        for obj in objs:
            obj.stamp_tenant()
        return super().bulk_create(objs, *args, **kwargs)


class TenantScopedModel(models.Model):
    """Abstract base: a ``tenant`` column, a scoped default manager (``objects``) and ``all_tenants``
    for deliberate cross-tenant work (reports, migrations of data)."""

    tenant = models.CharField(max_length=63, db_index=True, editable=False)

    objects: TenantScopedManager[Any] = TenantScopedManager()
    all_tenants: models.Manager[Any] = models.Manager()

    class Meta:
        abstract = True

    def stamp_tenant(self) -> None:
        """Take the current tenant's name; raise NoTenant without one, and ValueError for a row of another
        tenant (so one tenant can never write another's rows)."""
        current = _current_tenant_name(type(self))
        if not self.tenant:
            self.tenant = current
        elif self.tenant != current:
            raise ValueError(
                f"{self._meta.label} row of tenant {self.tenant!r} written while tenant {current!r} "
                "is active."
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.stamp_tenant()
        super().save(*args, **kwargs)

    def _do_update(self, base_qs: models.QuerySet[Any], *args: Any, **kwargs: Any) -> Any:
        # Django updates by primary key through the unscoped base manager: an instance carrying another
        # tenant's pk would overwrite that tenant's row. Match the row's tenant too; no row matched makes
        # Django insert (an IntegrityError on the taken pk) or, with force_update, raise DatabaseError.
        return super()._do_update(base_qs.filter(tenant=self.tenant), *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """Refuse to delete a row that is not the current tenant's (Django deletes by primary key)."""
        current = _current_tenant_name(type(self))
        if self.tenant != current:
            raise ValueError(
                f"{self._meta.label} row of tenant {self.tenant!r} deleted while tenant {current!r} is "
                "active; fetch it through the scoped manager (objects) first."
            )
        return super().delete(*args, **kwargs)
