"""A keypad behind a networked serial server, opened as socket://host:port."""

import pytest

from drivers.device import Backoff
from drivers.keypad import KeyPressed, open_keypad
from drivers.sim.keypad import KeypadSim
from tests.support.serial_server import SerialServer
from tests.support.serial_sim import Recorder

pytestmark = pytest.mark.serial


def test_keypad_over_socket_url_and_server_reconnect(tmp_path):
    sim = KeypadSim(tmp_path / "kp", heartbeat_s=0.25)
    sim.start()
    server = SerialServer(sim.path).start()
    kp = open_keypad(server.url, heartbeat_s=0.25, backoff=Backoff(0.02, 0.1))
    rec = Recorder(kp)
    try:
        kp.start(require_port=True)
        kp.enable_keys(True)
        sim.press(4)
        assert rec.wait_for(lambda: [e for e in rec.events if isinstance(e, KeyPressed)] == [KeyPressed(4)])
        server.drop_client()
        # missing, then ok again once reconnected to the server (may be quick: read the log)
        assert rec.wait_for(lambda: rec.state_names() == ["ok", "missing", "ok"])
        assert "socket disconnected" in rec.states[1].detail
        kp.enable_keys(True)
        sim.press(2)
        assert rec.wait_for(lambda: KeyPressed(2) in rec.events)
    finally:
        kp.stop()
        server.stop()
        sim.stop()
