"""Command line: ``python -m oracle_emulator --port 1521 --service FREEPDB1 --user app/secret``.

The first line printed is ``oracle_emulator listening on HOST:PORT service NAME`` (flushed, so a
parent process can read the port when ``--port 0`` picked a free one). SIGINT/SIGTERM stop it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from .server import EmulatorServer, LatencyModel


def _user(text: str) -> tuple[str, str]:
    user, sep, password = text.partition("/")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError(f"expected USER/PASSWORD, got {text!r}")
    return user, password


def _grant(text: str) -> tuple[str, str]:
    user, sep, privilege = text.partition("=")
    if not sep or not user or not privilege:
        raise argparse.ArgumentTypeError(f"expected USER=PRIVILEGE, got {text!r}")
    return user, privilege


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m oracle_emulator",
        description="Wire-level Oracle DRCP test server for python-oracledb thin (not a database).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1521, help="0 picks a free port")
    parser.add_argument("--service", default="FREEPDB1", help="the PDB's service")
    parser.add_argument("--root-service", default="FREE", help="CDB$ROOT's service ('' for none)")
    parser.add_argument(
        "--per-pdb-drcp",
        choices=("true", "false"),
        default="true",
        help="ENABLE_PER_PDB_DRCP (false: V$CPOOL_* have rows only through the root service)",
    )
    parser.add_argument(
        "--grant",
        type=_grant,
        action="append",
        default=[],
        metavar="USER=PRIVILEGE",
        help="e.g. monitor=SELECT_CATALOG_ROLE (the V$ views need it)",
    )
    parser.add_argument("--user", type=_user, action="append", default=[], metavar="USER/PASSWORD")
    parser.add_argument("--max-pooled-servers", type=int, default=40)
    parser.add_argument(
        "--broker-wait-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="fail a call queued for a pooled server after SECONDS (ORA-24457); default: queue without limit",
    )
    parser.add_argument("--max-think-time", type=float, default=120, metavar="SECONDS", help="0: no limit")
    parser.add_argument(
        "--inactivity-timeout", type=float, default=300, metavar="SECONDS", help="0: no limit"
    )
    parser.add_argument(
        "--drcp-dedicated-opt", choices=("YES", "NO"), default="NO", help="Oracle 21c/23ai default: NO"
    )
    parser.add_argument("--rtt-ms", type=float, default=0)
    parser.add_argument("--login-ms", type=float, default=0)
    parser.add_argument("--new-session-ms", type=float, default=0)
    parser.add_argument("--spawn-server-ms", type=float, default=0)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--log-level", default="WARNING")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    grants: dict[str, list[str]] = {}
    for user, privilege in args.grant:
        grants.setdefault(user, []).append(privilege)
    server = EmulatorServer(
        host=args.host,
        port=args.port,
        service=args.service,
        users=dict(args.user),
        max_pooled_servers=args.max_pooled_servers,
        latency=LatencyModel(
            rtt_ms=args.rtt_ms,
            login_ms=args.login_ms,
            new_session_ms=args.new_session_ms,
            spawn_server_ms=args.spawn_server_ms,
        ),
        broker_wait_timeout=args.broker_wait_timeout,
        data_dir=args.data_dir,
        max_think_time=args.max_think_time or None,
        inactivity_timeout=args.inactivity_timeout or None,
        drcp_dedicated_opt=args.drcp_dedicated_opt == "YES",
        root_service=args.root_service or None,
        per_pdb_drcp=args.per_pdb_drcp == "true",
        grants=grants,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    server.start()
    print(f"oracle_emulator listening on {server.host}:{server.port} service {server.service}", flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
