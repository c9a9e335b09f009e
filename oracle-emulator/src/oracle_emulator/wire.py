"""Oracle Net (TNS) packet framing, TTC read/write buffers and value codecs.

Layouts follow what the python-oracledb thin client writes and reads (see the project's TNS brief).
Nothing here knows about sessions or SQL: it turns bytes into Python values and back.
"""

from __future__ import annotations

import datetime
import decimal
import select
import socket
import struct
from collections.abc import Callable

# TNS packet types.
PACKET_CONNECT = 1
PACKET_ACCEPT = 2
PACKET_REFUSE = 4
PACKET_DATA = 6
PACKET_MARKER = 12

# DATA packet flags.
DATA_FLAGS_EOF = 0x0040

# MARKER types.
MARKER_BREAK = 1
MARKER_RESET = 2
MARKER_INTERRUPT = 3

# TTC message types.
MSG_PROTOCOL = 1
MSG_DATA_TYPES = 2
MSG_FUNCTION = 3
MSG_ERROR = 4
MSG_ROW_DATA = 7
MSG_PARAMETER = 8
MSG_STATUS = 9
MSG_IO_VECTOR = 11
MSG_DESCRIBE_INFO = 16
MSG_PIGGYBACK = 17
MSG_SERVER_SIDE_PIGGYBACK = 23
MSG_ONEWAY_FN = 26

# Oracle type numbers used on the wire.
ORA_VARCHAR = 1
ORA_NUMBER = 2
ORA_BINARY_INTEGER = 3
ORA_LONG = 8
ORA_DATE = 12
ORA_RAW = 23
ORA_LONG_RAW = 24
ORA_CHAR = 96
ORA_BINARY_FLOAT = 100
ORA_BINARY_DOUBLE = 101
ORA_CLOB = 112
ORA_BLOB = 113
ORA_TIMESTAMP = 180
ORA_TIMESTAMP_TZ = 181
ORA_INTERVAL_DS = 183
ORA_TIMESTAMP_LTZ = 231
ORA_BOOLEAN = 252

CHARSET_UTF8 = 873
CHARSET_UTF16 = 2000
CSFRM_IMPLICIT = 1
CSFRM_NCHAR = 2

# Guard against hostile length fields: no legitimate packet from the thin client exceeds its SDU
# (at most 2 MiB), so anything larger is treated as garbage and the connection is dropped.
MAX_PACKET_SIZE = 2 * 1024 * 1024 + 64
CHUNK_SIZE = 32767


class ProtocolError(Exception):
    """The peer sent something that is not valid Oracle Net / TTC: drop the connection."""


class ConnectionClosed(Exception):
    """The peer closed the socket (or sent the EOF DATA packet)."""


class MarkerReceived(Exception):
    """A MARKER packet arrived where request data was expected."""

    def __init__(self, marker_type: int) -> None:
        super().__init__(f"marker {marker_type}")
        self.marker_type = marker_type


# ---------------------------------------------------------------------------------------------
# Packet layer
# ---------------------------------------------------------------------------------------------


