"""The README's operator procedure, to the letter: render the hall broker with the CLI, make
accounts with `broker_config/make-passwords`, run Mosquitto as it runs in production (dropping to
the `mosquitto` user when started as root), then add a device while it runs: script + SIGHUP."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import topics
from core.accounts import COUNTY_SERVICE
from core.config import MqttSettings
from ops.brokers import TEMPLATE_DIR
from ops.procs import free_port, listening
from tests.support.mqtt_helpers import connect

pytestmark = pytest.mark.broker

HALL = "op-hall"
NOT_AUTHORIZED = 135
MAKE_PASSWORDS = str(TEMPLATE_DIR / "make-passwords")


@pytest.fixture
def root() -> Iterator[Path]:
    # pytest's tmp_path is private to root; Mosquitto, dropped to its own user, must read the files
    path = Path(tempfile.mkdtemp(prefix="hall-operator-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_operator_adds_a_device_to_a_running_hall_broker(root: Path) -> None:
    conf, state, secrets = root / "mosquitto", root / "state", root / "secrets"
    state.mkdir()
    if os.geteuid() == 0:
        shutil.chown(state, "mosquitto")
    bridge_pw = root / "bridge.password"
    bridge_pw.write_text("unused\n")
    port = free_port()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ops.brokers",
            "hall",
            "--hall",
            HALL,
            "--county",
            f"127.0.0.1:{free_port()}",
            "--bridge-password-file",
            str(bridge_pw),
            "--conf-dir",
            str(conf),
            "--state-dir",
            str(state),
            "--port",
            str(port),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    passwd, acl = conf / "passwd", conf / "hall.acl"
    subprocess.run(
        [MAKE_PASSWORDS, "--acl", str(acl), str(passwd), str(secrets), "eval-01", COUNTY_SERVICE],
        check=True,
        capture_output=True,
        timeout=30,
    )
    proc = subprocess.Popen(["mosquitto", "-c", str(conf / "hall.conf")], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mosquitto did not start: {proc.stderr.read() if proc.stderr else ''}")
            time.sleep(0.05)
        url = f"mqtt://127.0.0.1:{port}"
        county = connect(
            MqttSettings(
                url=url, username=COUNTY_SERVICE, password_file=secrets / f"{COUNTY_SERVICE}.password"
            ),
            "svc",
        )
        county.subscribe([f"hall/v1/{HALL}/+/event/+"])

        new = MqttSettings(url=url, username="eval-07", password_file=secrets / "eval-07.password")
        with pytest.raises(ConnectionRefusedError):  # not yet: no such account, no secret file
            secrets.mkdir(exist_ok=True)
            (secrets / "eval-07.password").write_text("guess\n")
            connect(new, "eval-07")
        (secrets / "eval-07.password").unlink()

        out = subprocess.run(
            [MAKE_PASSWORDS, "--acl", str(acl), str(passwd), str(secrets), "eval-07"],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        assert out.strip() == f"eval-07: {secrets / 'eval-07.password'}"
        assert (secrets / "eval-07.password").stat().st_mode & 0o777 == 0o600
        proc.send_signal(signal.SIGHUP)  # systemctl reload mosquitto-hall
        time.sleep(0.3)

        device = connect(new, "eval-07")  # the running broker took the new account
        assert device.publish(topics.event(HALL, "eval-07", "rating"), b"{}") == 0
        assert county.get(5).topic == topics.event(HALL, "eval-07", "rating")
        # and only its own topics (the patterns), plus what every device may: its ACL block
        assert device.publish(topics.event(HALL, "eval-01", "rating"), b"{}") == NOT_AUTHORIZED
        assert county.get_none(0.5) == []
        assert device.publish(topics.query("progress"), b"{}") == 0
        assert acl.read_text().count("user eval-07\n") == 1
        subprocess.run(
            [MAKE_PASSWORDS, "--acl", str(acl), str(passwd), str(secrets), "eval-07"],
            check=True,
            capture_output=True,
            timeout=30,
        )  # again: nothing doubled
        assert acl.read_text().count("user eval-07\n") == 1
        device.close()
        county.close()
        assert proc.poll() is None  # nobody restarted it
    finally:
        proc.terminate()
        proc.wait(10)
    log = proc.stderr.read() if proc.stderr else ""
    assert "Warning: ACL" not in log, log  # started and reloaded without a warning
