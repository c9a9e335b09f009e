"""Pages: the landing page (tenants), a tenant's task list, the dashboard and its JSON feed."""

from __future__ import annotations

import os
from typing import Any

from django import forms
from django.contrib import messages
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from drcp_multi.tenancy.catalog import Tenant, get_catalog
from drcp_multi.tenancy.context import get_current_tenant
from example_project import tenant_store
from example_project.tasks import monitor
from example_project.tasks.models import Task
from example_project.tasks.probe import served_by
from example_project.tasks.urls_util import path_url, subdomain_url, tenant_base


def orm_pending_note() -> str:
    """What a data page says when the ORM's SQL fails (the error itself is shown too: nothing is faked)."""
    if os.environ.get("EXAMPLE_MIGRATE_ERROR"):  # set by `python -m example_project` when migrate failed
        return (
            "Task storage is pending: migrate could not create the task table at start-up (the error is "
            "below). The tenant, DRCP class and pooled session in the footer, and the dashboard, are live."
        )
    return "Task storage is not available:"


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "done"]
        widgets = {"title": forms.TextInput(attrs={"placeholder": "What needs doing?", "autofocus": True})}


class TenantForm(forms.Form):
    name = forms.CharField(max_length=30, widget=forms.TextInput(attrs={"placeholder": "e.g. umbrella"}))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip().lower()
        reason = tenant_store.validate_name(name)
        if reason:
            raise forms.ValidationError(reason)
        if name in tenant_store.all_tenants():
            raise forms.ValidationError(f"'{name}' already exists")
        return name


def _tenant_or_404() -> Tenant:
    tenant = get_current_tenant()
    if tenant is None:
        raise Http404("this page belongs to a tenant: open it on acme.localhost or under /t/acme/")
    return tenant


def home(request: HttpRequest) -> HttpResponse:
    """The site root: the tenant's task list on a tenant's URL, the tenant directory otherwise."""
    if get_current_tenant() is None:
        return landing(request)
    return tenant_tasks(request)


def landing(request: HttpRequest, form: TenantForm | None = None) -> HttpResponse:
    tenants = [
        {
            "name": name,
            "builtin": name in tenant_store.BUILTIN_TENANTS,
            "subdomain_url": subdomain_url(request, name),
            "path_url": path_url(request, name),
        }
        for name in tenant_store.all_tenants()
    ]
    return render(
        request,
        "example/landing.html",
        {"tenants": tenants, "form": form or TenantForm()},
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
def add_tenant(request: HttpRequest) -> HttpResponse:
    """Register a tenant; its pool and DRCP class come into being with its first request."""
    form = TenantForm(request.POST)
    if not form.is_valid():
        return landing(request, form)
    name = form.cleaned_data["name"]
    try:
        get_catalog().add(name)
    except ValueError as exc:  # added meanwhile by someone else, or refused by drcp_multi's rules
        form.add_error("name", str(exc))
        return landing(request, form)
    messages.success(request, f"Tenant '{name}' added: its pool opens on its first request.")
    return HttpResponseRedirect(path_url(request, name))


def tenant_tasks(request: HttpRequest) -> HttpResponse:
    tenant = _tenant_or_404()
    base = tenant_base(request)
    form = TaskForm()
    context: dict[str, Any] = {
        "tenant": tenant,
        "orm_error": None,
        "orm_pending": orm_pending_note(),
        "tasks": [],
        "counts": None,
    }
    try:
        if request.method == "POST":
            form = TaskForm(request.POST)
            if form.is_valid():
                form.save()  # TenantScopedModel stamps the current tenant
                return HttpResponseRedirect(f"{base}/")
        # Every tenant's pool logs in as the same user (pool per tenant): Task.objects is scoped to
        # the current tenant's rows (drcp_multi.models.TenantScopedModel).
        tasks = Task.objects.all()
        context["tasks"] = list(tasks[:100])
        context["counts"] = {
            "open": tasks.filter(done=False).count(),
            "done": tasks.filter(done=True).count(),
        }
    except DatabaseError as exc:
        context["orm_error"] = str(exc).strip()
    context.update(
        form=form, other_url=(subdomain_url(request, tenant.name) if base else path_url(request, tenant.name))
    )
    return render(request, "example/tasks.html", context)


def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant_or_404()
    base = tenant_base(request)
    try:
        task = Task.objects.filter(pk=pk).first()
        if task is None:
            raise Http404("no such task")
        form = TaskForm(request.POST or None, instance=task)
        if request.method == "POST" and form.is_valid():
            form.save()
            return HttpResponseRedirect(f"{base}/")
    except DatabaseError as exc:
        return render(
            request,
            "example/tasks.html",
            {
                "tenant": tenant,
                "orm_error": str(exc).strip(),
                "orm_pending": orm_pending_note(),
                "tasks": [],
                "form": TaskForm(),
            },
            status=503,
        )
    return render(request, "example/task_edit.html", {"tenant": tenant, "task": task, "form": form})


@require_POST
def task_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    _tenant_or_404()
    task = Task.objects.filter(pk=pk).first()
    if task is None:
        raise Http404("no such task")
    task.done = not task.done
    task.save(update_fields=["done", "updated_at"])
    return HttpResponseRedirect(f"{tenant_base(request)}/")


@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _tenant_or_404()
    Task.objects.filter(pk=pk).delete()
    return HttpResponseRedirect(f"{tenant_base(request)}/")


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "example/dashboard.html",
        {
            "snapshot": monitor.snapshot(),
            "history_seconds": monitor.HISTORY_SECONDS,
            "history_minutes": monitor.HISTORY_SECONDS // 60,
        },
    )


@require_GET
def stats(request: HttpRequest) -> JsonResponse:
    """The dashboard's feed: client pools, broker classes, the merged rows and the recent history."""
    return JsonResponse(monitor.snapshot())


@require_GET
def whoami(request: HttpRequest) -> JsonResponse:
    """Which tenant, class and pooled server session served this request (for scripts and the load)."""
    info = served_by()
    return JsonResponse(
        {
            "tenant": info.tenant,
            "alias": info.alias,
            "cclass": info.cclass,
            "sid": info.sid,
            "error": info.error,
        }
    )