class PacketStream:
    """Reads and writes TNS packets on one socket.

    Before ACCEPT has been sent, packet lengths are 2 bytes; afterwards (protocol >= 315) they are 4.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.large_lengths = False
        self.sdu = 8192

    def _recv_exact(self, n: int) -> bytes:
        chunks: list[bytes] = []
        remaining = n
        while remaining:
            chunk = self.sock.recv(min(remaining, 1 << 20))
            if not chunk:
                raise ConnectionClosed("peer closed the socket")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def read_packet(self) -> tuple[int, int, bytes]:
        """Return (packet type, packet flags, body after the 8-byte header)."""
        header = self._recv_exact(8)
        if self.large_lengths:
            length = struct.unpack(">I", header[:4])[0]
        else:
            length = struct.unpack(">H", header[:2])[0]
        if length < 8 or length > MAX_PACKET_SIZE:
            raise ProtocolError(f"bad packet length {length}")
        packet_type = header[4]
        if packet_type not in (PACKET_CONNECT, PACKET_DATA, PACKET_MARKER):
            raise ProtocolError(f"unexpected packet type {packet_type}")
        body = self._recv_exact(length - 8) if length > 8 else b""
        return packet_type, header[5], body

    def _header(self, length: int, packet_type: int, flags: int = 0) -> bytes:
        if self.large_lengths:
            return struct.pack(">IBBH", length, packet_type, flags, 0)
        return struct.pack(">HHBBH", length, 0, packet_type, flags, 0)

    def send_packet(self, packet_type: int, body: bytes, flags: int = 0) -> None:
        self.sock.sendall(self._header(len(body) + 8, packet_type, flags) + body)

    def send_data(self, payload: bytes, data_flags: int = 0) -> None:
        """Send a TTC payload as one or more DATA packets of at most SDU bytes."""
        room = max(self.sdu - 10, 64)
        parts = []
        pos = 0
        while True:
            chunk = payload[pos : pos + room]
            pos += len(chunk)
            body = struct.pack(">H", data_flags) + chunk
            parts.append(self._header(len(body) + 8, PACKET_DATA) + body)
            if pos >= len(payload):
                break
        self.sock.sendall(b"".join(parts))

    def send_marker(self, marker_type: int) -> None:
        self.send_packet(PACKET_MARKER, bytes((1, 0, marker_type)))

    def read_data(self) -> bytes:
        """Next DATA payload (after the data flags); a MARKER raises, and so does the client's EOF."""
        while True:
            ptype, _flags, body = self.read_packet()
            if ptype == PACKET_MARKER:
                raise MarkerReceived(body[2] if len(body) >= 3 else 0)
            if ptype != PACKET_DATA or len(body) < 2:
                raise ProtocolError(f"unexpected packet type {ptype}")
            data_flags = struct.unpack(">H", body[:2])[0]
            if data_flags & DATA_FLAGS_EOF:
                raise ConnectionClosed("client sent EOF")
            if len(body) > 2:
                return body[2:]

    def readable(self) -> bool:
        """True if bytes (or EOF) wait unread on the socket; never blocks."""
        return socket_readable(self.sock)

    def peek_marker(self) -> int | None:
        """The type of a MARKER packet waiting on the socket (consumed), else None; never blocks.

        -1 means the peer vanished (EOF or a dead socket). During a call the client sends nothing
        but markers, so peeking is safe then.
        """
        try:
            if not socket_readable(self.sock):
                return None
            head = self.sock.recv(8, socket.MSG_PEEK)
        except (OSError, ValueError):
            return -1
        if not head:
            return -1
        if len(head) < 8 or head[4] != PACKET_MARKER:
            return None
        _ptype, _flags, body = self.read_packet()
        return body[2] if len(body) >= 3 else 0


def socket_readable(sock: socket.socket) -> bool:
    """Bytes or EOF wait on ``sock`` (no blocking). poll(), not select(): select() refuses descriptors
    numbered 1024 and above, which a busy test process reaches."""
    if not hasattr(select, "poll"):  # Windows
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


# ---------------------------------------------------------------------------------------------
# TTC buffers
# ---------------------------------------------------------------------------------------------


