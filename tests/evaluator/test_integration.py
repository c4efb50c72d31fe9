"""The evaluator as a whole: hk1 keypad and staff-card simulators on pseudo-terminals, the real
outbox and link, real hall and county brokers (bridged), the real county service process.

invite → press → exactly one event stored at the county with the right case, staff, level and
channel; also when the keypad resends its key frame and when the county is down at the press.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.commands import InviteCommand
from core.events import CHANNEL_HALL_TERMINAL, StaffRef
from drivers.sim.keypad import KeypadSim
from drivers.sim.line import StaffCardSim
from evaluator.service import EvaluatorService
from evaluator.settings import EvaluatorSettings
from evaluator.viewmodel import State
from ops.commander import Commander
from tests.support.county import CountyProcess, county_process
from tests.support.mosquitto import HallPair

pytestmark = [pytest.mark.serial, pytest.mark.broker]

DEVICE = "eval-07"
ROSTER = {"staff": [{"id": "S07", "name": "赵强", "card": "CARD-0007"}], "window_name": "7号窗口"}


def wait_for(what: str, cond: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Hall:
    pair: HallPair
    county: CountyProcess
    service: EvaluatorService
    keypad: KeypadSim
    cards: StaffCardSim
    manager: Commander

    def ratings(self) -> list[tuple[Any, ...]]:
        store = self.county.store()
        try:
            return store.rows("SELECT case_id, staff, level, channel, input FROM ratings")
        finally:
            store.close()

    def invite(self, case_id: str) -> str:
        cmd = InviteCommand(case_id=case_id, item_name="不动产登记", staff=[StaffRef(id="S07", name="赵强")])
        return self.manager.send(self.pair.hall_id, DEVICE, "invite", cmd).result


@pytest.fixture
def hall(hall_pair: HallPair, tmp_path: Path) -> Iterator[Hall]:
    county = county_process(hall_pair, tmp_path / "county")
    county.start()
    keypad, cards = KeypadSim(), StaffCardSim()
    keypad.start()
    cards.start()
    (tmp_path / "config.json").write_text(json.dumps(ROSTER), encoding="utf-8")
    settings = EvaluatorSettings(
        device_id=DEVICE,
        hall_id=hall_pair.hall_id,
        window_id="w07",
        state_dir=tmp_path / "evaluator",
        mqtt=hall_pair.device(DEVICE),
        serial={"keypad": keypad.path, "staff_card": cards.path},
        initial_config=tmp_path / "config.json",
    )
    service = EvaluatorService(settings, has_screen=False)
    stop = threading.Event()

    def tick() -> None:  # what the app's main loop does
        while not stop.wait(0.1):
            service.tick()

    ticker = threading.Thread(target=tick)
    service.start()
    ticker.start()
    manager = Commander(hall_pair.manager())
    try:
        wait_for("the link", lambda: service.link.connected)
        wait_for("the keypad", lambda: service.devices[0].state == "ok")
        yield Hall(hall_pair, county, service, keypad, cards, manager)
    finally:
        manager.close()
        stop.set()
        ticker.join(5)
        service.stop()
        keypad.stop()
        cards.stop()
        county.kill()


def sign_in(h: Hall) -> None:
    h.cards.send_line("CARD-0007")
    wait_for("sign-in", lambda: h.service.controller.state is State.READY)


def test_invite_press_stored_once_at_county(hall: Hall) -> None:
    sign_in(hall)
    assert not hall.keypad.keys_enabled  # no rating open: keys locked
    assert hall.invite("C-2026-0101") == "accepted"
    wait_for("keys enabled", lambda: hall.keypad.keys_enabled)
    assert hall.invite("C-2026-0102") == "busy"
    assert hall.keypad.press(4)
    rows = wait_for("the rating at the county", hall.ratings)
    time.sleep(0.5)
    rows = hall.ratings()
    assert len(rows) == 1
    case_id, staff, level, channel, input_ = rows[0]
    assert (case_id, level, channel, input_) == ("C-2026-0101", 4, CHANNEL_HALL_TERMINAL, "keypad")
    assert [s["id"] for s in json.loads(staff)] == ["S07"]
    wait_for("keys disabled", lambda: not hall.keypad.keys_enabled)
    assert not hall.keypad.press(5)  # one rating per invitation: the keypad is locked again


def test_resent_key_frame_counts_once(hall: Hall) -> None:
    sign_in(hall)
    hall.invite("C-2026-0201")
    wait_for("keys enabled", lambda: hall.keypad.keys_enabled)
    hall.keypad.press(2)
    hall.keypad.resend_last()  # the keypad missed our ack and sends the same frame again
    hall.keypad.resend_last()
    wait_for("the rating at the county", hall.ratings)
    time.sleep(1.0)
    rows = hall.ratings()
    assert len(rows) == 1 and rows[0][0] == "C-2026-0201" and rows[0][2] == 2
    assert hall.service.outbox.last_seq() >= 1


def test_county_down_during_press(hall: Hall) -> None:
    sign_in(hall)
    hall.county.kill()
    hall.invite("C-2026-0301")
    wait_for("keys enabled", lambda: hall.keypad.keys_enabled)
    hall.keypad.press(5)
    wait_for("thanks", lambda: hall.service.controller.state is State.THANKS)  # stored locally
    assert hall.service.outbox.backlog().unacked >= 1
    hall.county.start()
    rows = wait_for("the rating at the county", hall.ratings, timeout=60)
    wait_for("the backlog drained", lambda: hall.service.outbox.backlog().unacked == 0, timeout=60)
    rows = hall.ratings()
    assert len(rows) == 1 and rows[0][0] == "C-2026-0301" and rows[0][2] == 5


def test_config_from_county_is_applied_and_kept(hall: Hall, tmp_path: Path) -> None:
    from core import topics
    from core.device_config import DeviceConfig, StaffMember
    from tests.support.mqtt_helpers import connect

    county = connect(hall.pair.county_service(), "county-admin-test")
    try:
        cfg = DeviceConfig(
            window_name="8号窗口",
            staff=[StaffMember(id="S08", name="钱伟", card="CARD-0008")],
            allow_free_rating=False,
        )
        assert county.publish(topics.config(hall.pair.hall_id, DEVICE), cfg.to_json(), retain=True) == 0
    finally:
        county.close()
    wait_for("the new config", lambda: hall.service.controller.view_model().window_name == "8号窗口")
    saved = tmp_path / "evaluator" / "config.json"
    assert DeviceConfig.from_json(saved.read_bytes()).window_name == "8号窗口"
    hall.cards.send_line("CARD-0008")  # the new roster is in force
    wait_for("sign-in of the new clerk", lambda: hall.service.controller.state is State.READY)
    hall.keypad.press("invite")  # free rating is now off
    time.sleep(0.5)
    vm = hall.service.controller.view_model()
    assert vm.state is State.READY and "未开放" in vm.message


def test_identify_and_restart_commands(hall: Hall) -> None:
    from core.commands import IdentifyCommand, RestartCommand

    county = Commander(hall.pair.county_service())  # the county may send every command
    try:
        reply = county.send(hall.pair.hall_id, DEVICE, "identify", IdentifyCommand(seconds=2))
        assert reply.result == "accepted"
        from drivers.keypad.hk1 import Cmd

        def led_commands() -> int:
            return sum(1 for f in hall.keypad.record.commands if f.cmd == Cmd.LEDS)

        wait_for("LEDs blinking", lambda: led_commands() >= 3)
        assert county.send(hall.pair.hall_id, DEVICE, "restart", RestartCommand()).result == "accepted"
        wait_for("the restart request", lambda: hall.service.restart_requested)
    finally:
        county.close()
