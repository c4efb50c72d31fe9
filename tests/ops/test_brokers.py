"""Rendering of broker_config/ templates (unit: files only, no broker)."""

import os
import re
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from core.accounts import COUNTY_SERVICE
from core.config import MqttSettings
from ops import brokers
from ops.procs import HOST, free_port, listening
from tests.support.mqtt_helpers import connect


def test_cli_defaults_for_an_installation(tmp_path, capsys):
    pw = tmp_path / "bridge.password"
    pw.write_text("s3cret\n")
    assert (
        brokers.main(
            [
                "hall",
                "--hall",
                "demo-hall",
                "--conf-dir",
                str(tmp_path / "h"),
                "--bridge-password-file",
                str(pw),
            ]
        )
        == 0
    )
    assert (
        brokers.main(["county", "--hall", "demo-hall", "--hall", "hall-2", "--conf-dir", str(tmp_path / "c")])
        == 0
    )
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


@pytest.mark.broker
def test_prepare_local_pair_runs_as_rendered(tmp_path):
    """The demo's helper: both confs, accounts and secrets; the brokers start and bridge."""
    pair = brokers.prepare_local_pair(
        tmp_path,
        "demo-hall",
        ["eval-01"],
        hall_port=free_port(),
        county_port=free_port(),
        run_as_root=os.geteuid() == 0,
    )
    assert pair.secret("eval-01").stat().st_mode & 0o077 == 0
    procs = [
        subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for conf in (pair.county_conf, pair.hall_conf)
    ]

    def settings(port, user):
        return MqttSettings(url=f"mqtt://{HOST}:{port}", username=user, password_file=pair.secret(user))

    try:
        deadline = time.monotonic() + 10
        while not (listening(pair.hall_port) and listening(pair.county_port)):
            assert time.monotonic() < deadline, "brokers not listening"
            time.sleep(0.05)
        svc = connect(settings(pair.county_port, COUNTY_SERVICE), "svc")
        svc.subscribe(["hall/v1/+/+/event/+"])
        dev = connect(settings(pair.hall_port, "eval-01"), "eval-01")
        got: list[mqtt.MQTTMessage] = []
        while not got and time.monotonic() < deadline + 15:  # until the bridge is up
            dev.publish("hall/v1/demo-hall/eval-01/event/signin", b"{}")
            got = svc.get_none(0.3)
        assert got and got[0].topic == "hall/v1/demo-hall/eval-01/event/signin"
        dev.close()
        svc.close()
    finally:
        for p in procs:
            p.kill()
            p.wait()
