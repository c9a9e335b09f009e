"""Bad input: thousands of mutated packets, then a normal client must still work."""

from __future__ import annotations

import contextlib
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


class MutatingProxy:
    """Relays a real client's connection, corrupting the client's requests after login.

    Framing is kept (lengths untouched) so every mutated packet reaches the request parser.
    """

    def __init__(self, target_port: int, seed: int) -> None:
        import threading

        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.mutated = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.target_port = target_port
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()

    def _recv_exact(self, sock: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def _pump(self, src: socket.socket, dst: socket.socket, from_client: bool) -> None:
        packets = 0
        try:
            if not from_client:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
                return
            two_byte_packets = 1  # the CONNECT (and a long descriptor after it) use 2-byte lengths
            while True:
                header = self._recv_exact(src, 8)
                if packets < two_byte_packets:
                    length = struct.unpack(">H", header[:2])[0]
                else:
                    length = struct.unpack(">I", header[:4])[0]
                body = self._recv_exact(src, length - 8)
                if packets == 0 and len(body) >= 18 and struct.unpack(">H", body[16:18])[0] > 230:
                    two_byte_packets = 2
                packets += 1
                # Corrupt requests after login only: function / piggyback / one-way messages that
                # are not the authentication calls (so connect() itself can never hang).
                is_request = header[4] == 6 and len(body) > 4 and body[2] in (0x03, 0x11, 0x1A)
                if is_request and not (body[2] == 0x03 and body[3] in (0x73, 0x76)):
                    with self.lock:
                        hit = self.rng.random() < 0.5
                        if hit:
                            self.mutated += 1
                            buf = bytearray(body)
                            for _ in range(self.rng.randint(1, 4)):
                                buf[self.rng.randrange(2, len(buf))] = self.rng.randrange(256)
                            body = bytes(buf)
                dst.sendall(header + body)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self.listener.close()


def test_mutated_requests_after_login(server: EmulatorServer) -> None:
    proxy = MutatingProxy(server.port, seed=42)
    dsn = f"127.0.0.1:{proxy.port}/FREEPDB1"
    statements = [
        "select n from rows30",
        "select :a, :b from dual",
        "insert into t values (:v) returning id into :id",
    ]
    try:
        attempts = 0
        while proxy.mutated < 1000 and attempts < 3000:
            attempts += 1
            try:
                # Every third client has a descriptor over 230 bytes (sent in a second packet).
                extra = {"program": "p" * 300} if attempts % 3 == 0 else {}
                conn = oracledb.connect(
                    user=USER, password=PASSWORD, dsn=dsn + (":pooled" if attempts % 2 else ""), **extra
                )
            except oracledb.Error:
                continue
            conn.call_timeout = 200
            try:
                cur = conn.cursor()
                for i in range(6):
                    sql = statements[i % 3]
                    if "insert" in sql:
                        cur.execute(sql, v=i, id=cur.var(int))
                    elif ":a" in sql:
                        cur.execute(sql, a=i, b="x" * (i * 300))
                        cur.fetchall()
                    else:
                        cur.execute(sql)
                        cur.fetchall()
            except (oracledb.Error, UnicodeError, ValueError, IndexError, OverflowError):
                pass
            finally:
                with contextlib.suppress(oracledb.Error):
                    conn.close()
        assert proxy.mutated >= 1000
    finally:
        proxy.close()
    server.wait_idle(timeout=60)
    with oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn + ":pooled", cclass="AFTER") as conn:
        assert conn.cursor().execute("select n from rows40").fetchall() == [(i,) for i in range(1, 41)]


def test_a_socket_numbered_above_1024_is_not_taken_for_a_cancel() -> None:
    """select() refuses descriptors >= 1024 (ValueError). A test process holding many sockets (a pool
    churning connections, the server's own ends included) gets there; a call waiting for a pooled server
    must not then be answered with a break (ORA-01013) as if the client had cancelled it."""
    import os

    from oracle_emulator.protocol import ClientConnection

    ours, theirs = socket.socketpair()
    high = os.dup2(ours.fileno(), 1500)
    sock = socket.socket(fileno=high)
    try:
        conn = ClientConnection(instance=None, sock=sock, addr=None)  # type: ignore[arg-type]
        assert not conn.interrupted()  # nothing sent: no cancel
        assert not conn.has_pending_input()
        theirs.sendall(b"x")
        wait_until(conn.has_pending_input)
        theirs.close()
    finally:
        sock.close()
        ours.close()
