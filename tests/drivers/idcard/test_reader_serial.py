"""The ID card reader driver against its simulator on real pseudo-terminals, through pyserial."""

from __future__ import annotations

from datetime import date

import pytest
import serial

from drivers.device import Backoff
from drivers.idcard.card import LONG_TERM, Sex
from drivers.idcard.ga467 import Command, Ga467Decoder, Response, encode_frame, encode_request
from drivers.idcard.reader import CardRead, CardReadFailed, CardRemoved, IdCardReader
from drivers.sim.idcard import FIXTURE_CARDS, IdCardSimulator
from tests.support.serial_sim import Recorder, wait_until

pytestmark = pytest.mark.serial

FAST = Backoff(initial=0.02, maximum=0.1)
BAUDS = [9600, 115200]


@pytest.fixture(params=BAUDS, ids=lambda b: f"{b}baud")
def baud(request):
    return request.param


@pytest.fixture
def sim(tmp_path, baud):
    # Paced: answers take as long as they would on a wire at this baud rate (1.35 s for a card at 9600).
    simulator = IdCardSimulator(tmp_path / "idcard", baudrate=baud, pace=True)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def reader(sim, baud):
    device = IdCardReader(sim.path, baudrate=baud, poll_interval_s=0.05, backoff=FAST)
    recorder = Recorder(device)
    device.start(require_port=True)
    yield device, recorder
    device.stop()


def of_type(recorder, kind):
    return [e for e in recorder.events if isinstance(e, kind)]


def wait_polls(sim, n):
    """Let the driver poll `n` more times (the driver's own pace; no wall-clock assertion)."""
    start = sim.requests_of(Command.FIND_CARD)
    assert wait_until(lambda: sim.requests_of(Command.FIND_CARD) >= start + n, 10)


def test_every_fixture_card_is_read_and_parsed(sim, reader):
    device, rec = reader
    assert rec.wait_for(lambda: device.sam_id is not None)
    assert device.sam_id == "05.01-20101012-0000012345-1234567890"
    for n, fixture in enumerate(FIXTURE_CARDS.values()):
        sim.place(fixture.key)
        assert rec.wait_for(lambda n=n: len(of_type(rec, CardRead)) == n + 1, 10), rec.events
        card = of_type(rec, CardRead)[-1].card
        assert card.name == fixture.name
        assert card.id_number == fixture.id_number
        assert card.address == fixture.address
        assert card.issuing_authority == fixture.issuing_authority
        assert card.nation_code == fixture.nation_code
        assert card.photo_wlt == fixture.photo()
        assert card.id_number_valid == (fixture.key != "badcheck")
        sim.remove()
        assert rec.wait_for(lambda n=n: len(of_type(rec, CardRemoved)) == n + 1, 10)
    cards = {e.card.name: e.card for e in of_type(rec, CardRead)}
    assert cards["李秀英"].valid_to == LONG_TERM and cards["李秀英"].nation == "满"
    assert cards["张伟"].valid_to == date(2035, 6, 1) and cards["张伟"].sex is Sex.MALE
    assert cards["阿依古丽·买买提"].id_number.endswith("X") and cards["阿依古丽·买买提"].nation == "维吾尔"
    assert not of_type(rec, CardReadFailed)
    assert rec.state_names() == ["ok"]


def test_a_card_is_reported_once_per_placement(sim, reader):
    _device, rec = reader
    sim.place("zhang")
    rec.wait_events(1, 10)
    wait_polls(sim, 10)  # the card stays on the reader for ten more polls
    assert len(of_type(rec, CardRead)) == 1
    assert sim.requests_of(Command.READ_BASE_INFO) == 1
    sim.remove()
    assert rec.wait_for(lambda: len(of_type(rec, CardRemoved)) == 1, 10)
    sim.place("zhang")  # the same card again: a new placement, a new report
    assert rec.wait_for(lambda: len(of_type(rec, CardRead)) == 2, 10)
    assert [type(e).__name__ for e in rec.events] == ["CardRead", "CardRemoved", "CardRead"]


def test_read_again_reports_the_card_still_on_the_reader(sim, reader):
    device, rec = reader
    device.read_again()  # no card yet: nothing to do, and the next placement is reported once
    sim.place("zhang")
    assert rec.wait_for(lambda: len(of_type(rec, CardRead)) == 1, 10)
    wait_polls(sim, 5)
    assert len(of_type(rec, CardRead)) == 1
    device.read_again()  # the app asks again while the card stays: read and reported once more
    assert rec.wait_for(lambda: len(of_type(rec, CardRead)) == 2, 10)
    wait_polls(sim, 5)
    assert len(of_type(rec, CardRead)) == 2 and sim.requests_of(Command.READ_BASE_INFO) == 2
    assert not of_type(rec, CardRemoved)


def test_read_failure_reported_once_then_next_placement_reads(sim, reader):
    device, rec = reader
    sim.inject(0x41, Command.READ_BASE_INFO)
    sim.place("li")
    assert rec.wait_for(lambda: len(of_type(rec, CardReadFailed)) == 1, 10)
    failed = of_type(rec, CardReadFailed)[0]
    assert failed.error.sw3 == 0x41
    assert "读证/卡操作失败" in failed.detail and "reading the card failed" in failed.detail
    assert sim.requests_of(Command.READ_BASE_INFO) == device.attempts
    sim.clear_faults()
    wait_polls(sim, 5)
    assert len(rec.events) == 1  # no repeated failure, no read while the same card stays
    sim.remove()
    assert rec.wait_for(lambda: len(of_type(rec, CardRemoved)) == 1, 10)
    sim.place("li")
    assert rec.wait_for(lambda: len(of_type(rec, CardRead)) == 1, 10)
    assert device.state == "ok"


