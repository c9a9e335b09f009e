"""One client connection: connect, negotiate, authenticate, then serve TTC requests until EOF.

Each connection runs in its own thread (see ``server.py``). Bad input of any kind closes only this
connection; the listener and every other session carry on.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import logging
import re
import select
import socket
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from . import wire
from .auth import AuthExchange
from .broker import DEFAULT_CCLASS, ClientInfo, WaitCancelled
from .lobs import LobStore
from .results import Column, ColumnType, OracleError, Result, Value
from .session import ExecutionCtx, ServerSession
from .sqlscan import ScannedStatement, scan_statement
from .wire import ProtocolError, TTCReader, TTCWriter

if TYPE_CHECKING:
    from .server import EmulatorServer

log = logging.getLogger("oracle_emulator.protocol")
_T = TypeVar("_T")

# Function codes (TTC message type 3 / 26 / 17).
FN_REEXECUTE = 4
FN_FETCH = 5
FN_LOGOFF = 9
FN_COMMIT = 14
FN_ROLLBACK = 15
FN_REEXECUTE_AND_FETCH = 78
FN_EXECUTE = 94
FN_LOB_OP = 96
FN_CLOSE_CURSORS = 105
FN_AUTH_PHASE_TWO = 115
FN_AUTH_PHASE_ONE = 118
FN_END_TO_END = 135
FN_PING = 147
FN_SET_SCHEMA = 152
FN_APP_CONTEXT = 154
FN_SESSION_RELEASE = 163

# EXECUTE options.
OPT_PARSE = 0x01
OPT_BIND = 0x08
OPT_DEFINE = 0x10
OPT_EXECUTE = 0x20
OPT_FETCH = 0x40
OPT_COMMIT = 0x100
OPT_DESCRIBE = 0x20000

EXEC_FLAG_DML_ROWCOUNTS = 0x4000
EXEC_FLAG_SCROLLABLE = 0x02
ORIENT_CURRENT = 0x01
ORIENT_FIRST = 0x04
ORIENT_LAST = 0x08
CALL_STATUS_TXN = 0x02
BIND_DIR_INPUT = 32
BIND_DIR_INPUT_OUTPUT = 48
SESS_RET_OPCODE = 4

FIELD_VERSION = 7  # 12.1 layouts: no optional fields (brief §6)
MAX_STRING_SIZE = 4000  # runtime caps say "no 32K strings": longer binds travel last in a row
MAX_OPEN_CURSORS = 300
# 19.3.0.0.0 in the pre-18.1 bit layout used at field version 7.
VERSION_NO = (19 << 24) | (3 << 20)

_CONNECT_DATA_RE = re.compile(r"\(\s*([A-Za-z_]+)\s*=\s*([^()]*?)\s*\)")


@dataclass
class BindMeta:
    """Bind metadata as the client sent it in an EXECUTE."""

    ora_type: int
    flags: int
    buffer_size: int
    max_elements: int
    csfrm: int

    @property
    def is_array(self) -> bool:
        return bool(self.flags & 0x40)


@dataclass
class BindValue:
    """Implements :class:`oracle_emulator.results.Bind`."""

    name: str | None
    value: Value
    is_out: bool = False


@dataclass
class Cursor:
    """Server-side cursor: kept until the client closes it, so re-executes find their binds."""

    cursor_id: int
    stmt: ScannedStatement
    binds: list[BindMeta] = field(default_factory=list)
    columns: list[Column] | None = None
    rows: list[tuple[Value, ...]] = field(default_factory=list)
    pos: int = 0
    out_positions: set[int] | None = None  # PL/SQL binds reported as IN OUT (fixed on first run)
    dml_rowcounts: bool = False  # the client asked for per-row counts (arraydmlrowcounts)
    scrollable: bool = False  # rows are kept for scroll requests until the cursor is closed


def _readable(sock: socket.socket) -> bool:
    """Bytes or EOF wait on ``sock`` (no blocking). poll(), not select(): select() refuses descriptors
    numbered 1024 and above, which a busy test process reaches."""
    if not hasattr(select, "poll"):  # Windows
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class ClientConnection:
    """Serves one TCP client until it disconnects."""

    def __init__(self, server: EmulatorServer, sock: socket.socket, addr: Any) -> None:
        self.server = server
        self.sock = sock
        self.addr = addr
        self.stream = wire.PacketStream(sock)
        self.pooled = False
        self.username = ""
        self.cclass: str | None = None
        self.purity: str | None = None
        self.program: str | None = None
        self.machine: str | None = None
        self.terminal: str | None = None
        self.osuser: str | None = None
        self.time_zone: str | None = None
        self.session: ServerSession | None = None  # dedicated session or the borrowed pooled one
        self.client_info: ClientInfo | None = None
        self.sess_ret_pending = False
        self.cursors: dict[int, Cursor] = {}
        self._next_cursor_id = 1
        self.lobs = LobStore()
        self._appctx_parts: list[tuple[str, str]] = []
        self.closed = False
        self._reset_pending = False
        self.busy = True

    def has_pending_input(self) -> bool:
        """True if bytes (or EOF) wait on the socket unread."""
        try:
            return _readable(self.sock)
        except (OSError, ValueError):
            return False

    # ------------------------------------------------------------------------------------------
    # Entry point
    # ------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Thread body: never raises."""
        try:
            if self._connect():
                self._negotiate()
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
                self.server.broker.unregister_client(self.client_info)
            elif self.session is not None:
                self._rollback_quietly(self.session)
                if self.server.broker.remove_dedicated(self.session):
                    self.server._destroy_session(self.session)
                self.session = None
        except Exception:
            log.exception("error while cleaning up connection from %s", self.addr)
        self.close()
        self.server._connection_closed(self)

    # ------------------------------------------------------------------------------------------
    # Connect, negotiation, authentication
    # ------------------------------------------------------------------------------------------

    def _connect(self) -> bool:
        ptype, _flags, body = self.stream.read_packet()
        if ptype != wire.PACKET_CONNECT or len(body) < 66:
            raise ProtocolError("expected a CONNECT packet")
        version = struct.unpack(">H", body[0:2])[0]
        if version < 315:
            raise ProtocolError(f"client protocol version {version} too old")
        cd_len, cd_off = struct.unpack(">HH", body[16:20])
        sdu = struct.unpack(">I", body[50:54])[0]
        self.stream.sdu = min(max(sdu, 512), 2 * 1024 * 1024) if sdu else 8192
        start = cd_off - 8
        if cd_len and start + cd_len <= len(body):
            descriptor = body[start : start + cd_len]
        else:
            # Descriptors longer than 230 bytes follow in DATA packets (still 2-byte lengths).
            data = b""
            while len(data) < cd_len:
                ptype, _flags, more = self.stream.read_packet()
                if ptype != wire.PACKET_DATA or len(more) < 2:
                    raise ProtocolError("expected connect data")
                data += more[2:]
            descriptor = data[:cd_len]
        text = descriptor.decode("ascii", "replace")
        attrs: dict[str, str] = {}
        for key, value in _CONNECT_DATA_RE.findall(text):
            attrs.setdefault(key.upper(), value)
        service = attrs.get("SERVICE_NAME") or attrs.get("SID")
        if service is None or service.upper() != self.server.service.upper():
            code = 12514 if "SERVICE_NAME" in attrs or "SID" not in attrs else 12505
            self._refuse(code)
            log.info("refused connection from %s: unknown service %r", self.addr, service)
            return False
        self.pooled = attrs.get("SERVER", "").lower() == "pooled"
        self.program = attrs.get("PROGRAM")
        self.machine = attrs.get("HOST")
        self.osuser = attrs.get("USER")
        if attrs.get("POOL_CONNECTION_CLASS"):
            self.cclass = attrs["POOL_CONNECTION_CLASS"]
        if attrs.get("POOL_PURITY"):
            self.purity = attrs["POOL_PURITY"].upper()
        self._latency_rtt()
        accept = struct.pack(">HHBBH", 36, 0, wire.PACKET_ACCEPT, 0, 0)
        accept += struct.pack(">HH", 315, 0) + b"\x00" * 10 + b"\x00" + b"\x00" * 9
        accept += struct.pack(">I", self.stream.sdu)
        self.sock.sendall(accept)
        self.stream.large_lengths = True
        return True

    def _refuse(self, code: int) -> None:
        text = (
            f"(DESCRIPTION=(TMP=)(VSNNUM=0)(ERR={code})(ERROR_STACK=(ERROR=(CODE={code})(EMFI=4))))"
        ).encode()
        self.stream.send_packet(wire.PACKET_REFUSE, bytes((1, 0)) + struct.pack(">H", len(text)) + text)

    def _read_data(self) -> bytes:
        """Next DATA payload (after the data flags); markers and EOF raise."""
        while True:
            ptype, _flags, body = self.stream.read_packet()
            if ptype == wire.PACKET_MARKER:
                raise wire.MarkerReceived(body[2] if len(body) >= 3 else 0)
            if ptype != wire.PACKET_DATA or len(body) < 2:
                raise ProtocolError(f"unexpected packet type {ptype}")
            data_flags = struct.unpack(">H", body[:2])[0]
            if data_flags & wire.DATA_FLAGS_EOF:
                raise wire.ConnectionClosed("client sent EOF")
            if len(body) > 2:
                return body[2:]

    def _negotiate(self) -> None:
        r = TTCReader(self._read_data(), self._read_data)
        if r.u8() != wire.MSG_PROTOCOL:
            raise ProtocolError("expected the protocol negotiation message")
        r.u8()  # client protocol version
        r.u8()
        r.null_terminated()
        w = TTCWriter()
        w.u8(wire.MSG_PROTOCOL).u8(6).u8(0).raw(b"oracle_emulator\x00")
        w.u16le(wire.CHARSET_UTF8).u8(1).u16le(0)
        fdo = b"\x00" * 9 + struct.pack(">H", wire.CHARSET_UTF16)
        w.u16be(len(fdo)).raw(fdo)
        compile_caps = bytearray(55)
        compile_caps[7] = FIELD_VERSION
        w.bytes_(bytes(compile_caps))
        runtime_caps = bytearray(11)
        runtime_caps[6] = 0x01
        w.bytes_(bytes(runtime_caps))
        self._send(w)

        r = TTCReader(self._read_data(), self._read_data)
        if r.u8() != wire.MSG_DATA_TYPES:
            raise ProtocolError("expected the data types message")
        r.raw(5)
        r.bytes_()  # client compile caps
        r.bytes_()  # client runtime caps
        for _ in range(10000):
            data_type = r.u16be()
            if data_type == 0:
                break
            conv = r.u16be()
            if conv:
                r.raw(4)
        else:
            raise ProtocolError("data types list not terminated")
        self._send(TTCWriter().u8(wire.MSG_DATA_TYPES).u16be(0))

    def _read_auth(self, r: TTCReader, expected_fn: int) -> tuple[str, dict[str, str]]:
        if r.u8() != wire.MSG_FUNCTION or r.u8() != expected_fn:
            raise ProtocolError("expected an authentication message")
        r.u8()  # sequence
        has_user = r.u8()
        r.ub4()  # user length
        r.ub4()  # auth mode
        r.u8()
        num_pairs = r.ub4()
        r.u8()
        r.u8()
        user = ""
        if has_user:
            user = (r.bytes_() or b"").decode("utf-8", "replace")
        if num_pairs > 1000:
            raise ProtocolError("too many auth pairs")
        pairs: dict[str, str] = {}
        for _ in range(num_pairs):
            key = (r.bytes2() or b"").decode("utf-8", "replace")
            value = (r.bytes2() or b"").decode("utf-8", "replace")
            r.ub4()
            key = key.rstrip("\x00")
            if key.startswith("AUTH_APPCTX_"):
                # Repeated (namespace, attribute, value) triples from the ``appcontext`` parameter.
                self._appctx_parts.append((key, value.rstrip("\x00")))
                continue
            pairs[key] = value
        return user, pairs

    def _authenticate(self) -> bool:
        user, pairs = self._read_auth(TTCReader(self._read_data(), self._read_data), FN_AUTH_PHASE_ONE)
        self.username = user.upper()
        self.terminal = pairs.get("AUTH_TERMINAL")
        self.program = pairs.get("AUTH_PROGRAM_NM") or self.program
        self.machine = pairs.get("AUTH_MACHINE") or self.machine
        self.osuser = pairs.get("AUTH_SID") or self.osuser
        exchange = AuthExchange(self.server.users.get(user))
        w = TTCWriter().u8(wire.MSG_PARAMETER)
        params = exchange.phase_one_params()
        w.ub2(len(params))
        for key, value, flags in params:
            w.key_value(key, value, flags)
        w.u8(wire.MSG_STATUS).ub4(0).ub2(0)
        self._send(w)

        _user, pairs = self._read_auth(TTCReader(self._read_data(), self._read_data), FN_AUTH_PHASE_TWO)
        if not exchange.verify(pairs.get("AUTH_SESSKEY"), pairs.get("AUTH_PASSWORD")):
            log.info("ORA-01017 for user %r from %s", user, self.addr)
            self._send(
                self._error_message(
                    OracleError(1017, "invalid credential or not authorized; logon denied"), 0, 0
                )
            )
            return False
        if pairs.get("AUTH_KPPL_CONN_CLASS"):
            self.cclass = pairs["AUTH_KPPL_CONN_CLASS"]
        purity = pairs.get("AUTH_KPPL_PURITY")
        if purity in ("1", "2"):
            self.purity = "NEW" if purity == "1" else "SELF"
        match = re.search(r"TIME_ZONE\s*=\s*'([^']*)'", pairs.get("AUTH_ALTER_SESSION", ""), re.I)
        if match:
            self.time_zone = match.group(1)
        latency = self.server.latency
        if latency.login_ms:
            time.sleep(latency.login_ms / 1000)
        self.server._count("logins")
        if self.pooled:
            self.purity = self.purity or "SELF"
            self.client_info = ClientInfo(
                username=self.username,
                cclass=self.cclass or DEFAULT_CCLASS,
                purity=self.purity,
                service=self.server.service,
                program=self.program,
                machine=self.machine,
                terminal=self.terminal,
            )
            self.server.broker.register_client(self.client_info)
            sid, serial = 0, 0
        else:
            self.cclass = None
            self.purity = None
            session = self.server._new_session(self.username, cclass=None, purity=None, pooled=False)
            self._init_session(session)
            self.server.broker.add_dedicated(session)
            self.session = session
            sid, serial = session.sid, session.serial
        w = TTCWriter().u8(wire.MSG_PARAMETER)
        entries = [
            ("AUTH_VERSION_NO", str(VERSION_NO)),
            ("AUTH_SESSION_ID", str(sid)),
            ("AUTH_SERIAL_NUM", str(serial)),
            ("AUTH_SVR_RESPONSE", exchange.server_response()),
            ("AUTH_MAX_OPEN_CURSORS", str(MAX_OPEN_CURSORS)),
            ("AUTH_SC_SERVICE_NAME", self.server.service),
            ("AUTH_SC_DB_DOMAIN", ""),
            ("AUTH_SC_DBUNIQUE_NAME", "EMULATOR"),
            ("AUTH_SC_REAL_DBUNIQUE_NAME", "EMULATOR"),
            ("AUTH_INSTANCENAME", "EMULATOR"),
            ("AUTH_MAX_IDEN_LENGTH", "128"),
            ("AUTH_VERSION_STRING", "- Oracle emulator (test server)"),
        ]
        w.ub2(len(entries))
        for key, value in entries:
            w.key_value(key, value or None)
        w.u8(wire.MSG_STATUS).ub4(0).ub2(0)
        self._send(w)
        return True

    def _init_session(self, session: ServerSession) -> None:
        session.program = self.program
        session.machine = self.machine
        session.terminal = self.terminal
        session.osuser = self.osuser
        if self.time_zone:
            session.nls["TIME_ZONE"] = self.time_zone
        self._apply_login_contexts(session)

    def _apply_login_contexts(self, session: ServerSession) -> None:
        """Application context given at connect time (``appcontext=[(ns, attr, value), …]``)."""
        parts = self._appctx_parts
        for i in range(0, len(parts) - 2, 3):
            (_, namespace), (_, attribute), (_, value) = parts[i : i + 3]
            session.contexts[(namespace.upper(), attribute.upper())] = value

    # ------------------------------------------------------------------------------------------
    # Request loop
    # ------------------------------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            try:
                self.busy = False  # blocked waiting for the next request (see EmulatorServer.wait_idle)
                first = self._read_data()
            except wire.MarkerReceived as marker:
                self._handle_marker(marker.marker_type)
                continue
            self.busy = True
            try:
                self._handle_request(TTCReader(first, self._read_data))
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
        self._send(self._error_message(err, 0, self._call_status()))

    def _handle_request(self, r: TTCReader) -> None:
        piggybacks: list[tuple[int, Any]] = []
        while True:
            msg_type = r.u8()
            if msg_type == wire.MSG_PIGGYBACK:
                fn = r.u8()
                r.u8()  # sequence
                piggybacks.append((fn, self._read_piggyback(fn, r)))
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
                self.server._count("one_way")
                self._session_release(mode)
                return
            else:
                raise ProtocolError(f"unexpected TTC message type {msg_type}")

    # -- piggybacks ------------------------------------------------------------------------------

    def _read_piggyback(self, fn: int, r: TTCReader) -> Any:
        if fn == FN_CLOSE_CURSORS:
            r.u8()
            count = r.ub4()
            if count > 100000:
                raise ProtocolError("too many cursors to close")
            return [r.ub4() for _ in range(count)]
        if fn == FN_END_TO_END:
            r.u8()
            r.u8()
            flags = r.ub4()
            lengths = []
            for _ in range(3):  # client identifier, module, action
                lengths.append((r.u8(), r.ub4()))
            r.u8()
            r.ub4()
            r.u8()
            r.ub4()
            lengths.append((r.u8(), r.ub4()))  # client info
            r.u8()
            r.ub4()
            r.u8()
            r.ub4()
            lengths.append((r.u8(), r.ub4()))  # dbop
            values: dict[str, str | None] = {}
            names = ("client_identifier", "module", "action", "client_info", "dbop")
            bits = (0x1, 0x8, 0x10, 0x100, 0x200)
            for name, bit, (pointer, length) in zip(names, bits, lengths, strict=True):
                if not flags & bit:
                    continue
                if pointer and length:
                    values[name] = (r.bytes_() or b"").decode("utf-8", "replace")
                    continue
                # Length 0 is both None (no string follows) and "" (a zero-length string, one 0 byte,
                # follows). No TTC message type is 0, so a 0 byte here can only be that empty string.
                if pointer and r.peek_u8() == 0:
                    r.u8()
                values[name] = None  # as in Oracle, an empty value clears the attribute
            return values
        if fn == FN_SET_SCHEMA:
            r.u8()
            return (r.bytes2() or b"").decode("utf-8", "replace")
        if fn == FN_APP_CONTEXT:
            r.u8()
            r.ub4()
            r.u8()
            count = r.ub4()
            r.ub2()
            r.u8()
            namespace = (r.bytes_() or b"").decode("utf-8", "replace")
            entries = []
            for _ in range(count):
                key = (r.bytes2() or b"").decode("utf-8", "replace")
                value = (r.bytes2() or b"").decode("utf-8", "replace")
                r.ub4()
                entries.append((key, value))
            return namespace, entries
        if fn == FN_LOB_OP:  # free temporary LOBs
            r.u8()
            total = r.ub4()
            r.u8()
            r.ub4()
            r.ub4()
            r.ub4()
            r.u8()
            r.u8()
            r.u8()
            r.ub4()
            r.u8()
            r.ub4()
            r.ub8()
            r.ub8()
            r.u8()
            for _ in range(3):
                r.u8()
                r.ub4()
            if total > 1 << 20:
                raise ProtocolError("too many temporary LOBs to free")
            # Locators follow back to back without length prefixes; each starts with its own
            # length less two (u16be).
            blob = r.raw(total)
            locators = []
            pos = 0
            while pos + 2 <= len(blob):
                size = struct.unpack(">H", blob[pos : pos + 2])[0] + 2
                locators.append(blob[pos : pos + size])
                pos += size
            return locators
        raise ProtocolError(f"unsupported piggyback {fn}")

    def _apply_piggybacks(self, piggybacks: list[tuple[int, Any]]) -> None:
        """Close cursors and free LOBs; set end-to-end attributes, schema and contexts on the session."""
        for fn, data in piggybacks:
            if fn == FN_CLOSE_CURSORS:
                for cursor_id in data:
                    self.cursors.pop(cursor_id, None)
            elif fn == FN_LOB_OP:
                for locator in data:
                    self.lobs.free(locator)
        session = self.session
        if session is None:
            return
        for fn, data in piggybacks:
            if fn == FN_END_TO_END:
                for name, value in data.items():
                    if name != "dbop":
                        setattr(session, name, value)
            elif fn == FN_SET_SCHEMA:
                session.current_schema = data.upper()
            elif fn == FN_APP_CONTEXT:
                namespace, entries = data
                ns = namespace.upper()
                if not entries:
                    for key in [k for k in session.contexts if k[0] == ns]:
                        del session.contexts[key]
                for key, value in entries:
                    session.contexts[(ns, key.upper())] = value

    # -- DRCP ------------------------------------------------------------------------------------

    def _ensure_session(self) -> ServerSession:
        """The session for this call: borrow a pooled server if the connection holds none."""
        if self.session is not None:
            return self.session
        assert self.client_info is not None
        session = self.server.broker.acquire(self.client_info, self._interrupted)
        if session.uses == 1:
            self._init_session(session)
        else:
            self._apply_login_contexts(session)
        session.program = self.program
        session.machine = self.machine
        session.terminal = self.terminal
        session.osuser = self.osuser
        self.session = session
        self.sess_ret_pending = True
        return session

    def _release_pooled_server(self) -> None:
        session = self.session
        if session is None or self.client_info is None:
            return
        self._rollback_quietly(session)
        self.session = None
        self.server.broker.release(self.client_info)

    def _session_release(self, mode: int) -> None:
        """SESSION_RELEASE (one-way): mode 0 from a pool release, 2 (deauthenticate) when a
        standalone DRCP connection closes (the EOF follows). Either way the server goes back."""
        log.debug("session release mode %s from %s", mode, self.addr)
        if self.pooled:
            self._release_pooled_server()

    def _rollback_quietly(self, session: ServerSession) -> None:
        # Always ask the engine (cheap when idle): PL/SQL may have opened a transaction that the
        # keyword heuristics below did not see, and it must not leak to the next borrower.
        try:
            self.server.engine.rollback(self._ctx(session))
        except Exception:
            log.exception("rollback on release failed")
        session.in_transaction = False

    def _ctx(self, session: ServerSession) -> ExecutionCtx:
        return ExecutionCtx(session=session, server=self.server.broker)

    # -- functions -------------------------------------------------------------------------------

    def _handle_function(self, fn: int, r: TTCReader, piggybacks: list[tuple[int, Any]]) -> None:
        self.server._count("round_trips")
        w = TTCWriter()
        try:
            request = self._parse_function(fn, r)
        except OracleError as exc:
            self._apply_piggybacks(piggybacks)
            self._respond(w, self._error_message(exc, 0, self._call_status()))
            return
        try:
            session = self._ensure_session()
        except WaitCancelled:
            self._apply_piggybacks(piggybacks)
            self._send_break()
            return
        except OracleError as exc:
            self._apply_piggybacks(piggybacks)
            self._respond(w, self._error_message(exc, 0, 0))
            return
        prefix = b""
        if self.sess_ret_pending:
            # Session-return piggyback: mandatory on the first call after a borrow (brief §10.3).
            self.sess_ret_pending = False
            w.u8(wire.MSG_SERVER_SIDE_PIGGYBACK).u8(SESS_RET_OPCODE).ub2(0).u8(0).ub2(0)
            w.ub4(0).ub4(session.sid).ub2(session.serial)
            prefix = w.getvalue()
        self._apply_piggybacks(piggybacks)
        try:
            self._run_function(fn, request, session, w)
        except _AlreadyAnswered:
            self._respond(w, None)
            return
        except OracleError as exc:
            self._respond(w, self._error_message(exc, 0, self._call_status()))
            return
        except Exception as exc:
            # A server bug after the request was fully read: answer ORA-00600 rather than drop.
            log.exception("internal error while serving function %s", fn)
            w = TTCWriter().raw(prefix)
            err = OracleError(600, f"internal error code, arguments: [oracle_emulator], [{exc!r}]")
            self._respond(w, self._error_message(err, 0, self._call_status()))
            return
        self._respond(w, None)
        if fn == FN_LOGOFF:
            raise wire.ConnectionClosed("logoff")

    def _respond(self, w: TTCWriter, tail: TTCWriter | None) -> None:
        if tail is not None:
            w.raw(tail.getvalue())
        self._latency_rtt()
        if self._interrupted():
            # The client gave up on this call (cancel() or call timeout): drop the response and
            # start the break/reset exchange instead.
            self._send_break()
            return
        self._send(w)

    def _interrupted(self) -> bool:
        """True if a BREAK/INTERRUPT marker (or EOF) is waiting on the socket; consumes the marker.

        During a call the client sends nothing but markers, so peeking is safe.
        """
        try:
            if not _readable(self.sock):
                return False
            head = self.sock.recv(8, socket.MSG_PEEK)
        except (OSError, ValueError):
            return True
        if not head:
            return True  # the client vanished; the request loop will notice
        if len(head) < 8 or head[4] != wire.PACKET_MARKER:
            return False
        _ptype, _flags, body = self.stream.read_packet()
        if len(body) >= 3 and body[2] == wire.MARKER_RESET:
            self._reset_pending = True
            return True
        return len(body) >= 3 and body[2] in (wire.MARKER_BREAK, wire.MARKER_INTERRUPT)

    def _send_break(self) -> None:
        """Answer an interrupted call with BREAK; the client replies RESET (see _handle_marker)."""
        self.stream.send_marker(wire.MARKER_BREAK)
        if self._reset_pending:
            self._reset_pending = False
            self._handle_marker(wire.MARKER_RESET)

    def _parse_function(self, fn: int, r: TTCReader) -> Any:
        if fn == FN_EXECUTE:
            return self._parse_execute(r)
        if fn in (FN_REEXECUTE, FN_REEXECUTE_AND_FETCH):
            return self._parse_reexecute(fn, r)
        if fn == FN_FETCH:
            return r.ub4(), r.ub4()
        if fn in (FN_COMMIT, FN_ROLLBACK, FN_PING, FN_LOGOFF):
            return None
        if fn == FN_LOB_OP:
            return self.lobs.parse_request(r)
        raise OracleError(3115, f"unsupported network datatype or representation (function {fn})")

    def _run_function(self, fn: int, request: Any, session: ServerSession, w: TTCWriter) -> None:
        ctx = self._ctx(session)
        engine = self.server.engine
        if fn in (FN_EXECUTE, FN_REEXECUTE, FN_REEXECUTE_AND_FETCH):
            self._execute(request, session, w)
        elif fn == FN_FETCH:
            cursor_id, rows_wanted = request
            cursor = self.cursors.get(cursor_id)
            if cursor is None or cursor.columns is None:
                raise OracleError(1001, "invalid cursor")
            self._write_rows(w, cursor, rows_wanted)
            self._write_end_of_fetch(w, cursor)
        elif fn == FN_COMMIT:
            self._guard(lambda: engine.commit(ctx))
            session.in_transaction = False
            w.u8(wire.MSG_STATUS).ub4(0).ub2(0)
        elif fn == FN_ROLLBACK:
            self._guard(lambda: engine.rollback(ctx))
            session.in_transaction = False
            w.u8(wire.MSG_STATUS).ub4(0).ub2(0)
        elif fn in (FN_PING, FN_LOGOFF):
            w.u8(wire.MSG_STATUS).ub4(self._call_status()).ub2(0)
        elif fn == FN_LOB_OP:
            self.lobs.respond(request, w)
            w.raw(self._error_message(None, 0, self._call_status()).getvalue())

    def _guard(self, call: Callable[[], _T]) -> _T:
        """Run an engine call; anything but OracleError becomes ORA-00600."""
        try:
            return call()
        except OracleError:
            raise
        except Exception as exc:
            log.exception("engine failure")
            raise OracleError(600, f"internal error code, arguments: [oracle_emulator], [{exc!r}]") from exc

    # -- EXECUTE parsing -------------------------------------------------------------------------

    def _read_bind_meta(self, r: TTCReader) -> BindMeta:
        ora_type = r.u8()
        flags = r.u8()
        r.u8()
        r.u8()
        buffer_size = r.ub4()
        max_elements = r.ub4()
        r.ub8()  # cont flags
        if r.ub4():  # OID (objects): unsupported, skip it
            r.bytes_()
            r.ub4()
        else:
            r.ub2()
        r.ub2()  # charset
        csfrm = r.u8()
        r.ub4()  # LOB prefetch length
        return BindMeta(ora_type, flags, buffer_size, max_elements, csfrm)

    def _read_bind_rows(
        self, r: TTCReader, metas: list[BindMeta], stmt: ScannedStatement, num_rows: int, skip: set[int]
    ) -> list[list[Value]]:
        """Read ``num_rows`` rows of bind values; ``skip`` = positions without values (returning)."""
        rows: list[list[Value]] = []
        positions = [i for i in range(len(metas)) if i not in skip]
        if not stmt.is_plsql:
            # The client writes binds larger than the max string size last (brief §8.3).
            short = [i for i in positions if metas[i].buffer_size <= MAX_STRING_SIZE]
            long_ = [i for i in positions if metas[i].buffer_size > MAX_STRING_SIZE]
            positions = short + long_
        for _ in range(num_rows):
            if r.u8() != wire.MSG_ROW_DATA:
                raise ProtocolError("expected bind row data")
            row: list[Value] = [None] * len(metas)
            for i in positions:
                meta = metas[i]
                if meta.is_array:
                    count = r.ub4()
                    if count > 100000:
                        raise ProtocolError("bind array too large")
                    row[i] = [self._read_bind_value(r, meta) for _ in range(count)]  # type: ignore[assignment]
                else:
                    row[i] = self._read_bind_value(r, meta)
            rows.append(row)
        return rows

    def _read_bind_value(self, r: TTCReader, meta: BindMeta) -> Value:
        t = meta.ora_type
        if t in (wire.ORA_CLOB, wire.ORA_BLOB):
            locator = r.bytes2()
            if locator is None:
                return None
            return self.lobs.value_of(locator)  # str for CLOB/NCLOB, bytes for BLOB
        if t == wire.ORA_BOOLEAN:
            first = r.u8()
            if first == 253:
                r.u8()
                return None
            data = r.raw(first)
            return 1 if data and data[-1] else 0
        data = r.bytes_()
        if data is None:
            return None
        return decode_value(t, meta.csfrm, data)

    def _alloc_cursor(self, stmt: ScannedStatement) -> Cursor:
        if len(self.cursors) >= 65000:
            raise OracleError(1000, "maximum open cursors exceeded")
        cursor_id = self._next_cursor_id
        while cursor_id in self.cursors:
            cursor_id = cursor_id % 65000 + 1
        self._next_cursor_id = cursor_id % 65000 + 1
        cursor = Cursor(cursor_id, stmt)
        self.cursors[cursor_id] = cursor
        return cursor

    def _parse_execute(self, r: TTCReader) -> dict[str, Any]:
        options = r.ub4()
        cursor_id = r.ub4()
        sql_pointer = r.u8()
        r.ub4()  # SQL length
        r.u8()
        al8i4_len = r.ub4()
        r.u8()
        r.u8()
        r.ub4()
        num_iters = r.ub4()
        r.ub4()
        r.u8()
        num_binds = r.ub4()
        for _ in range(5):
            r.u8()
        r.u8()
        num_defines = r.ub4()
        r.ub4()
        r.u8()
        r.u8()
        r.u8()
        r.ub4()
        r.u8()
        r.ub4()
        r.ub4()
        r.u8()
        r.ub4()
        r.u8()
        sql: str | None = None
        if sql_pointer:
            sql = (r.bytes_() or b"").decode("utf-8", "replace")
        if al8i4_len > 64:
            raise ProtocolError("al8i4 too long")
        al8i4 = [r.ub4() for _ in range(al8i4_len)]
        if num_binds > 65535 or num_defines > 65535:
            raise ProtocolError("too many binds")
        if sql is not None:
            stmt = scan_statement(sql)
        elif cursor_id in self.cursors:
            stmt = self.cursors[cursor_id].stmt
        else:
            stmt = None
        defines = [self._read_bind_meta(r) for _ in range(num_defines)]
        metas = [self._read_bind_meta(r) for _ in range(num_binds)]
        rows: list[list[Value]] = []
        if metas:
            if stmt is None:
                raise OracleError(1001, "invalid cursor")
            skip = set(stmt.return_positions)
            if len(skip) < len(metas):
                num_execs = 1 if stmt.is_query else max(al8i4[1] if len(al8i4) > 1 else 1, 1)
                rows = self._read_bind_rows(r, metas, stmt, num_execs, skip)
        return {
            "options": options,
            "cursor_id": cursor_id,
            "sql": sql,
            "stmt": stmt,
            "num_iters": num_iters,
            "metas": metas,
            "rows": rows,
            "define": bool(defines),
            "reexecute": False,
            "commit": bool(options & OPT_COMMIT),
            "dml_rowcounts": bool(len(al8i4) > 9 and al8i4[9] & EXEC_FLAG_DML_ROWCOUNTS),
            "scrollable": bool(len(al8i4) > 9 and al8i4[9] & EXEC_FLAG_SCROLLABLE),
            "orientation": al8i4[10] if len(al8i4) > 11 else 0,
            "fetch_pos": al8i4[11] if len(al8i4) > 11 else 0,
        }

    def _parse_reexecute(self, fn: int, r: TTCReader) -> dict[str, Any]:
        cursor_id = r.ub4()
        num_iters = r.ub4()
        options_1 = r.ub4()
        options_2 = r.ub4()
        cursor = self.cursors.get(cursor_id)
        if cursor is None:
            raise OracleError(1001, "invalid cursor")
        stmt = cursor.stmt
        metas = cursor.binds
        skip = set(stmt.return_positions)
        rows: list[list[Value]] = []
        if metas and len(skip) < len(metas):
            num_execs = 1 if (stmt.is_query or fn == FN_REEXECUTE_AND_FETCH) else max(num_iters, 1)
            rows = self._read_bind_rows(r, metas, stmt, num_execs, skip)
        options = OPT_EXECUTE | (OPT_FETCH if fn == FN_REEXECUTE_AND_FETCH else 0)
        return {
            "options": options | options_1,
            "cursor_id": cursor_id,
            "sql": None,
            "stmt": stmt,
            "num_iters": num_iters if fn == FN_REEXECUTE_AND_FETCH else 0,
            "metas": metas,
            "rows": rows,
            "define": False,
            "reexecute": True,
            "commit": bool(options_2 & 0x1),
        }

    # -- EXECUTE ---------------------------------------------------------------------------------

    def _execute(self, req: dict[str, Any], session: ServerSession, w: TTCWriter) -> None:
        stmt: ScannedStatement | None = req["stmt"]
        if stmt is None:
            raise OracleError(1001, "invalid cursor")
        new_cursor = False
        cursor = self.cursors.get(req["cursor_id"]) if req["cursor_id"] else None
        if cursor is None:
            cursor = self._alloc_cursor(stmt)
            new_cursor = True
        elif req["sql"] is not None:
            cursor.stmt = stmt
        if not req["reexecute"]:
            cursor.binds = req["metas"]
            cursor.dml_rowcounts = req["dml_rowcounts"]
            if req["sql"] is not None:
                cursor.out_positions = None
        try:
            self._execute_cursor(cursor, req, session, w)
        except OracleError as exc:
            if new_cursor:
                self.cursors.pop(cursor.cursor_id, None)
            exc_cursor = 0 if new_cursor else cursor.cursor_id
            w.raw(self._error_message(exc, exc_cursor, self._call_status()).getvalue())
            raise _AlreadyAnswered() from exc

    def _execute_cursor(
        self, cursor: Cursor, req: dict[str, Any], session: ServerSession, w: TTCWriter
    ) -> None:
        stmt = cursor.stmt
        options = req["options"]
        engine = self.server.engine
        ctx = self._ctx(session)
        if req["define"]:
            # The client re-executes with DEFINE after seeing LOB columns; rows are already here.
            cursor.pos = 0
            self._write_rows(w, cursor, req["num_iters"])
            self._write_end_of_fetch(w, cursor)
            return
        scroll_fetch = req.get("scrollable") and cursor.scrollable and req["sql"] is None
        orientation, fetch_pos = req.get("orientation"), req.get("fetch_pos", 0)
        restart = options & OPT_EXECUTE and orientation == ORIENT_CURRENT and fetch_pos <= 1
        if scroll_fetch and cursor.columns is not None and not restart:
            self._scroll(cursor, req, w)
            return
        if not options & OPT_EXECUTE:
            # Parse / describe only: describe queries without running anything else.
            if stmt.is_query and options & OPT_DESCRIBE:
                result = self._run_engine(session, stmt.sql, cursor, [[None] * len(cursor.binds)])
                self._write_describe(w, result.columns or [])
            w.raw(self._error_message(None, cursor.cursor_id, self._call_status()).getvalue())
            return
        rows = req["rows"] or [[None] * len(cursor.binds)]
        if stmt.is_query:
            result = self._run_engine(session, stmt.sql, cursor, rows[:1])
            cursor.columns = result.columns or []
            cursor.rows = list(result.rows)
            cursor.pos = 0
            cursor.scrollable = bool(req.get("scrollable"))
            self._write_describe(w, cursor.columns)
            if options & OPT_FETCH and req["num_iters"] > 0:
                self._write_rows(w, cursor, req["num_iters"])
                self._write_end_of_fetch(w, cursor)
            else:
                w.raw(self._error_message(None, cursor.cursor_id, self._call_status()).getvalue())
            return
        total = 0
        returning = stmt.return_positions
        results: list[Result] = []
        for row in rows:
            result = self._run_engine(session, stmt.sql, cursor, [row])
            results.append(result)
            total += result.rowcount
            if stmt.is_dml or stmt.keyword == "SAVEPOINT":
                session.in_transaction = True
            elif stmt.keyword in ("COMMIT", "ROLLBACK") and " TO " not in f" {stmt.sql.upper()} ":
                session.in_transaction = False
            if returning:
                w.u8(wire.MSG_ROW_DATA)
                for pos in returning:
                    values = result.out_binds.get(pos, [])
                    w.ub4(len(values))
                    for value in values:
                        w.raw(self._encode_bind_out(cursor.binds[pos], value))
                        w.sb4(0)
        if stmt.is_ddl:
            session.in_transaction = False
        if stmt.is_plsql and cursor.binds:
            if cursor.out_positions is None:
                cursor.out_positions = {i for i in range(len(cursor.binds)) if stmt.out_hint(i)}
                cursor.out_positions |= set(results[-1].out_binds) if results else set()
            outs = sorted(p for p in cursor.out_positions if p < len(cursor.binds))
            if outs:
                w.u8(wire.MSG_IO_VECTOR).u8(0).ub2(len(cursor.binds)).ub4(0).ub4(1).ub2(0).ub2(0).ub2(0)
                for i in range(len(cursor.binds)):
                    w.u8(BIND_DIR_INPUT_OUTPUT if i in cursor.out_positions else BIND_DIR_INPUT)
                w.u8(wire.MSG_ROW_DATA)
                last = results[-1] if results else Result()
                for pos in outs:
                    values = last.out_binds.get(pos)
                    value = values[0] if values else rows[-1][pos]
                    w.raw(self._encode_bind_out(cursor.binds[pos], value))
                    w.sb4(0)
        if req["commit"]:
            self._guard(lambda: engine.commit(ctx))
            session.in_transaction = False
        if cursor.dml_rowcounts and not stmt.is_query:
            # PARAMETER: no al8o4l, no transaction id, no key/values, no registration, then counts.
            w.u8(wire.MSG_PARAMETER).ub2(0).ub2(0).ub2(0).ub2(0).ub4(len(results))
            for result in results:
                w.ub8(result.rowcount)
        w.raw(self._error_message(None, cursor.cursor_id, self._call_status(), rowcount=total).getvalue())

    def _scroll(self, cursor: Cursor, req: dict[str, Any], w: TTCWriter) -> None:
        """A fetch on a scrollable cursor: rows from the requested (1-based) position."""
        orientation = req["orientation"]
        if orientation == ORIENT_FIRST:
            start = 0
        elif orientation == ORIENT_LAST:
            start = max(len(cursor.rows) - 1, 0)
        else:  # CURRENT / NEXT / ABSOLUTE / RELATIVE carry the target row
            start = req["fetch_pos"] - 1
        if start < 0 or start >= len(cursor.rows):
            cursor.pos = len(cursor.rows)
            exc = OracleError(1403, "no data found")
            w.raw(self._error_message(exc, cursor.cursor_id, self._call_status(), 0).getvalue())
            return
        cursor.pos = start
        wanted = 1 if orientation == ORIENT_LAST else req["num_iters"]
        self._write_rows(w, cursor, wanted)
        self._write_end_of_fetch(w, cursor)

    def _run_engine(
        self, session: ServerSession, sql: str, cursor: Cursor, rows: Sequence[Sequence[Value]]
    ) -> Result:
        stmt = cursor.stmt
        row = rows[0] if rows else []
        binds = [
            BindValue(
                name=stmt.bind_names[i] if i < len(stmt.bind_names) else None,
                value=row[i] if i < len(row) else None,
                is_out=stmt.out_hint(i),
            )
            for i in range(len(cursor.binds))
        ]
        record_error: int | None = None
        try:
            result = self._guard(lambda: self.server.engine.execute(self._ctx(session), sql, binds))
            if not isinstance(result, Result):
                raise OracleError(600, "internal error code, arguments: [engine returned no Result]")
            return result
        except OracleError as exc:
            record_error = exc.code
            raise
        finally:
            self.server._log_statement(sql, session, record_error)

    # -- response builders -----------------------------------------------------------------------

    def _call_status(self) -> int:
        session = self.session
        return CALL_STATUS_TXN if session is not None and session.in_transaction else 0

    def _error_message(
        self, exc: OracleError | None, cursor_id: int, call_status: int, rowcount: int = 0
    ) -> TTCWriter:
        """The end-of-call ERROR message (type 4); number 0 means success."""
        code = exc.code if exc else 0
        w = TTCWriter().u8(wire.MSG_ERROR)
        w.ub4(call_status).ub2(0).ub4(0).ub2(code & 0xFFFF).ub2(0).ub2(0)
        w.ub2(cursor_id).sb2(max(min(exc.offset if exc else 0, 32767), -32768))
        w.u8(0).u8(0).u8(0).u8(0).u8(0).u8(0)
        w.ub4(0).ub2(0).u8(0).ub4(0).ub2(0)  # rowid
        w.ub4(0).u8(0).u8(0).ub2(0).ub4(0)
        w.ub4(0)  # oerrdd
        w.ub2(0).ub4(0).ub2(0)  # batch errors
        w.ub4(code).ub8(rowcount)
        if exc is not None:
            w.bytes_(exc.full_message.encode("utf-8"))
        return w

    def _write_end_of_fetch(self, w: TTCWriter, cursor: Cursor) -> None:
        if cursor.pos >= len(cursor.rows):
            exc = OracleError(1403, "no data found")
            w.raw(self._error_message(exc, cursor.cursor_id, self._call_status(), cursor.pos).getvalue())
            if not cursor.scrollable:
                cursor.rows = []  # exhausted: free the rows now (the cursor lives until closed)
        else:
            w.raw(self._error_message(None, cursor.cursor_id, self._call_status(), cursor.pos).getvalue())

    def _write_rows(self, w: TTCWriter, cursor: Cursor, rows_wanted: int) -> None:
        columns = cursor.columns or []
        end = min(len(cursor.rows), cursor.pos + max(rows_wanted, 0))
        for row in cursor.rows[cursor.pos : end]:
            w.u8(wire.MSG_ROW_DATA)
            for i, column in enumerate(columns):
                value = row[i] if i < len(row) else None
                w.bytes_(encode_column_value(column, value))
        cursor.pos = end

    def _write_describe(self, w: TTCWriter, columns: list[Column]) -> None:
        w.u8(wire.MSG_DESCRIBE_INFO).bytes_(None).ub4(0).ub4(len(columns))
        if columns:
            w.u8(0)
        for position, column in enumerate(columns, 1):
            ora_type, csfrm, precision, scale, buffer_size, max_size = describe_column(column)
            w.u8(ora_type).u8(0).sb1(precision).sb1(scale).ub4(buffer_size).ub4(0).ub8(0)
            w.ub4(0).ub2(0)  # OID, version
            w.ub2(wire.CHARSET_UTF16 if csfrm == 2 else wire.CHARSET_UTF8 if csfrm == 1 else 0)
            w.u8(csfrm).ub4(max_size)
            w.u8(1 if column.nullable else 0).u8(0)
            w.str_wl(column.name).ub4(0).ub4(0).ub2(position).ub4(0)
        w.ub4(0).ub4(0).ub4(0).ub4(0).ub4(0).ub4(0)  # current date, dcb* fields, dcbqcky

    def _encode_bind_out(self, meta: BindMeta, value: Value) -> bytes:
        """An out-bind value in the bind's own wire type, length-prefixed."""
        w = TTCWriter()
        if value is None:
            return w.u8(0).getvalue()
        t = meta.ora_type
        if t in (wire.ORA_CLOB, wire.ORA_BLOB):
            data = (
                value
                if isinstance(value, bytes)
                else str(value).encode("utf-16-be" if meta.csfrm == wire.CSFRM_NCHAR else "utf-8")
            )
            locator = self.lobs.create_value(data, t, meta.csfrm)
            w.ub4(len(locator)).ub8(len(data)).ub4(8060).bytes_(locator)
            return w.getvalue()
        return w.bytes_(encode_typed(t, meta.csfrm, value)).getvalue()

    # -- I/O -------------------------------------------------------------------------------------

    def _send(self, w: TTCWriter) -> None:
        self.stream.send_data(w.getvalue())

    def _latency_rtt(self) -> None:
        rtt = self.server.latency.rtt_ms
        if rtt:
            time.sleep(rtt / 1000)


