"""``path("ops/", include("drcp_multi.urls"))``: health probes and the Prometheus scrape.

Put them behind your own access control if the figures are not for everyone (they hold no secret).
"""

from django.urls import path

from drcp_multi import views

app_name = "drcp_multi"
urlpatterns = [
    path("health/live", views.live, name="live"),
    path("health/ready", views.ready, name="ready"),
    path("metrics", views.metrics_view, name="metrics"),
]
