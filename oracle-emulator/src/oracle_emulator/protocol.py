"""One client connection: connect, negotiate, authenticate, then serve TTC requests until EOF.

The TTC message layer's driver. Each connection runs in its own thread (see ``server.py``). It reads
and writes through the transport (``wire.PacketStream``), decodes messages with ``handshake``,
``piggybacks`` and ``execute``, and asks the sessions layer (:class:`~.instance.Instance`) for
sessions and SQL. Bad input of any kind closes only this connection; the listener and every other
session carry on.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import struct
from collections.abc import Callable
from typing import Any

from . import handshake, wire
from .auth import AuthExchange
from .broker import DEFAULT_CCLASS, POOL_STOPPED_CODE, ClientInfo, WaitCancelled
from .containers import Container
from .cursors import CursorTable
from .execute import FN_REEXECUTE, FN_REEXECUTE_AND_FETCH, AlreadyAnswered, ExecuteHandler, call_status
from .instance import Instance
from .lobs import LobStore
from .messages import end_of_call, write_session_return
from .piggybacks import FN_LOB_OP, Piggyback, apply_piggybacks, read_piggyback
from .results import OracleError
from .session import LoginSettings, ServerSession
from .wire import ProtocolError, TTCReader, TTCWriter

log = logging.getLogger("oracle_emulator.protocol")

# Function codes (TTC message type 3 / 26).
FN_FETCH = 5
FN_LOGOFF = 9
FN_COMMIT = 14
FN_ROLLBACK = 15
FN_EXECUTE = 94
FN_PING = 147
FN_SESSION_RELEASE = 163

_TIME_ZONE_RE = re.compile(r"TIME_ZONE\s*=\s*'([^']*)'", re.I)


class ClientConnection:
    """Serves one TCP client until it disconnects.

    ``on_closed`` is called once, after the socket is closed and the sessions are given back.
    """

    def __init__(
        self,
        instance: Instance,
        sock: socket.socket,
        addr: Any,
        on_closed: Callable[[ClientConnection], None] | None = None,
    ) -> None:
        self.instance = instance
        self.sock = sock
        self.addr = addr
        self.on_closed = on_closed
        self.stream = wire.PacketStream(sock)
        self.pooled = False
        self.container: Container | None = None  # the one the connect descriptor's service reaches
        self.username = ""
        self.cclass: str | None = None
        self.purity: str | None = None
        self.login_settings = LoginSettings()
        self.session: ServerSession | None = None  # dedicated session or the borrowed pooled one
        self.client_info: ClientInfo | None = None
        self.sess_ret_pending = False
        self.session_changed = False  # the pending session return tells the client of another session
        self.sess_ret_in_response = False  # the response being built carries the session return
        self.last_session: ServerSession | None = None  # the pooled session held before the last release
        self.cursors = CursorTable()
        self.lobs = LobStore()
        self.executor = ExecuteHandler(instance, self.cursors, self.lobs)
        self.closed = False
        self._reset_pending = False
        self.busy = True

    def has_pending_input(self) -> bool:
        """True if bytes (or EOF) wait on the socket unread."""
        try:
            return self.stream.readable()
        except (OSError, ValueError):
            return False

    # ------------------------------------------------------------------------------------------
    # Entry point
    # ------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Thread body: never raises."""
        try:
            if self._connect():
                handshake.negotiate(self.stream)
                if self._authenticate():
                    self._serve()
        except wire.ConnectionClosed:
            log.debug("client %s closed the connection", self.addr)
        except (ProtocolError, ValueError, IndexError, KeyError, struct.error, UnicodeError) as exc:
            log.warning("dropping connection from %s: malformed input (%s)", self.addr, exc)
        except OSError as exc:
            if not self.closed:
                log.info("connection from %s lost: %s", self.addr, exc)
        except Exception:
            log.exception("dropping connection from %s: unexpected server error", self.addr)
        finally:
            self._cleanup()

    def close(self) -> None:
        """Force the socket closed (server stop)."""
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()

    def _cleanup(self) -> None:
        try:
            if self.pooled and self.client_info is not None:
                self._release_pooled_server()
                self.instance.unregister_client(self.client_info)
            elif self.session is not None:
                self.instance.close_dedicated(self.session)
                self.session = None
        except Exception:
            log.exception("error while cleaning up connection from %s", self.addr)
        self.close()
        if self.on_closed is not None:
            self.on_closed(self)

    # ------------------------------------------------------------------------------------------
    # Connect and authentication
    # ------------------------------------------------------------------------------------------

    def _connect(self) -> bool:
        request = handshake.read_connect(self.stream)
        service = request.service
        container = self.instance.containers.for_service(service)
        if container is None:
            handshake.send_refuse(self.stream, request.refusal_code())
            log.info("refused connection from %s: unknown service %r", self.addr, service)
            return False
        self.container = container
        attrs = request.attrs
        self.pooled = attrs.get("SERVER", "").lower() == "pooled"
        if self.pooled and not self.instance.pool_active():
            handshake.send_refuse(self.stream, POOL_STOPPED_CODE)
            log.info("refused DRCP connection from %s: the pool is stopped", self.addr)
            return False
        self.login_settings.program = attrs.get("PROGRAM")
        self.login_settings.machine = attrs.get("HOST")
        self.login_settings.osuser = attrs.get("USER")
        if attrs.get("POOL_CONNECTION_CLASS"):
            self.cclass = attrs["POOL_CONNECTION_CLASS"]
        if attrs.get("POOL_PURITY"):
            self.purity = attrs["POOL_PURITY"].upper()
        self.instance.wait_round_trip()
        handshake.send_accept(self.stream)
        return True

    def _authenticate(self) -> bool:
        container = self.container or self.instance.containers.pdb
        first = handshake.read_auth(self.stream, handshake.FN_AUTH_PHASE_ONE)
        user, pairs = first.user, first.pairs
        self.username = user.upper()
        login = self.login_settings
        login.terminal = pairs.get("AUTH_TERMINAL")
        login.program = pairs.get("AUTH_PROGRAM_NM") or login.program
        login.machine = pairs.get("AUTH_MACHINE") or login.machine
        login.osuser = pairs.get("AUTH_SID") or login.osuser
        exchange = AuthExchange(self.instance.verifier(user))
        handshake.send_parameters(self.stream, exchange.phase_one_params())

        second = handshake.read_auth(self.stream, handshake.FN_AUTH_PHASE_TWO)
        pairs = second.pairs
        login.contexts = handshake.app_contexts(first.appctx_parts + second.appctx_parts)
        if not exchange.verify(pairs.get("AUTH_SESSKEY"), pairs.get("AUTH_PASSWORD")):
            log.info("ORA-01017 for user %r from %s", user, self.addr)
            error = OracleError(1017, "invalid credential or not authorized; logon denied")
            self._send(end_of_call(error, 0, 0))
            return False
        if pairs.get("AUTH_KPPL_CONN_CLASS"):
            self.cclass = pairs["AUTH_KPPL_CONN_CLASS"]
        purity = pairs.get("AUTH_KPPL_PURITY")
        if purity in ("1", "2"):
            self.purity = "NEW" if purity == "1" else "SELF"
        match = _TIME_ZONE_RE.search(pairs.get("AUTH_ALTER_SESSION", ""))
        if match:
            login.time_zone = match.group(1)
        self.instance.login()
        if self.pooled:
            self.purity = self.purity or "SELF"
            self.client_info = ClientInfo(
                username=self.username,
                cclass=self.cclass or DEFAULT_CCLASS,
                purity=self.purity,
                service=container.service,
                program=login.program,
                machine=login.machine,
                terminal=login.terminal,
            )
            self.instance.register_client(self.client_info)
            try:
                session = self._attach_at_login()
            except WaitCancelled:
                log.info("DRCP login from %s abandoned while it waited for a pooled server", self.addr)
                return False
            except OracleError as exc:  # broker wait timeout, pool stopped, or a logon trigger failed
                self._send(end_of_call(exc, 0, 0))
                return False
            sid, serial = session.sid, session.serial
        else:
            self.cclass = None
            self.purity = None
            try:
                session = self.instance.open_dedicated(self.username, login, container)
            except OracleError as exc:  # a logon trigger failed: so does the login
                self._send(end_of_call(exc, 0, 0))
                return False
            session.disconnect = self.close
            self.session = session
            sid, serial = session.sid, session.serial
        params = handshake.login_parameters(sid, serial, exchange.server_response(), container.service)
        handshake.send_parameters(self.stream, params)
        return True

    # ------------------------------------------------------------------------------------------
    # Request loop
    # ------------------------------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            try:
                self.busy = False  # blocked waiting for the next request (see EmulatorServer.wait_idle)
                first = self.stream.read_data()
            except wire.MarkerReceived as marker:
                self._handle_marker(marker.marker_type)
                continue
            self.busy = True
            try:
                self._handle_request(TTCReader(first, self.stream.read_data))
            except wire.MarkerReceived as marker:
                # A break while the request was still arriving (e.g. the client's call timeout fired
                # while we waited for data it never sent): abandon it and start the break/reset.
                if marker.marker_type == wire.MARKER_RESET:
                    self._handle_marker(marker.marker_type)
                else:
                    self._send_break()

    def _handle_marker(self, marker_type: int) -> None:
        if marker_type != wire.MARKER_RESET:
            return  # BREAK / INTERRUPT: whatever was in progress is abandoned; wait for RESET
        self.stream.send_marker(wire.MARKER_RESET)
        err = OracleError(1013, "user requested cancel of current operation")
        self._send(end_of_call(err, 0, call_status(self.session)))

    def _handle_request(self, r: TTCReader) -> None:
        piggybacks: list[Piggyback] = []
        while True:
            msg_type = r.u8()
            if msg_type == wire.MSG_PIGGYBACK:
                fn = r.u8()
                r.u8()  # sequence
                piggybacks.append(read_piggyback(fn, r))
            elif msg_type == wire.MSG_FUNCTION:
                fn = r.u8()
                r.u8()
                self._handle_function(fn, r, piggybacks)
                return
            elif msg_type == wire.MSG_ONEWAY_FN:
                fn = r.u8()
                r.u8()
                self._apply_piggybacks(piggybacks)
                if fn != FN_SESSION_RELEASE:
                    raise ProtocolError(f"unsupported one-way function {fn}")
                r.u8()  # tag pointer
                r.u8()  # tag length
                mode = r.ub4()
                self.instance.count_one_way()
                self._session_release(mode)
                return
            else:
                raise ProtocolError(f"unexpected TTC message type {msg_type}")

    def _apply_piggybacks(self, piggybacks: list[Piggyback]) -> None:
        apply_piggybacks(piggybacks, self.cursors, self.lobs, self.session)

    # -- DRCP ------------------------------------------------------------------------------------

    def _attach(self) -> ServerSession:
        """Borrow a pooled server for this connection (may wait at the broker)."""
        assert self.client_info is not None
        session = self.instance.attach_pooled(self.client_info, self.login_settings, self.interrupted)
        session.disconnect = self.close  # MAX_THINK_TIME / KILL SESSION IMMEDIATE end this connection
        self.session = session
        return session

    def _ensure_session(self) -> ServerSession:
        """The session for this call: borrow a pooled server if the connection holds none."""
        if self.session is not None:
            return self.session
        session = self._attach()
        self.sess_ret_pending = True
        # Only a session other than the one held before counts (the first attach has nothing cached).
        self.session_changed = self.last_session is not None and session is not self.last_session
        if self.session_changed:
            # Cursors live in the server session: those this connection opened belong to the one it
            # had before. The session return says so, and the driver forgets them (re-parses).
            self.cursors.clear()
        self.last_session = session
        return session

    def _attach_at_login(self) -> ServerSession:
        """Oracle's broker hands a DRCP login to a pooled server, which authenticates it and stays
        attached until the first SESSION_RELEASE. The driver assumes so: its first call carries no
        session-get, so no session return is due (that answers a session-get, see _ensure_session)."""
        session = self._attach()
        self.last_session = session  # a later attach to another server reports the change
        return session

    def _release_pooled_server(self) -> None:
        if self.session is None or self.client_info is None:
            return
        self.session = None
        self.instance.release_pooled(self.client_info)

    def _session_release(self, mode: int) -> None:
        """SESSION_RELEASE (one-way): mode 0 from a pool release, 2 (deauthenticate) when a
        standalone DRCP connection closes (the EOF follows). Either way the server goes back."""
        log.debug("session release mode %s from %s", mode, self.addr)
        if self.pooled:
            self._release_pooled_server()

    # -- functions -------------------------------------------------------------------------------

    def _handle_function(self, fn: int, r: TTCReader, piggybacks: list[Piggyback]) -> None:
        self.instance.count_round_trip()
        w = TTCWriter()
        try:
            request = self._parse_function(fn, r)
        except OracleError as exc:
            self._apply_piggybacks(piggybacks)
            self._respond(w, end_of_call(exc, 0, call_status(self.session)))
            return
        try:
            session = self._ensure_session()
        except WaitCancelled:
            self._apply_piggybacks(piggybacks)
            self._send_break()
            return
        except OracleError as exc:
            self._apply_piggybacks(piggybacks)
            self._respond(w, end_of_call(exc, 0, 0))
            return
        if session.killed:
            # Oracle: the killed session's client gets ORA-00028 at its next call; the connection is over.
            self._apply_piggybacks(piggybacks)
            self._respond(w, end_of_call(OracleError(28, "your session has been killed"), 0, 0))
            raise wire.ConnectionClosed("session killed")
        self.instance.call_started(session)
        try:
            self._serve_function(fn, request, session, w, piggybacks)
        finally:
            self.instance.call_finished(session)
        if fn == FN_LOGOFF:
            raise wire.ConnectionClosed("logoff")

    def _serve_function(
        self, fn: int, request: Any, session: ServerSession, w: TTCWriter, piggybacks: list[Piggyback]
    ) -> None:
        prefix = b""
        if self.sess_ret_pending:
            self.sess_ret_pending = False
            self.sess_ret_in_response = True
            write_session_return(w, session.sid, session.serial, self.session_changed)
            prefix = w.getvalue()
        self._apply_piggybacks(piggybacks)
        try:
            self._run_function(fn, request, session, w)
        except AlreadyAnswered:
            self._respond(w, None)
            return
        except OracleError as exc:
            self._respond(w, end_of_call(exc, 0, call_status(self.session)))
            return
        except Exception as exc:
            # A server bug after the request was fully read: answer ORA-00600 rather than drop.
            log.exception("internal error while serving function %s", fn)
            w = TTCWriter().raw(prefix)
            err = OracleError(600, f"internal error code, arguments: [oracle_emulator], [{exc!r}]")
            self._respond(w, end_of_call(err, 0, call_status(self.session)))
            return
        self._respond(w, None)

    def _respond(self, w: TTCWriter, tail: TTCWriter | None) -> None:
        if tail is not None:
            w.raw(tail.getvalue())
        self.instance.wait_round_trip()
        carried_return, self.sess_ret_in_response = self.sess_ret_in_response, False
        if self.interrupted():
            # The client gave up on this call (cancel() or call timeout): drop the response and
            # start the break/reset exchange instead. A session return it carried goes with the next.
            self.sess_ret_pending = self.sess_ret_pending or carried_return
            self._send_break()
            return
        self._send(w)

    def interrupted(self) -> bool:
        """True if a BREAK/INTERRUPT marker (or EOF) waits on the socket; consumes the marker."""
        marker = self.stream.peek_marker()
        if marker is None:
            return False
        if marker == -1:
            return True  # the client vanished; the request loop will notice
        if marker == wire.MARKER_RESET:
            self._reset_pending = True
            return True
        return marker in (wire.MARKER_BREAK, wire.MARKER_INTERRUPT)

    def _send_break(self) -> None:
        """Answer an interrupted call with BREAK; the client replies RESET (see _handle_marker)."""
        self.stream.send_marker(wire.MARKER_BREAK)
        if self._reset_pending:
            self._reset_pending = False
            self._handle_marker(wire.MARKER_RESET)

    def _parse_function(self, fn: int, r: TTCReader) -> Any:
        if fn == FN_EXECUTE:
            return self.executor.parse_execute(r)
        if fn in (FN_REEXECUTE, FN_REEXECUTE_AND_FETCH):
            return self.executor.parse_reexecute(fn, r)
        if fn == FN_FETCH:
            return r.ub4(), r.ub4()
        if fn in (FN_COMMIT, FN_ROLLBACK, FN_PING, FN_LOGOFF):
            return None
        if fn == FN_LOB_OP:
            return self.lobs.parse_request(r)
        raise OracleError(3115, f"unsupported network datatype or representation (function {fn})")

    def _run_function(self, fn: int, request: Any, session: ServerSession, w: TTCWriter) -> None:
        if fn in (FN_EXECUTE, FN_REEXECUTE, FN_REEXECUTE_AND_FETCH):
            self.executor.execute(request, session, w)
        elif fn == FN_FETCH:
            cursor_id, rows_wanted = request
            self.executor.fetch(cursor_id, rows_wanted, session, w)
        elif fn == FN_COMMIT:
            self.instance.commit(session)
            w.u8(wire.MSG_STATUS).ub4(0).ub2(0)
        elif fn == FN_ROLLBACK:
            self.instance.rollback(session)
            w.u8(wire.MSG_STATUS).ub4(0).ub2(0)
        elif fn in (FN_PING, FN_LOGOFF):
            w.u8(wire.MSG_STATUS).ub4(call_status(session)).ub2(0)
        elif fn == FN_LOB_OP:
            self.lobs.respond(request, w)
            w.raw(end_of_call(None, 0, call_status(session)).getvalue())

    # -- I/O -------------------------------------------------------------------------------------

    def _send(self, w: TTCWriter) -> None:
        self.stream.send_data(w.getvalue())