class TTCReader:
    """Streaming reader over the DATA packets of one request.

    Nothing marks the end of a request, so when it runs short it pulls the next DATA packet through
    ``more`` (which raises if a MARKER or EOF arrives instead), as the client itself does.
    """

    def __init__(self, data: bytes, more: Callable[[], bytes] | None = None) -> None:
        self.buf = data
        self.pos = 0
        self._more = more

    def _need(self, n: int) -> None:
        while len(self.buf) - self.pos < n:
            if self._more is None:
                raise ProtocolError("truncated TTC message")
            self.buf = self.buf[self.pos :] + self._more()
            self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.buf)

    # The readers below take the bytes at hand first and call _need only when the buffer runs short: they
    # run for every field of every message, and a call per field was a good part of the server's time.

    def raw(self, n: int) -> bytes:
        pos = self.pos
        end = pos + n
        if n >= 0 and end <= len(self.buf):
            self.pos = end
            return self.buf[pos:end]
        if n < 0:
            raise ProtocolError("negative length")
        self._need(n)
        data = self.buf[self.pos : self.pos + n]
        self.pos += n
        return data

    def u8(self) -> int:
        pos = self.pos
        if pos >= len(self.buf):
            self._need(1)
            pos = self.pos
        self.pos = pos + 1
        return self.buf[pos]

    def peek_u8(self) -> int:
        """The next byte, left unread."""
        self._need(1)
        return self.buf[self.pos]

    def u16be(self) -> int:
        return int(struct.unpack(">H", self.raw(2))[0])

    def u16le(self) -> int:
        return int(struct.unpack("<H", self.raw(2))[0])

    def _universal(self, max_len: int, signed: bool) -> int:
        buf, pos = self.buf, self.pos
        if pos < len(buf):  # the common case: an unsigned or positive value, all of it at hand
            length = buf[pos]
            end = pos + 1 + length
            if length <= max_len and end <= len(buf):
                self.pos = end
                return int.from_bytes(buf[pos + 1 : end], "big") if length else 0
        length = self.u8()
        negative = False
        if signed and length & 0x80:
            negative = True
            length &= 0x7F
        if length == 0:
            return 0
        if length > max_len:
            raise ProtocolError(f"integer length {length} exceeds {max_len}")
        value = int.from_bytes(self.raw(length), "big")
        return -value if negative else value

    def ub2(self) -> int:
        return self._universal(2, False)

    def ub4(self) -> int:
        return self._universal(4, False)

    def ub8(self) -> int:
        return self._universal(8, False)

    def sb4(self) -> int:
        return self._universal(4, True)

    def bytes_(self) -> bytes | None:
        """Length-prefixed bytes: 0/255 = NULL, 254 = chunked."""
        length = self.u8()
        if length in (0, 255):
            return None
        if length != 254:
            return self.raw(length)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk_len = self.ub4()
            if chunk_len == 0:
                break
            total += chunk_len
            if total > 256 * 1024 * 1024:
                raise ProtocolError("chunked value too large")
            chunks.append(self.raw(chunk_len))
        return b"".join(chunks)

    def bytes2(self) -> bytes | None:
        """``ub4 total length`` then (if non-zero) length-prefixed bytes."""
        if self.ub4() == 0:
            return None
        return self.bytes_()

    def str_wl(self) -> str | None:
        data = self.bytes2()
        return None if data is None else data.decode("utf-8", "replace")

    def null_terminated(self, limit: int = 4096) -> bytes:
        out = bytearray()
        while True:
            ch = self.u8()
            if ch == 0:
                return bytes(out)
            out.append(ch)
            if len(out) > limit:
                raise ProtocolError("unterminated string")


