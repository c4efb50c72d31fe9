"""hall-probe keypad and hall-sim keypad, run as installed console scripts."""

import subprocess

import pytest

from drivers.sim.keypad import KeypadSim
from tests.support.processes import child_env, console_script, read_json_lines, run_script, stop
from tests.support.serial_sim import wait_until

pytestmark = pytest.mark.serial


def test_probe_prints_key_lines(tmp_path):
    sim = KeypadSim(tmp_path / "kp", heartbeat_s=0.5)
    sim.start()
    proc = run_script("hall-probe", "keypad", sim.path, "--protocol", "hk1", "--timeout", "30")
    try:
        read_json_lines(proc, lambda o: o["event"] == "state" and o["state"] == "ok")
        # The keypad's power-up hello may be long gone (it gives up after 4 sends): the probe
        # enables the rating keys as soon as the port is open anyway.
        assert wait_until(lambda: sim.keys_enabled, timeout=10)
        for key in ("invite", 5, 1, "confirm", "cancel"):
            assert sim.press(key)
        seen = read_json_lines(proc, lambda o: o.get("key") == "cancel")
        keys = [o for o in seen if o["event"] == "key"]
        assert keys == [
            {"device": "keypad", "event": "key", "key": k} for k in ("invite", 5, 1, "confirm", "cancel")
        ]
        sim.unplug()
        read_json_lines(proc, lambda o: o["event"] == "state" and o["state"] == "missing")
        sim.replug()
        read_json_lines(proc, lambda o: o["event"] == "state" and o["state"] == "ok")
        read_json_lines(proc, lambda o: o["event"] == "hello")  # this time the port was open: seen
        assert wait_until(lambda: sim.keys_enabled, timeout=10)  # re-enabled after the restart
    finally:
        stop(proc)
        sim.stop()
    assert proc.returncode == 0  # SIGTERM ends it cleanly


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["keypad", "{missing}"], "cannot open serial port"),
        (["keypad", "foo://nowhere"], "foo://nowhere"),
        (["keypad", "loop://", "--protocol", "acme9"], "unknown keypad protocol 'acme9'"),
    ],
)
def test_probe_failures_exit_nonzero_with_one_line(tmp_path, args, says):
    args = [a.format(missing=tmp_path / "no-keypad") for a in args]
    proc = subprocess.run(
        [console_script("hall-probe"), *args], capture_output=True, text=True, env=child_env(), timeout=30
    )
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert says in lines[0]


def test_hall_sim_keypad_script(tmp_path):
    from drivers.device import Backoff
    from drivers.keypad import KeyPressed, open_keypad
    from tests.support.serial_sim import Recorder

    link = tmp_path / "kp"
    proc = run_script("hall-sim", "keypad", "--link", str(link), "--heartbeat", "0.5", stdin=subprocess.PIPE)
    stdin, stdout = proc.stdin, proc.stdout
    assert stdin is not None and stdout is not None

    def command(line):
        stdin.write(line + "\n")
        stdin.flush()
        return stdout.readline().strip()

    kp = None
    try:
        assert stdout.readline().strip() == str(link)
        kp = open_keypad(str(link), heartbeat_s=0.5, backoff=Backoff(0.02, 0.1))
        rec = Recorder(kp)
        kp.start(require_port=True)
        assert command("press 5") == "ignored 5 (keys disabled)"
        assert command("invite") == "pressed invite"
        kp.enable_keys(True, 60)
        assert command("press 5") == "pressed 5"
        assert command("garbage 30") == "sent 30 random bytes"
        assert command("corrupted").startswith("sent 02")
        assert command("press 9").startswith("error: no key")
        assert command("show").startswith("enabled=True")
        assert rec.wait_for(lambda: [e.key for e in rec.events if isinstance(e, KeyPressed)] == ["invite", 5])
        assert command("unplug") == "unplugged"
        assert kp.wait_state("missing", 5)
        assert command("replug").startswith("replugged")
        assert kp.wait_state("ok", 5)
        stdin.write("quit\n")
        stdin.flush()
        assert proc.wait(10) == 0
    finally:
        if kp is not None:
            kp.stop()
        stop(proc)
