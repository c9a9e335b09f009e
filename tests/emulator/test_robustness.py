"""Bad input: thousands of mutated packets, then a normal client must still work."""

from __future__ import annotations

import random
import socket
import struct

import oracledb

from oracle_emulator import EmulatorServer

from .conftest import PASSWORD, USER, wait_until


def connect_packet(port: int, descriptor: str | None = None) -> bytes:
    """A CONNECT packet as the thin client builds it (2-byte length form)."""
    data = (
        descriptor
        or f"(DESCRIPTION=(ADDRESS=(PROTOCOL=tcp)(HOST=127.0.0.1)(PORT={port}))"
        "(CONNECT_DATA=(SERVICE_NAME=FREEPDB1)(CID=(PROGRAM=fuzz)(HOST=h)(USER=u))))"
    ).encode()
    body = struct.pack(">HHHHHHHHHHI", 319, 300, 1, 8192, 8192, 0x4F98, 0, 1, len(data), 74, 0)
    body += bytes((0x84, 0x84)) + b"\x00" * 24 + struct.pack(">IIII", 8192, 8192, 0, 0) + data
    return struct.pack(">HHBBH", len(body) + 8, 0, 1, 0, 0) + body


def data_packet(payload: bytes) -> bytes:
    body = b"\x00\x00" + payload
    return struct.pack(">IBBH", len(body) + 8, 6, 0, 0) + body


PROTOCOL_MESSAGE = b"\x01\x06\x00python-oracledb\x00"


def exchange(port: int, chunks: list[bytes]) -> None:
    """Send raw chunks, half-close, then drain whatever the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            for chunk in chunks:
                sock.sendall(chunk)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(65536):
                pass
        except OSError:
            pass  # the server may reset the connection: that is fine


def mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0 and buf:  # flip bytes
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif kind == 1:  # truncate
        del buf[rng.randrange(len(buf) + 1) :]
    elif kind == 2:  # garbage appended
        buf += rng.randbytes(rng.randint(1, 64))
    elif kind == 3 and len(buf) >= 4:  # corrupt the length field (incl. oversize)
        buf[0:4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", rng.randbytes(4)])
    else:  # pure random
        buf = bytearray(rng.randbytes(rng.randint(0, 200)))
    return bytes(buf)


def test_fuzzed_packets_do_not_hurt_other_clients(server: EmulatorServer) -> None:
    rng = random.Random(20261128)
    port = server.port
    healthy = oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn)
    base = connect_packet(port)
    for i in range(2000):
        if i % 2:
            exchange(port, [mutate(rng, base)])
        else:
            # A valid CONNECT (the server switches to 4-byte lengths) followed by mutated TTC data.
            exchange(port, [base, mutate(rng, data_packet(PROTOCOL_MESSAGE))])
    exchange(port, [connect_packet(port, "x" * 500)])
    wait_until(lambda: server.stats()["client_connections"]["open"] == 1, timeout=30)
    assert healthy.cursor().execute("select 1 from dual").fetchall() == [(1,)]
    healthy.close()
    with oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn + ":pooled", cclass="F") as conn:
        assert conn.cursor().execute("select n from rows5").fetchall() == [(i,) for i in range(1, 6)]


def test_client_vanishing_mid_request(server: EmulatorServer) -> None:
    port = server.port
    # Half a CONNECT, then a declared 1 MiB DATA packet that never arrives.
    exchange(port, [connect_packet(port)[:20]])
    exchange(port, [connect_packet(port), struct.pack(">IBBH", 1 << 20, 6, 0, 0) + b"\x00\x00\x01"])
    wait_until(lambda: server.stats()["client_connections"]["open"] == 0)
    with oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn) as conn:
        assert conn.cursor().execute("select 1 from dual").fetchall() == [(1,)]
