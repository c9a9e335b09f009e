"""Server side of O5LOGON with the 12c password verifier (PBKDF2-SHA512 + AES-256-CBC).

The client (python-oracledb thin) does the mirror image of every step; see the TNS brief §7.3.
AES-CBC always runs with a zero IV and without removing padding, exactly as the client does.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

VERIFIER_12C = 0x4815  # the flags of AUTH_VFR_DATA announce the verifier type
VGEN_COUNT = 4096
SDER_COUNT = 3
_ZERO_IV = b"\x00" * 16


def _encrypt(key: bytes, data: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def _decrypt(key: bytes, data: bytes) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def _pad(data: bytes) -> bytes:
    n = 16 - len(data) % 16
    return data + bytes([n]) * n


@dataclass
class Verifier:
    """What the server stores per user: the password plus a fixed salt and its derived key."""

    password: str
    salt: bytes = field(default_factory=lambda: os.urandom(16))
    _pw_key: bytes | None = None

    @property
    def pw_key(self) -> bytes:
        if self._pw_key is None:
            self._pw_key = hashlib.pbkdf2_hmac(
                "sha512", self.password.encode(), self.salt + b"AUTH_PBKDF2_SPEEDY_KEY", VGEN_COUNT, 64
            )
        return self._pw_key

    @property
    def vkey(self) -> bytes:
        return hashlib.sha512(self.pw_key + self.salt).digest()[:32]


class UserStore:
    """Thread-safe map of upper-case user name -> Verifier, with the privileges granted to each user.

    A password change keeps the user's grants; dropping the user forgets them, as Oracle does.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, Verifier] = {}
        self._granted: dict[str, set[str]] = {}  # grantee (a user or PUBLIC) -> canonical privilege names

    def add(self, user: str, password: str) -> None:
        with self._lock:
            self._users[user.upper()] = Verifier(password)

    def remove(self, user: str) -> None:
        with self._lock:
            self._users.pop(user.upper(), None)
            self._granted.pop(user.upper(), None)

    def get(self, user: str) -> Verifier | None:
        with self._lock:
            return self._users.get(user.upper())

    def exists(self, user: str) -> bool:
        with self._lock:
            return user.upper() in self._users

    def grant(self, grantee: str, privilege: str) -> None:
        with self._lock:
            self._granted.setdefault(grantee.upper(), set()).add(privilege)

    def revoke(self, grantee: str, privilege: str) -> bool:
        """Take ``privilege`` back; False when ``grantee`` did not hold it."""
        with self._lock:
            held = self._granted.get(grantee.upper(), set())
            if privilege not in held:
                return False
            held.discard(privilege)
            return True

    def privileges(self, user: str, also: str | None = None) -> frozenset[str]:
        """What ``user`` was granted (and ``also``, e.g. PUBLIC: every user holds PUBLIC's grants)."""
        with self._lock:
            held = set(self._granted.get(user.upper(), ()))
            if also is not None:
                held |= self._granted.get(also.upper(), set())
            return frozenset(held)


class AuthExchange:
    """One login's O5LOGON state between phase one and phase two.

    For an unknown user a throwaway verifier is used, so the exchange looks the same and phase two
    simply fails with ORA-01017 (no user enumeration).
    """

    def __init__(self, verifier: Verifier | None) -> None:
        self.known_user = verifier is not None
        self.verifier = verifier or Verifier(os.urandom(12).hex())
        self.server_key = os.urandom(32)
        self.csk_salt = os.urandom(16)
        self.combo_key: bytes | None = None

    def phase_one_params(self) -> list[tuple[str, str, int]]:
        """(key, value, flags) entries for the phase-one PARAMETER message."""
        sesskey = _encrypt(self.verifier.vkey, self.server_key)
        return [
            ("AUTH_SESSKEY", sesskey.hex().upper(), 1),
            ("AUTH_VFR_DATA", self.verifier.salt.hex().upper(), VERIFIER_12C),
            ("AUTH_PBKDF2_CSK_SALT", self.csk_salt.hex().upper(), 0),
            ("AUTH_PBKDF2_VGEN_COUNT", str(VGEN_COUNT), 0),
            ("AUTH_PBKDF2_SDER_COUNT", str(SDER_COUNT), 0),
        ]

    def verify(self, client_sesskey_hex: str | None, password_hex: str | None) -> bool:
        """Check phase two's AUTH_SESSKEY / AUTH_PASSWORD; True when the password matches."""
        if not client_sesskey_hex or not password_hex:
            return False
        try:
            enc_client_key = bytes.fromhex(client_sesskey_hex)[:32]
            enc_password = bytes.fromhex(password_hex)
        except ValueError:
            return False
        if len(enc_client_key) != 32 or not enc_password or len(enc_password) % 16:
            return False
        client_key = _decrypt(self.verifier.vkey, enc_client_key)
        mixed = (client_key[:32] + self.server_key[:32]).hex().upper().encode()
        self.combo_key = hashlib.pbkdf2_hmac("sha512", mixed, self.csk_salt, SDER_COUNT, 32)
        plain = _decrypt(self.combo_key, enc_password)
        pad = plain[-1]
        if not 1 <= pad <= 16 or len(plain) < 16 + pad:
            return False
        candidate = plain[16:-pad]
        return self.known_user and candidate == self.verifier.password.encode()

    def server_response(self) -> str:
        """AUTH_SVR_RESPONSE: proves to the client that the server knows the password."""
        assert self.combo_key is not None
        return _encrypt(self.combo_key, _pad(os.urandom(16) + b"SERVER_TO_CLIENT")).hex().upper()