class _AlreadyAnswered(OracleError):
    """The error message is already in the response buffer."""

    def __init__(self) -> None:
        super().__init__(0, "")


# -------------------------------------------------------------------------------------------------
# Value conversion between engine values and wire bytes
# -------------------------------------------------------------------------------------------------


def decode_value(ora_type: int, csfrm: int, data: bytes) -> Value:
    """Decode a bind value sent by the client."""
    if ora_type in (wire.ORA_VARCHAR, wire.ORA_CHAR, wire.ORA_LONG):
        return data.decode("utf-16-be" if csfrm == wire.CSFRM_NCHAR else "utf-8", "replace")
    if ora_type in (wire.ORA_NUMBER, wire.ORA_BINARY_INTEGER):
        return wire.decode_number(data)
    if ora_type in (wire.ORA_DATE, wire.ORA_TIMESTAMP, wire.ORA_TIMESTAMP_TZ, wire.ORA_TIMESTAMP_LTZ):
        return wire.decode_date(data)
    if ora_type == wire.ORA_BINARY_DOUBLE:
        return wire.decode_binary_double(data)
    if ora_type == wire.ORA_BINARY_FLOAT:
        return wire.decode_binary_float(data)
    if ora_type == wire.ORA_INTERVAL_DS:
        return wire.decode_interval_ds(data)  # type: ignore[return-value]
    return data  # RAW, LONG RAW, ROWID bytes and anything unknown