class TTCWriter:
    """Builds a TTC payload."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def getvalue(self) -> bytes:
        return bytes(self.buf)

    def raw(self, data: bytes) -> TTCWriter:
        self.buf += data
        return self

    def u8(self, value: int) -> TTCWriter:
        self.buf.append(value & 0xFF)
        return self

    def u16be(self, value: int) -> TTCWriter:
        self.buf += struct.pack(">H", value)
        return self

    def u16le(self, value: int) -> TTCWriter:
        self.buf += struct.pack("<H", value)
        return self

    def _universal(self, value: int) -> TTCWriter:
        negative = value < 0
        magnitude = -value if negative else value
        if magnitude == 0:
            self.buf.append(0)
            return self
        data = magnitude.to_bytes((magnitude.bit_length() + 7) // 8, "big")
        self.buf.append(len(data) | (0x80 if negative else 0))
        self.buf += data
        return self

    ub2 = ub4 = ub8 = sb2 = sb4 = sb8 = _universal

    def sb1(self, value: int) -> TTCWriter:
        self.buf += struct.pack(">b", value)
        return self

    def bytes_(self, data: bytes | None) -> TTCWriter:
        if not data:
            self.buf.append(0)
        elif len(data) <= 252:
            self.buf.append(len(data))
            self.buf += data
        else:
            self.buf.append(254)
            for pos in range(0, len(data), CHUNK_SIZE):
                chunk = data[pos : pos + CHUNK_SIZE]
                self.ub4(len(chunk))
                self.buf += chunk
            self.ub4(0)
        return self

    def bytes2(self, data: bytes | None) -> TTCWriter:
        if not data:
            return self.ub4(0)
        self.ub4(len(data))
        return self.bytes_(data)

    def str_wl(self, text: str | None) -> TTCWriter:
        return self.bytes2(None if text is None else text.encode("utf-8"))

    def key_value(self, key: str, value: str | None, flags: int = 0) -> TTCWriter:
        """One entry of a PARAMETER message (auth responses)."""
        self.str_wl(key)
        self.str_wl(value)
        return self.ub4(flags)


# ---------------------------------------------------------------------------------------------
# Value codecs
# ---------------------------------------------------------------------------------------------

_NUMBER_CONTEXT = decimal.Context(prec=38, rounding=decimal.ROUND_HALF_EVEN)


class NumberOverflow(ValueError):
    """The value cannot be represented as an Oracle NUMBER."""


def encode_number(value: int | float | decimal.Decimal | bool | str) -> bytes:
    """Encode a number in Oracle's base-100 NUMBER format."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NumberOverflow("NaN or infinity cannot be stored in NUMBER")
        dec = decimal.Decimal(repr(value))
    elif isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise NumberOverflow("NaN or infinity cannot be stored in NUMBER")
        dec = value
    else:
        dec = decimal.Decimal(int(value)) if not isinstance(value, str) else decimal.Decimal(value)
    if dec.is_zero():
        return b"\x80"
    dec = dec.normalize(_NUMBER_CONTEXT)
    sign, digit_tuple, exp = dec.as_tuple()
    assert isinstance(exp, int)
    digits = "".join(map(str, digit_tuple))
    left = len(digits) + exp  # decimal digits before the point
    if left % 2:
        digits = "0" + digits
        left += 1
    if len(digits) % 2:
        digits += "0"
    pairs = [int(digits[i : i + 2]) for i in range(0, len(digits), 2)]
    while pairs and pairs[-1] == 0:
        pairs.pop()
    exponent = left // 2
    if exponent > 63:  # exponent byte 192 + 63 = 255 holds up to 9.99…E125, NUMBER's largest
        raise NumberOverflow("numeric overflow")
    if exponent < -65:
        return b"\x80"  # underflow rounds to zero, as Oracle does
    if not sign:
        return bytes([192 + exponent] + [p + 1 for p in pairs])
    out = [(~(192 + exponent)) & 0xFF] + [101 - p for p in pairs]
    if len(pairs) < 20:
        out.append(102)
    return bytes(out)


def decode_number(data: bytes) -> int | decimal.Decimal:
    """Decode an Oracle NUMBER; integral values come back as int."""
    if not data:
        raise ValueError("empty NUMBER")
    first = data[0]
    if first == 0x80:
        return 0
    positive = bool(first & 0x80)
    if positive:
        exponent = first - 192
        pairs = [b - 1 for b in data[1:]]
    else:
        exponent = ((~first) & 0xFF) - 192
        body = data[1:]
        if body and body[-1] == 102:
            body = body[:-1]
        pairs = [101 - b for b in body]
    if any(p < 0 or p > 99 for p in pairs):
        raise ValueError("invalid NUMBER digits")
    digits = tuple(int(c) for p in pairs for c in f"{p:02d}")
    dec = decimal.Decimal((0 if positive else 1, digits or (0,), 2 * (exponent - len(pairs))))
    if dec == dec.to_integral_value():
        return int(dec)
    return dec.normalize(_NUMBER_CONTEXT)


