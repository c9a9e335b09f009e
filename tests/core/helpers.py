"""Helpers of the core tests: a request through Django's WSGI handler; the server's settled figures."""

from __future__ import annotations

import io
import sys
import time
from typing import Any


def wsgi_request(path: str, **environ: Any) -> tuple[str, str]:
    """One request through Django's WSGI handler, as a WSGI server would make it (not django.test.Client,
    which keeps the connection open across requests): request_started/request_finished fire, so
    the connection is acquired and released once per request."""
    from django.core.handlers.wsgi import WSGIHandler

    status: list[str] = []
    env = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        **environ,
    }
    response = WSGIHandler()(env, lambda s, headers, exc_info=None: status.append(s))
    try:
        body = b"".join(response).decode()
    finally:
        response.close()  # what a WSGI server does: fires request_finished, which releases the connection
    return status[0], body


def settle(server: Any) -> dict[str, Any]:
    """The server's figures once every release sent so far has been processed.

    A DRCP release is one-way: the client does not wait for the server, so the server may count it a
    moment later. Once no pooled server is busy, every release has arrived. (The deadline only turns a
    lost release into a failure; nothing is measured.)
    """
    deadline = time.monotonic() + 30
    while True:
        stats = server.stats()
        if stats["pooled_servers"]["busy"] == 0:
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"a pooled server is still busy: nothing released it ({stats})")
        time.sleep(0.005)