def encode_typed(ora_type: int, csfrm: int, value: Value) -> bytes:
    """Encode a Python value as the given Oracle wire type."""
    if ora_type in (wire.ORA_VARCHAR, wire.ORA_CHAR, wire.ORA_LONG):
        if isinstance(value, bytes):
            return value  # passed through untouched (lets tests provoke client decode errors)
        text = _to_text(value)
        return text.encode("utf-16-be" if csfrm == wire.CSFRM_NCHAR else "utf-8")
    if ora_type in (wire.ORA_NUMBER, wire.ORA_BINARY_INTEGER):
        return _number_bytes(value)
    if ora_type in (wire.ORA_DATE,):
        return wire.encode_date(_to_datetime(value))
    if ora_type in (wire.ORA_TIMESTAMP, wire.ORA_TIMESTAMP_LTZ):
        return wire.encode_date(_to_datetime(value), with_fraction=True)
    if ora_type == wire.ORA_TIMESTAMP_TZ:
        return wire.encode_timestamp_tz(_to_datetime(value))
    if ora_type == wire.ORA_BINARY_DOUBLE:
        return wire.encode_binary_double(float(value))  # type: ignore[arg-type]
    if ora_type == wire.ORA_BINARY_FLOAT:
        return wire.encode_binary_float(float(value))  # type: ignore[arg-type]
    if ora_type == wire.ORA_INTERVAL_DS and isinstance(value, datetime.timedelta):
        return wire.encode_interval_ds(value)
    if isinstance(value, bytes):
        return value
    return _to_text(value).encode("utf-8")


