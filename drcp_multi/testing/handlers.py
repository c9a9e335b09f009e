"""Drive Django's WSGI and ASGI handlers directly, as a server would, one request at a time.

Use these, not ``django.test.Client``, to see per-request DRCP checkout and release: the test client
disconnects ``close_old_connections`` while it serves, so the connection stays open across requests.
Closing the response here sends ``request_finished``, and Django releases its connections.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes
from wsgiref.util import setup_testing_defaults

from asgiref.testing import ApplicationCommunicator

QUERY_SAFE = "=&+%/:;,@!$'()*?-._~"


def _split(path: str) -> tuple[str, str]:
    """(path, query) with the query percent-encoded as it travels (non-ASCII in it is UTF-8 escaped)."""
    path, _, query = path.partition("?")
    return path, quote(query, safe=QUERY_SAFE)


def wsgi_get(
    handler: Any, path: str, headers: Mapping[str, str] | None = None, host: str = "testserver"
) -> tuple[int, dict[str, str], bytes]:
    """GET ``path`` through a ``WSGIHandler``; returns (status, headers, body) after closing the response
    (which sends ``request_finished``, so Django releases its connections as after a real request).

    ``path`` may be percent-encoded or hold any Unicode: PATH_INFO is what a real server passes (PEP 3333):
    the percent-decoded bytes of the UTF-8 path, decoded as Latin-1."""
    path_info, query = _split(path)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": unquote_to_bytes(path_info.encode("utf-8")).decode("latin-1"),
        "QUERY_STRING": query,
        "HTTP_HOST": host,
        "wsgi.input": io.BytesIO(),
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    setup_testing_defaults(environ)
    started: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started["status"] = int(status.split()[0])
        started["headers"] = dict(response_headers)
        return lambda data: None

    result = handler(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    return started["status"], started["headers"], body


async def asgi_get(
    app: Any, path: str, headers: Mapping[str, str] | None = None, host: str = "testserver"
) -> tuple[int, dict[str, str], bytes]:
    """GET ``path`` through an ``ASGIHandler``; returns (status, headers, body). As a real ASGI server:
    ``path`` decoded (percent escapes and UTF-8), ``raw_path`` the bytes as sent (percent-encoded)."""
    path_info, query = _split(path)
    raw_path = quote(path_info, safe="/%:@!$&'()*+,;=-._~").encode("ascii")
    path_info = unquote(path_info)
    raw_headers = [(b"host", host.encode("latin-1"))] + [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in (headers or {}).items()
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path_info,
        "raw_path": raw_path,
        "query_string": query.encode(),
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    comm = ApplicationCommunicator(app, scope)  # type: ignore[no-untyped-call]  # asgiref is untyped
    await comm.send_input({"type": "http.request", "body": b"", "more_body": False})  # type: ignore[no-untyped-call]
    start = await comm.receive_output(timeout=30)  # type: ignore[no-untyped-call]
    body = b""
    while True:
        message = await comm.receive_output(timeout=30)  # type: ignore[no-untyped-call]
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await comm.wait(timeout=30)  # type: ignore[no-untyped-call]
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, body