def encode_date(value: datetime.datetime | datetime.date, with_fraction: bool = False) -> bytes:
    """DATE (7 bytes) or TIMESTAMP (11 bytes when there is a fraction or ``with_fraction``)."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    out = bytes(
        (
            value.year // 100 + 100,
            value.year % 100 + 100,
            value.month,
            value.day,
            value.hour + 1,
            value.minute + 1,
            value.second + 1,
        )
    )
    if with_fraction and value.microsecond:
        out += struct.pack(">I", value.microsecond * 1000)
    return out


def encode_timestamp_tz(value: datetime.datetime) -> bytes:
    """TIMESTAMP WITH TIME ZONE: UTC date/time, nanoseconds, then offset hour+20 and minute+60."""
    offset = value.utcoffset() or datetime.timedelta(0)
    utc = value.replace(tzinfo=None) - offset
    minutes = int(offset.total_seconds()) // 60
    tz_hour, tz_minute = divmod(abs(minutes), 60)
    if minutes < 0:
        tz_hour, tz_minute = -tz_hour, -tz_minute
    base = encode_date(utc)
    return base + struct.pack(">I", utc.microsecond * 1000) + bytes((tz_hour + 20, tz_minute + 60))


def decode_date(data: bytes) -> datetime.datetime:
    """Decode DATE / TIMESTAMP / TIMESTAMP WITH TIME ZONE bytes."""
    if len(data) < 7:
        raise ValueError("short DATE")
    year = (data[0] - 100) * 100 + data[1] - 100
    micro = 0
    if len(data) >= 11:
        micro = struct.unpack(">I", data[7:11])[0] // 1000
    value = datetime.datetime(year, data[2], data[3], data[4] - 1, data[5] - 1, data[6] - 1, micro)
    if len(data) >= 13 and not data[11] & 0x80:
        offset = datetime.timedelta(hours=data[11] - 20, minutes=data[12] - 60)
        value = (value + offset).replace(tzinfo=datetime.timezone(offset))
    return value


def encode_binary_double(value: float) -> bytes:
    raw = bytearray(struct.pack(">d", float(value)))
    if raw[0] & 0x80 == 0:
        raw[0] |= 0x80
    else:
        raw = bytearray(b ^ 0xFF for b in raw)
    return bytes(raw)


def decode_binary_double(data: bytes) -> float:
    raw = bytearray(data)
    if raw[0] & 0x80:
        raw[0] &= 0x7F
    else:
        raw = bytearray(b ^ 0xFF for b in raw)
    return float(struct.unpack(">d", bytes(raw))[0])


def encode_binary_float(value: float) -> bytes:
    raw = bytearray(struct.pack(">f", float(value)))
    if raw[0] & 0x80 == 0:
        raw[0] |= 0x80
    else:
        raw = bytearray(b ^ 0xFF for b in raw)
    return bytes(raw)


def decode_binary_float(data: bytes) -> float:
    raw = bytearray(data)
    if raw[0] & 0x80:
        raw[0] &= 0x7F
    else:
        raw = bytearray(b ^ 0xFF for b in raw)
    return float(struct.unpack(">f", bytes(raw))[0])


_TZ_OFFSET = 1 << 31


def encode_interval_ds(value: datetime.timedelta) -> bytes:
    """INTERVAL DAY TO SECOND: biased days, hours, minutes, seconds and nanoseconds."""
    days = value.days
    seconds = value.seconds
    micro = value.microseconds
    if days < 0 and (seconds or micro):
        # Oracle stores every field with the interval's sign.
        total = -(value)
        days, seconds, micro = -total.days, -total.seconds, -total.microseconds
    hours, rem = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rem, 60)
    sign = -1 if seconds < 0 else 1
    return (
        struct.pack(">I", days + _TZ_OFFSET)
        + bytes((sign * hours + 60, sign * minutes + 60, sign * secs + 60))
        + struct.pack(">I", micro * 1000 + _TZ_OFFSET)
    )


def decode_interval_ds(data: bytes) -> datetime.timedelta:
    days = struct.unpack(">I", data[:4])[0] - _TZ_OFFSET
    nanos = struct.unpack(">I", data[7:11])[0] - _TZ_OFFSET
    return datetime.timedelta(
        days=days,
        hours=data[4] - 60,
        minutes=data[5] - 60,
        seconds=data[6] - 60,
        microseconds=nanos // 1000,
    )
