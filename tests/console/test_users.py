"""Logins, tokens and sessions of the console: hashed, scoped, expiring; logins throttled."""

import sqlite3
from pathlib import Path

import pytest

from console.users import AccountError, LoginThrottle, Principal, Users
from core.clock import FakeClock


def test_passwords_are_hashed_with_argon2_and_checked(tmp_path: Path) -> None:
    users = Users(tmp_path / "a.db")
    users.add_user("mgr", "manager", "hall-a", "correct-horse")
    [(stored,)] = sqlite3.connect(tmp_path / "a.db").execute("SELECT password_hash FROM users").fetchall()
    assert "correct-horse" not in stored and stored.startswith("$argon2id$")
    assert users.check_password("mgr", "correct-horse") == Principal("mgr", "manager", "hall-a")
    assert users.check_password("mgr", "wrong") is None
    assert users.check_password("nobody", "correct-horse") is None


def test_a_token_is_shown_once_and_stored_as_a_digest(tmp_path: Path) -> None:
    users = Users(tmp_path / "a.db")
    token = users.add_token("bot", "viewer", "hall-a")
    rows = sqlite3.connect(tmp_path / "a.db").execute("SELECT * FROM tokens").fetchall()
    assert token not in repr(rows) and len(rows) == 1
    assert users.check_token(token) == Principal("bot", "viewer", "hall-a")
    assert users.check_token(token + "x") is None


def test_sessions_expire_and_end_with_a_new_password(tmp_path: Path) -> None:
    clock = FakeClock()
    users = Users(tmp_path / "a.db", clock=clock)
    users.add_user("mgr", "manager", None, "correct-horse")
    who = users.check_password("mgr", "correct-horse")
    assert who is not None and who.sees("any-hall") and who.may_act
    sid, csrf = users.open_session(who, hours=1)
    s = users.session(sid)
    assert s is not None and s.csrf == csrf
    clock.advance(3601)
    assert users.session(sid) is None
    sid, _ = users.open_session(who, hours=1)
    users.add_user("mgr", "manager", None, "another-horse")
    assert users.session(sid) is None


@pytest.mark.parametrize(
    "name, role, hall, password, word",
    [
        ("", "manager", None, "long-enough", "name"),
        ("mgr", "boss", None, "long-enough", "role"),
        ("mgr", "manager", "Hall A", "long-enough", "hall"),
        ("mgr", "manager", None, "short", "password"),
    ],
)
def test_bad_accounts_are_refused_in_one_line(
    tmp_path: Path, name: str, role: str, hall: str | None, password: str, word: str
) -> None:
    with pytest.raises(AccountError, match=word):
        Users(tmp_path / "a.db").add_user(name, role, hall, password)


def test_a_viewer_may_look_but_not_act() -> None:
    v = Principal("v", "viewer", "hall-a")
    assert v.sees("hall-a") and not v.sees("hall-b") and not v.may_act


def test_throttle_by_name_and_by_address() -> None:
    clock = FakeClock()
    t = LoginThrottle(3, 60, clock)
    for _ in range(3):
        t.failed("name:a", "addr:1")
    assert t.blocked_for("name:a", "addr:2") > 0  # the name is blocked from anywhere
    assert t.blocked_for("name:b", "addr:1") > 0  # and the address for any name
    assert t.blocked_for("name:b", "addr:2") == 0
    clock.advance(61)
    assert t.blocked_for("name:a", "addr:1") == 0
