"""``python -m example_project``: start the example site, with an embedded wire server when needed.

With ``DRCP_DSN``, ``DRCP_USER`` and ``DRCP_PASSWORD`` set, the site uses that Oracle. Without them it
starts the project's wire-level Oracle DRCP test server (``oracle_emulator``) in this process first and
points those variables at it: this is the only place outside tests that imports it. Then it migrates,
serves Django on a threaded WSGI server (no autoreloader: it would start a second wire server) and prints
the URLs to open. ``--load`` also drives traffic at the tenants so the dashboard moves.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

DB_ENV = ("DRCP_DSN", "DRCP_USER", "DRCP_PASSWORD")
EMBEDDED_USER, EMBEDDED_PASSWORD = "app", "secret"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m example_project", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("EXAMPLE_HOST", "127.0.0.1"), help="address to bind")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("EXAMPLE_PORT", "8000")),
        help="port to bind (0: any free port)",
    )
    parser.add_argument("--load", action="store_true", help="also drive concurrent traffic at the tenants")
    parser.add_argument("--load-concurrency", type=int, default=6, help="requests in flight with --load")
    parser.add_argument("--reset", action="store_true", help="forget runtime tenants and stored data first")
    parser.add_argument("--threads", type=int, default=16, help="worker threads serving requests")
    parser.add_argument("--access-log", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def embedded_engine_problem() -> str | None:
    """Why the embedded wire server could not run SQL, or None. Without its engine every statement fails."""
    try:
        import oracle_emulator.sql  # noqa: F401
    except ImportError as exc:
        return (
            f"The embedded wire server (the oracle-emulator distribution) cannot load ({exc}).\n"
            "Install it from the checkout: pip install -e ./oracle-emulator  (or set DRCP_DSN, DRCP_USER and "
            "DRCP_PASSWORD to use an Oracle Database)."
        )
    return None


def start_embedded_server() -> Any:
    """Start the wire server in-process and point DRCP_* at it. Returns the server (to stop at exit)."""
    from oracle_emulator import EmulatorServer

    server = EmulatorServer(
        host="127.0.0.1",
        port=0,
        service="FREEPDB1",
        users={EMBEDDED_USER: EMBEDDED_PASSWORD},
        # The dashboard reads V$CPOOL_CC_STATS / V$CPOOL_STATS as the site's user: the grant a DBA gives.
        grants={EMBEDDED_USER: ["SELECT_CATALOG_ROLE"]},
        max_pooled_servers=40,
        data_dir=None,
    )
    server.start()
    os.environ.update(DRCP_DSN=server.dsn, DRCP_USER=EMBEDDED_USER, DRCP_PASSWORD=EMBEDDED_PASSWORD)
    return server


def migrate() -> str | None:
    """Create the task table; None on success, else why not (the data pages then say it is pending)."""
    from django.core.management import call_command
    from django.db import DatabaseError, connections

    try:
        call_command("migrate", interactive=False, verbosity=0)
        return None
    except (DatabaseError, NotImplementedError) as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    finally:
        connections.close_all()  # give the pooled connection back before serving


def display_url(host: str, port: int, path: str = "/", tenant: str | None = None) -> str:
    # Browsers resolve localhost and *.localhost to the loopback address; tenant subdomains need a name.
    name = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::", "::1", "localhost") else host
    return f"http://{tenant + '.' if tenant else ''}{name}:{port}{path}"


def banner(host: str, port: int, db: str, migrate_error: str | None) -> str:
    from example_project import tenant_store

    lines = [f"drcp_multi example on {db}", "", f"  Tenants and sign-up:  {display_url(host, port)}"]
    for name in tenant_store.all_tenants():
        lines.append(
            f"  {name + ':':<21} {display_url(host, port, tenant=name)}"
            f"   or   {display_url(host, port, f'/t/{name}/')}"
        )
    lines.append(f"  Dashboard:            {display_url(host, port, '/dashboard/')}")
    if migrate_error:
        lines += ["", f"  Task storage pending (migrate failed): {migrate_error}"]
    lines += ["", "Press Ctrl-C to stop."]
    return "\n".join(lines)


def bind(host: str, port: int, access_log: bool, workers: int) -> Any:
    """The HTTP server, bound first so that a busy port fails before anything else has started.

    Requests run on a fixed set of worker threads, as under gunicorn's gthread workers or mod_wsgi,
    rather than a new thread per request: Django's per-thread connection objects then live as long as
    the process, and at most ``workers`` requests hold a pooled connection at once.
    """
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

    class RequestHandler(WSGIRequestHandler):
        def log_message(self, format: str, *log_args: Any) -> None:
            # Quiet by default (--load would flood the terminal); server errors are always shown.
            status = str(log_args[1]) if len(log_args) > 1 else ""
            if access_log or status.startswith("5"):
                super().log_message(format, *log_args)

    class PooledWSGIServer(WSGIServer):
        # Not a ThreadingMixIn, so Django answers "Connection: close": a keep-alive client cannot pin
        # a worker between its requests.
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.requests: queue.SimpleQueue[tuple[Any, Any]] = queue.SimpleQueue()
            for i in range(workers):
                # Daemon threads: a hung request must not keep the process alive at Ctrl-C.
                threading.Thread(target=self._work, name=f"example-http-{i}", daemon=True).start()

        def process_request(self, request: Any, client_address: Any) -> None:
            self.requests.put((request, client_address))

        def _work(self) -> None:
            while True:
                request, client_address = self.requests.get()
                try:
                    self.finish_request(request, client_address)
                except Exception:
                    self.handle_error(request, client_address)
                finally:
                    self.shutdown_request(request)

    return PooledWSGIServer((host, port), RequestHandler, ipv6=":" in host)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

    from example_project import tenant_store

    use_embedded = not all(os.environ.get(k) for k in DB_ENV)
    problem = embedded_engine_problem() if use_embedded else None
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        httpd = bind(args.host, args.port, args.access_log, args.threads)
    except OSError as exc:
        print(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror}; try --port {args.port + 1}",
            file=sys.stderr,
        )
        return 2
    if args.reset:
        shutil.rmtree(tenant_store.data_dir(), ignore_errors=True)

    embedded = None
    sampler = load = None
    stop_pools: Any = None
    try:
        if not use_embedded:
            db = f"Oracle at {os.environ['DRCP_DSN']} (user {os.environ['DRCP_USER']})"
        else:
            embedded = start_embedded_server()
            db = f"the embedded wire server at {embedded.dsn} (no DRCP_DSN/DRCP_USER/DRCP_PASSWORD set)"

        import django

        django.setup()

        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.core.wsgi import get_wsgi_application

        from drcp_multi.lifecycle import drain
        from example_project.load import LoadGenerator
        from example_project.tasks.monitor import Sampler

        stop_pools = drain
        migrate_error = migrate()
        # The data pages word their notice from it (see tasks.views.orm_pending_note).
        os.environ["EXAMPLE_MIGRATE_ERROR"] = migrate_error or ""

        httpd.set_app(StaticFilesHandler(get_wsgi_application()))
        port = httpd.server_port
        sampler = Sampler()
        sampler.start()
        if args.load:
            tenants = tenant_store.all_tenants()[:6]
            load = LoadGenerator(display_url(args.host, port), tenants, concurrency=args.load_concurrency)
            load.start()

        print(banner(args.host, port, db, migrate_error), flush=True)
        if load is not None:
            print(f"Load: {load.concurrency} concurrent clients at {', '.join(load.tenants)}.", flush=True)
        # A machine-readable line for scripts and tests that start the site on --port 0.
        print(f"EXAMPLE_URL=http://127.0.0.1:{port}/", flush=True)

        def on_term(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, on_term)
        httpd.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping…", flush=True)
        if load is not None:
            load.stop()
            print(f"Load: {load.stats.summary()}", flush=True)
        if sampler is not None:
            sampler.stop()
        httpd.server_close()
        # Requests in flight finish (new ones get 503 + Connection: close), then the pools close: thin
        # pools left open can hang interpreter exit. The wire server goes last.
        if stop_pools is not None:
            stop_pools()
        if embedded is not None:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
