"""`hall-county` command line: help, and a bad configuration in one line (exit 2)."""

import subprocess
import sys

import pytest

from county.main import main
from county.settings import CountySettings


def test_help_names_the_service(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "--config" in out and "县级" in out


def test_bad_config_is_one_line(tmp_path, capsys):
    bad = tmp_path / "county.toml"
    bad.write_text('database = "mysql://x"\n')
    assert main(["--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "database" in err and str(bad) in err


def test_unknown_key_and_missing_file(tmp_path, capsys):
    bad = tmp_path / "county.toml"
    bad.write_text("batch_size = 3\n")
    assert main(["--config", str(bad)]) == 2
    assert "batch_size: unknown key" in capsys.readouterr().err
    assert main(["--config", str(tmp_path / "nope.toml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_unusable_database_is_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    cfg = tmp_path / "county.toml"
    cfg.write_text(f'database = "sqlite:///{tmp_path}/file/county.db"\n')
    assert main(["--config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hall-county: database: cannot open") and "\n" not in err


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    cfg = tmp_path / "county.toml"
    cfg.write_text('share_group = "a"\n[mqtt]\nurl = "mqtt://10.0.0.1:1884"\n')
    monkeypatch.setenv("HALL_SHARE_GROUP", "b")
    monkeypatch.setenv("HALL_MQTT__URL", "mqtt://10.0.0.2:1884")
    s = CountySettings.load(cfg)
    assert (s.share_group, s.mqtt.host) == ("b", "10.0.0.2")
    assert s.mqtt.username == "svc.county"  # default account name kept when [mqtt] is given


def test_console_script_entry_runs(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "county.main", "--help"], capture_output=True, text=True, timeout=30
    )
    assert r.returncode == 0 and "hall-county" in r.stdout


def test_every_config_error_is_shown_one_per_line(tmp_path, capsys):
    bad = tmp_path / "county.toml"
    bad.write_text('database = "mysql://x"\nbatch_max = 0\nbatch_size = 3\n[mqtt]\nurl = "http://x"\n')
    assert main(["--config", str(bad)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith(f"hall-county: {bad}: ") for line in lines)
    text = "\n".join(lines)
    for key in ("database", "batch_max", "batch_size: unknown key", "mqtt.url"):
        assert key in text
