"""People's logins, programs' API tokens and browser sessions of the console (one SQLite file).

Passwords are hashed with argon2 (slow on purpose: a stolen file does not give them away). API
tokens and session ids are 256-bit random strings, so they are stored as SHA-256 digests: nobody
can guess one, and a digest can be looked up directly (an argon2 hash would need a scan).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.clock import Clock, SystemClock
from core.topics import ID_PATTERN, check_id

Role = Literal["admin", "manager", "viewer"]
ROLES: tuple[str, ...] = get_args(Role)
NAME_MAX = 64

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, hall TEXT, password_hash TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS tokens (
        digest TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hall TEXT,
        created_ms INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sessions (
        digest TEXT PRIMARY KEY, name TEXT NOT NULL, csrf TEXT NOT NULL, expires_ms INTEGER NOT NULL)""",
]


class AccountError(Exception):
    """A name, role, hall or password that cannot be used; `str()` is the one line to show."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: a person (session) or a program (token). `hall` None = county-wide."""

    name: str
    role: Role
    hall: str | None

    def sees(self, hall: str) -> bool:
        return self.hall is None or self.hall == hall

    @property
    def may_act(self) -> bool:
        return self.role in ("admin", "manager")


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check(name: str, role: str, hall: str | None) -> None:
    if not name or len(name) > NAME_MAX or not name.isprintable() or name.strip() != name:
        raise AccountError(f"name: 1-{NAME_MAX} printable characters, no surrounding spaces")
    if role not in ROLES:
        raise AccountError(f"role: one of {', '.join(ROLES)} (got {role!r})")
    if hall is not None:
        try:
            check_id(hall, "hall")
        except ValueError:
            raise AccountError(f"hall: must match {ID_PATTERN} (got {hall!r})") from None


class Users:
    def __init__(self, path: Path, clock: Clock | None = None) -> None:
        self.path = path
        self._time: Clock = clock or SystemClock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._lock = threading.Lock()
        for ddl in _SCHEMA:
            self._db.execute(ddl)
        self._hasher = PasswordHasher()
        # a real hash to verify against when the name is unknown: a wrong name costs the same time
        self._dummy = self._hasher.hash(secrets.token_hex(8))

    def _now_ms(self) -> int:
        return int(self._time.time() * 1000)

    def close(self) -> None:
        self._db.close()

    # --- people ---
    def add_user(self, name: str, role: str, hall: str | None, password: str) -> None:
        """Make (or replace) a login."""
        _check(name, role, hall)
        if len(password) < 8:
            raise AccountError("password: at least 8 characters")
        h = self._hasher.hash(password)
        with self._lock:
            self._db.execute(
                "INSERT INTO users (name, role, hall, password_hash) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET role = excluded.role, hall = excluded.hall,"
                " password_hash = excluded.password_hash",
                (name, role, hall, h),
            )
            self._db.execute("DELETE FROM sessions WHERE name = ?", (name,))  # a new password ends sessions

    def check_password(self, name: str, password: str) -> Principal | None:
        with self._lock:
            row = self._db.execute(
                "SELECT role, hall, password_hash FROM users WHERE name = ?", (name,)
            ).fetchone()
        try:
            self._hasher.verify(row[2] if row else self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        return Principal(name, row[0], row[1]) if row else None

    # --- programs ---
    def add_token(self, name: str, role: str, hall: str | None) -> str:
        """A new API token for `name`; only its digest is kept, so this is the one time it is seen."""
        _check(name, role, hall)
        token = "hc_" + secrets.token_urlsafe(32)
        with self._lock:
            self._db.execute(
                "INSERT INTO tokens (digest, name, role, hall, created_ms) VALUES (?, ?, ?, ?, ?)",
                (_digest(token), name, role, hall, self._now_ms()),
            )
        return token

    def check_token(self, token: str) -> Principal | None:
        with self._lock:
            row = self._db.execute(
                "SELECT name, role, hall FROM tokens WHERE digest = ?", (_digest(token),)
            ).fetchone()
        return Principal(row[0], row[1], row[2]) if row else None

    # --- browser sessions ---
    def open_session(self, who: Principal, hours: float) -> tuple[str, str]:
        """A new session for a person who just logged in: (session id for the cookie, CSRF token)."""
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = self._now_ms()
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE expires_ms < ?", (now,))
            self._db.execute(
                "INSERT INTO sessions (digest, name, csrf, expires_ms) VALUES (?, ?, ?, ?)",
                (_digest(sid), who.name, csrf, now + int(hours * 3_600_000)),
            )
        return sid, csrf

    def session(self, sid: str) -> Session | None:
        with self._lock:
            row = self._db.execute(
                "SELECT u.name, u.role, u.hall, s.csrf, s.expires_ms FROM sessions s"
                " JOIN users u ON u.name = s.name WHERE s.digest = ?",
                (_digest(sid),),
            ).fetchone()
        if row is None or row[4] < self._now_ms():
            return None
        return Session(Principal(row[0], row[1], row[2]), row[3])

    def close_session(self, sid: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE digest = ?", (_digest(sid),))


class LoginThrottle:
    """Refuses logins for a name, or from an address, after `max_failures` failures within
    `window_s` seconds (in memory: a restart forgets, which only helps the real user)."""

    def __init__(self, max_failures: int, window_s: float, clock: Clock | None = None) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._time: Clock = clock or SystemClock()
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window_s]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def blocked_for(self, *keys: str) -> float:
        """Seconds until a login with these keys (name, address) may be tried again; 0 = now."""
        now = self._time.monotonic()
        with self._lock:
            waits = [
                self.window_s - (now - r[0])
                for k in keys
                if len(r := self._recent(k, now)) >= self.max_failures
            ]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = self._time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now)
                self._failures.setdefault(k, []).append(now)
                if len(self._failures) > 100_000:  # a flood of made-up names must not eat memory
                    self._failures.clear()

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop("name:" + name, None)
