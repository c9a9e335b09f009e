"""Connect, negotiation and the two authentication messages (TNS CONNECT/ACCEPT/REFUSE, TTC
PROTOCOL / DATA_TYPES / AUTH). Reads and writes messages; deciding who may log in is the caller's."""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import wire
from .wire import PacketStream, ProtocolError, TTCReader, TTCWriter

FN_AUTH_PHASE_TWO = 115
FN_AUTH_PHASE_ONE = 118

FIELD_VERSION = 7  # 12.1 layouts: no optional fields (brief §6)
MAX_OPEN_CURSORS = 300
# 19.3.0.0.0 in the pre-18.1 bit layout used at field version 7.
VERSION_NO = (19 << 24) | (3 << 20)

_CONNECT_DATA_RE = re.compile(r"\(\s*([A-Za-z_]+)\s*=\s*([^()]*?)\s*\)")


@dataclass(frozen=True)
class ConnectRequest:
    """The connect descriptor's attributes, upper-case keys (first occurrence wins)."""

    attrs: dict[str, str]

    @property
    def service(self) -> str | None:
        return self.attrs.get("SERVICE_NAME") or self.attrs.get("SID")

    def refusal_code(self) -> int:
        """ORA-12514 (unknown service) or ORA-12505 (unknown SID)."""
        return 12514 if "SERVICE_NAME" in self.attrs or "SID" not in self.attrs else 12505


@dataclass
class AuthMessage:
    """One AUTH phase message: the user and its key/value pairs."""

    user: str
    pairs: dict[str, str]
    # Repeated (namespace, attribute, value) triples from the ``appcontext`` connect parameter.
    appctx_parts: list[tuple[str, str]] = field(default_factory=list)


def app_contexts(parts: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(namespace, attribute, value) triples from the AUTH_APPCTX_* pairs, in the order sent."""
    return [(parts[i][1], parts[i + 1][1], parts[i + 2][1]) for i in range(0, len(parts) - 2, 3)]


def read_connect(stream: PacketStream) -> ConnectRequest:
    """Read CONNECT (and the connect data that follows in DATA packets when it is long)."""
    ptype, _flags, body = stream.read_packet()
    if ptype != wire.PACKET_CONNECT or len(body) < 66:
        raise ProtocolError("expected a CONNECT packet")
    version = struct.unpack(">H", body[0:2])[0]
    if version < 315:
        raise ProtocolError(f"client protocol version {version} too old")
    cd_len, cd_off = struct.unpack(">HH", body[16:20])
    sdu = struct.unpack(">I", body[50:54])[0]
    stream.sdu = min(max(sdu, 512), 2 * 1024 * 1024) if sdu else 8192
    start = cd_off - 8
    if cd_len and start + cd_len <= len(body):
        descriptor = body[start : start + cd_len]
    else:
        # Descriptors longer than 230 bytes follow in DATA packets (still 2-byte lengths).
        data = b""
        while len(data) < cd_len:
            ptype, _flags, more = stream.read_packet()
            if ptype != wire.PACKET_DATA or len(more) < 2:
                raise ProtocolError("expected connect data")
            data += more[2:]
        descriptor = data[:cd_len]
    text = descriptor.decode("ascii", "replace")
    attrs: dict[str, str] = {}
    for key, value in _CONNECT_DATA_RE.findall(text):
        attrs.setdefault(key.upper(), value)
    return ConnectRequest(attrs)


def send_accept(stream: PacketStream) -> None:
    accept = struct.pack(">HHBBH", 36, 0, wire.PACKET_ACCEPT, 0, 0)
    accept += struct.pack(">HH", 315, 0) + b"\x00" * 10 + b"\x00" + b"\x00" * 9
    accept += struct.pack(">I", stream.sdu)
    stream.sock.sendall(accept)
    stream.large_lengths = True


def send_refuse(stream: PacketStream, code: int) -> None:
    text = (f"(DESCRIPTION=(TMP=)(VSNNUM=0)(ERR={code})(ERROR_STACK=(ERROR=(CODE={code})(EMFI=4))))").encode()
    stream.send_packet(wire.PACKET_REFUSE, bytes((1, 0)) + struct.pack(">H", len(text)) + text)


def negotiate(stream: PacketStream) -> None:
    """The PROTOCOL and DATA_TYPES exchanges."""
    r = TTCReader(stream.read_data(), stream.read_data)
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
    stream.send_data(w.getvalue())

    r = TTCReader(stream.read_data(), stream.read_data)
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
    stream.send_data(TTCWriter().u8(wire.MSG_DATA_TYPES).u16be(0).getvalue())


def read_auth(stream: PacketStream, expected_fn: int) -> AuthMessage:
    r = TTCReader(stream.read_data(), stream.read_data)
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
    message = AuthMessage(user, {})
    for _ in range(num_pairs):
        key = (r.bytes2() or b"").decode("utf-8", "replace")
        value = (r.bytes2() or b"").decode("utf-8", "replace")
        r.ub4()
        key = key.rstrip("\x00")
        if key.startswith("AUTH_APPCTX_"):
            message.appctx_parts.append((key, value.rstrip("\x00")))
            continue
        message.pairs[key] = value
    return message


def send_parameters(stream: PacketStream, params: Sequence[tuple[str, str | None, int]]) -> None:
    """A PARAMETER message of (key, value, flags) and the closing STATUS."""
    w = TTCWriter().u8(wire.MSG_PARAMETER)
    w.ub2(len(params))
    for key, value, flags in params:
        w.key_value(key, value, flags)
    w.u8(wire.MSG_STATUS).ub4(0).ub2(0)
    stream.send_data(w.getvalue())


def login_parameters(
    sid: int, serial: int, server_response: str | None, service: str
) -> list[tuple[str, str | None, int]]:
    """What the server tells the client after phase two succeeded."""
    entries = [
        ("AUTH_VERSION_NO", str(VERSION_NO)),
        ("AUTH_SESSION_ID", str(sid)),
        ("AUTH_SERIAL_NUM", str(serial)),
        ("AUTH_SVR_RESPONSE", server_response),
        ("AUTH_MAX_OPEN_CURSORS", str(MAX_OPEN_CURSORS)),
        ("AUTH_SC_SERVICE_NAME", service),
        ("AUTH_SC_DB_DOMAIN", ""),
        # The names of an Oracle Database 23ai Free instance, as SYS_CONTEXT('USERENV', 'INSTANCE_NAME')
        # and 'DB_UNIQUE_NAME' answer them too (sql/views.py): the driver's instance_name / db_unique_name.
        ("AUTH_SC_DBUNIQUE_NAME", "FREE"),
        ("AUTH_SC_REAL_DBUNIQUE_NAME", "FREE"),
        ("AUTH_INSTANCENAME", "FREE"),
        ("AUTH_MAX_IDEN_LENGTH", "128"),
        ("AUTH_VERSION_STRING", "- Oracle emulator (test server)"),
    ]
    return [(key, value or None, 0) for key, value in entries]
