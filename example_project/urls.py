"""Tenant pages answer on the tenant's subdomain (acme.localhost:8000/) and under /t/acme/: drcp_multi's
path resolver strips that prefix (into the script prefix), so one set of patterns serves both."""

from django.urls import include, path

from example_project.tasks import views

urlpatterns = [
    path("", views.home, name="home"),
    path("tenants/", views.add_tenant, name="add_tenant"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/toggle/", views.task_toggle, name="task_toggle"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task_delete"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("api/stats/", views.stats, name="stats"),
    path("api/whoami/", views.whoami, name="whoami"),
    # Health probes and the Prometheus scrape (drcp_multi.urls): /ops/health/live, /ops/health/ready,
    # /ops/metrics.
    path("ops/", include("drcp_multi.urls")),
]
