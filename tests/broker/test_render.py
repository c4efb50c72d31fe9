"""Rendering of broker_config/ templates (unit: files only, no broker)."""

import re
from pathlib import Path

import pytest

from county import brokers


def test_cli_defaults_for_an_installation(tmp_path, capsys):
    pw = tmp_path / "bridge.password"
    pw.write_text("s3cret\n")
    assert brokers.main(["hall", "--hall", "demo-hall", "--conf-dir", str(tmp_path / "h"),
                         "--bridge-password-file", str(pw)]) == 0
    assert brokers.main(["county", "--hall", "demo-hall", "--hall", "hall-2",
                         "--conf-dir", str(tmp_path / "c")]) == 0
    hall = (tmp_path / "h" / "hall.conf").read_text()
    county = (tmp_path / "c" / "county.conf").read_text()
    acl = (tmp_path / "c" / "county.acl").read_text()
    assert "listener 1883 \n" in hall and "listener 1884 \n" in county
    assert "persistence_location /var/lib/mosquitto/" in hall and "user mosquitto" in hall
    assert "address 127.0.0.1:1884" in hall and "remote_password s3cret" in hall
    assert "remote_clientid bridge.demo-hall\n" in hall and "cleansession false" in hall
    assert "user bridge.demo-hall" in acl and "user bridge.hall-2" in acl
    for text in (hall, county, acl):
        assert not re.search(r"@[A-Z_]+@", text)
    assert (tmp_path / "h" / "hall.conf").stat().st_mode & 0o077 == 0  # holds the bridge password
    assert "hall.conf" in capsys.readouterr().out


def _number(text: str, key: str) -> int:
    m = re.search(rf"^{key} (\d+)$", text, re.M)
    assert m, key
    return int(m[1])


def test_queues_are_sized_on_purpose():
    files = brokers.BrokerFiles(conf_dir=Path("/etc/x"), state_dir=Path("/var/lib/x"))
    rendered = {**brokers.render_hall(files, "h", None), **brokers.render_county(files, ["h"])}
    for text in rendered.values():
        if "listener" in text:
            assert _number(text, "max_queued_messages") >= 100_000
            assert _number(text, "max_queued_bytes") >= 100 * 2**20
            assert "allow_anonymous false" in text and "autosave_interval 1\n" in text


def test_hall_cli_needs_exactly_one_hall(tmp_path):
    with pytest.raises(SystemExit):
        brokers.main(["hall", "--conf-dir", str(tmp_path)])


def test_bridge_needs_credentials(tmp_path):
    with pytest.raises(brokers.RenderError):
        brokers.render_bridge("h", brokers.Bridge())
    assert brokers.main(["hall", "--hall", "Bad_Hall", "--conf-dir", str(tmp_path)]) == 2


def test_fill_refuses_missing_values():
    with pytest.raises(brokers.RenderError, match="@PORT@"):
        brokers.fill("listener @PORT@", {})