def _number_bytes(value: Value) -> bytes:
    if isinstance(value, bool | int | float | decimal.Decimal):
        try:
            return wire.encode_number(value)
        except wire.NumberOverflow as exc:
            raise OracleError(1426, "numeric overflow") from exc
    if isinstance(value, str):
        try:
            return wire.encode_number(decimal.Decimal(value.strip()))
        except (decimal.InvalidOperation, wire.NumberOverflow) as exc:
            raise OracleError(1722, "invalid number") from exc
    raise OracleError(932, f"inconsistent datatypes: expected NUMBER got {type(value).__name__}")


def _to_text(value: Value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bytes):
        return value.hex().upper()
    return str(value)


def _to_datetime(value: Value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError as exc:
            raise OracleError(1861, "literal does not match format string") from exc
    raise OracleError(932, f"inconsistent datatypes: expected DATE got {type(value).__name__}")


def describe_column(column: Column) -> tuple[int, int, int, int, int, int]:
    """(ora type, csfrm, precision, scale, buffer size, max size) for DESCRIBE_INFO.

    CLOB/NCLOB/BLOB are described as (N)VARCHAR2/RAW so the client reads them inline (no LOB
    locators and no extra LOB round trips); chunked length-prefixed values have no size limit.
    """
    t = column.type
    national = column.national
    csfrm = 2 if national else 1
    if t in (ColumnType.VARCHAR, ColumnType.CHAR, ColumnType.LONG, ColumnType.CLOB):
        ora_type = wire.ORA_CHAR if t == ColumnType.CHAR else wire.ORA_VARCHAR
        size = column.size if t != ColumnType.CLOB else 32767
        size = max(size, 1)
        return ora_type, csfrm, 0, 0, size * (2 if national else 4), size
    if t == ColumnType.NUMBER:
        return wire.ORA_NUMBER, 0, column.precision, column.scale, 22, 22
    if t == ColumnType.BOOLEAN:
        return wire.ORA_NUMBER, 0, 1, 0, 22, 22  # pre-23ai servers have no BOOLEAN columns
    if t == ColumnType.DATE:
        return wire.ORA_DATE, 0, 0, 0, 7, 7
    if t in (ColumnType.TIMESTAMP, ColumnType.TIMESTAMP_LTZ):
        return int(t.value), 0, 0, 6, 11, 11
    if t == ColumnType.TIMESTAMP_TZ:
        return wire.ORA_TIMESTAMP_TZ, 0, 0, 6, 13, 13
    if t in (ColumnType.RAW, ColumnType.BLOB):
        size = column.size if t == ColumnType.RAW else 32767
        return wire.ORA_RAW, 0, 0, 0, max(size, 1), max(size, 1)
    if t == ColumnType.BINARY_DOUBLE:
        return wire.ORA_BINARY_DOUBLE, 0, 0, 0, 8, 8
    if t == ColumnType.BINARY_FLOAT:
        return wire.ORA_BINARY_FLOAT, 0, 0, 0, 4, 4
    if t == ColumnType.INTERVAL_DS:
        return wire.ORA_INTERVAL_DS, 0, 2, 6, 11, 11
    return wire.ORA_VARCHAR, 1, 0, 0, 4000, 4000


def encode_column_value(column: Column, value: Value) -> bytes | None:
    """Bytes of one fetched column value (None = NULL)."""
    if value is None:
        return None
    if isinstance(value, str) and value == "" and column.type not in (ColumnType.RAW, ColumnType.BLOB):
        return None  # Oracle has no empty strings
    ora_type, csfrm, *_ = describe_column(column)
    if column.type == ColumnType.BOOLEAN:
        return wire.encode_number(1 if value else 0)
    return encode_typed(ora_type, csfrm, value)
