"""`hall-console`'s command line: logins and tokens made from files, bad input in one line."""

import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console.main", *args], capture_output=True, text=True, timeout=60
    )


def config(tmp_path: Path, extra: str = "", name: str = "console.toml") -> str:
    path = tmp_path / name
    path.write_text(
        f'accounts_database = "{tmp_path / "a.db"}"\ndatabase = "sqlite:///{tmp_path / "c.db"}"\n{extra}',
        encoding="utf-8",
    )
    return str(path)


def test_add_user_and_token(tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("correct-horse\n", encoding="utf-8")
    r = run(
        "--config",
        config(tmp_path),
        "add-user",
        "zhang",
        "--role",
        "manager",
        "--hall",
        "hall-01",
        "--password-file",
        str(pw),
    )
    assert r.returncode == 0 and "zhang" in r.stdout and "correct-horse" not in r.stdout + r.stderr
    r = run("--config", config(tmp_path), "add-token", "gateway", "--role", "viewer", "--hall", "hall-01")
    assert r.returncode == 0 and r.stdout.startswith("hc_") and len(r.stdout.strip()) > 40


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    cases = [
        ("--config", config(tmp_path, '[web]\nlisten = "nowhere"\n', name="bad.toml")),
        (
            "--config",
            config(tmp_path),
            "add-user",
            "zhang",
            "--role",
            "manager",
            "--password-file",
            str(tmp_path / "missing"),
        ),
        ("--config", config(tmp_path), "add-token", "x", "--role", "manager", "--hall", "Bad Hall"),
        ("--config", str(tmp_path / "nope.toml")),
    ]
    for args in cases:
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