def test_one_transient_read_failure_is_retried_silently(sim, reader):
    _device, rec = reader
    sim.inject(0x41, Command.READ_BASE_INFO, count=1)
    sim.place("zhang")
    events = rec.wait_events(1, 10)
    assert isinstance(events[0], CardRead)
    assert sim.requests_of(Command.READ_BASE_INFO) == 2


def test_authentication_failure_reported(sim, reader):
    device, rec = reader
    sim.inject(0x31, Command.SELECT_CARD)
    sim.place("zhang")
    events = rec.wait_events(1, 10)
    assert isinstance(events[0], CardReadFailed)
    assert "SW3=31" in events[0].detail and "证/卡认证机具失败" in events[0].detail
    assert device.state == "ok"  # a card problem, not a device fault


@pytest.mark.parametrize("sw3", [0x60, 0x66])
def test_sam_fault_is_a_device_state_and_clears(sim, reader, sw3):
    device, rec = reader
    sim.inject(sw3)
    assert device.wait_state("fault", 10)
    assert f"SW3={sw3:02X}" in device.detail
    sim.clear_faults()
    assert device.wait_state("ok", 10)
    sim.place("zhang")
    assert isinstance(rec.wait_events(1, 10)[0], CardRead)
    assert rec.wait_for(lambda: rec.state_names() == ["ok", "fault", "ok"])


def test_corrupted_answers_are_never_accepted(sim, reader):
    device, rec = reader
    sim.place("zhang")
    rec.wait_events(1, 10)
    sim.remove()
    rec.wait_events(2, 10)
    sim.corrupt(3)  # the next three answers carry a wrong checksum
    sim.place("li")
    assert rec.wait_for(lambda: len(of_type(rec, CardRead)) == 2, 15)
    assert of_type(rec, CardRead)[1].card.name == "李秀英"
    assert device.decoder.stats.bad_checksum >= 3
    assert not of_type(rec, CardReadFailed)


def test_unplug_and_replug_recovered(sim, reader):
    device, rec = reader
    sim.place("zhang")
    rec.wait_events(1, 10)
    sim.unplug()
    assert device.wait_state("missing", 10)
    assert rec.wait_for(lambda: len(of_type(rec, CardRemoved)) == 1, 10)
    sim.replug()
    assert device.wait_state("ok", 10)
    # A new connection: the card still on the reader is reported again (the app heard it go).
    assert rec.wait_for(lambda: len(of_type(rec, CardRead)) == 2, 10)
    assert rec.wait_for(lambda: rec.state_names() == ["ok", "missing", "ok"])


def test_silent_reader_goes_offline(tmp_path):
    # A reader at 115200 while the host talks at 9600: both ends see only noise.
    simulator = IdCardSimulator(tmp_path / "idcard", baudrate=115200)
    simulator.start()
    device = IdCardReader(simulator.path, baudrate=9600, poll_interval_s=0.02, answer_timeout_s=0.1)
    rec = Recorder(device)
    device.start(require_port=True)
    try:
        assert device.wait_state("offline", 10)
        assert "does not answer (9600 baud)" in device.detail
        simulator.baudrate = 9600  # the operator fixes the rate on the reader
        assert device.wait_state("ok", 10)
        assert rec.wait_for(lambda: rec.state_names() == ["ok", "offline", "ok"])
    finally:
        device.stop()
        simulator.stop()


# The simulator answers malformed requests as a real reader does -------------------------------


@pytest.fixture
def raw_port(tmp_path):
    simulator = IdCardSimulator(tmp_path / "idcard", card="zhang")
    simulator.start()
    port = serial.Serial(simulator.path, 115200, timeout=0.05)
    yield simulator, port
    port.close()
    simulator.stop()


def exchange(port, request: bytes) -> list[Response]:
    port.write(request)
    decoder = Ga467Decoder()
    for _ in range(100):
        bodies = decoder.feed(port.read(2048))
        if bodies:
            return [Response.from_body(b) for b in bodies]
    raise AssertionError("no answer")


def test_simulator_answers_bad_checksum_length_and_command(raw_port):
    _simulator, port = raw_port
    bad = bytearray(encode_request(Command.FIND_CARD))
    bad[-1] ^= 0x01
    assert [r.sw3 for r in exchange(port, bytes(bad))] == [0x10]
    too_long = bytes.fromhex("AAAAAA9669 FFFF 2001")
    assert [r.sw3 for r in exchange(port, too_long)] == [0x11]
    assert [r.sw3 for r in exchange(port, encode_frame(bytes.fromhex("99 01")))] == [0x21]
    assert [r.sw3 for r in exchange(port, encode_request(Command.RESET))] == [0x90]
    assert [r.sw3 for r in exchange(port, encode_request(Command.STATUS))] == [0x90]


def test_simulator_card_sequence(raw_port):
    simulator, port = raw_port
    assert exchange(port, encode_request(Command.READ_BASE_INFO))[0].sw3 == 0x41  # not selected yet
    assert exchange(port, encode_request(Command.SELECT_CARD))[0].sw3 == 0x81  # not found yet
    assert exchange(port, encode_request(Command.FIND_CARD))[0].sw3 == 0x9F
    assert exchange(port, encode_request(Command.SELECT_CARD))[0].sw3 == 0x90
    answer = exchange(port, encode_request(Command.READ_BASE_INFO))[0]
    assert answer.sw3 == 0x90 and answer.data[:4] == bytes.fromhex("01000400") and len(answer.data) == 1284
    simulator.remove()
    assert exchange(port, encode_request(Command.FIND_CARD))[0].sw3 == 0x80
