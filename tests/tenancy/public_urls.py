"""A public URLconf (requests with no tenant) for the URLconf-choice tests."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse


def landing(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"urlconf": "public", "reverse": reverse("landing")})


urlpatterns = [path("whoami/", landing, name="landing")]
