"""The reader's poll state machine without threads: `attach` to an in-memory port, a fake clock,
answers fed to `on_bytes` by hand. What the driver writes is read back from the `loop://` port."""

from __future__ import annotations

import logging

import serial
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clock import FakeClock
from drivers.idcard.ga467 import MIN_REQUEST_LEN, Command, Ga467Decoder, Request, encode_response
from drivers.idcard.reader import CardRead, CardReadFailed, CardRemoved, IdCardReader
from drivers.sim.idcard import FIXTURE_CARDS, SAM_ID
from tests.support.serial_sim import Recorder

FOUND = encode_response(0x9F, bytes(4))
NO_CARD = encode_response(0x80)
SELECTED = encode_response(0x90, bytes(8))
CARD = encode_response(0x90, FIXTURE_CARDS["zhang"].base_info())


class Bench:
    def __init__(self, **options):
        self.clock = FakeClock()
        self.port = serial.serial_for_url("loop://", timeout=0)
        self.reader = IdCardReader("loop://", clock=self.clock, poll_interval_s=0.25, **options)
        self.rec = Recorder(self.reader)
        self.decoder = Ga467Decoder(min_len=MIN_REQUEST_LEN)
        self.reader.attach(self.port)

    def sent(self) -> list[Command | None]:
        return [Request.from_body(b).command for b in self.decoder.feed(self.port.read(4096))]

    def answer(self, frame: bytes) -> None:
        self.reader.on_bytes(frame, self.clock.monotonic())

    @property
    def state(self) -> str:
        return self.reader.state

    def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.reader.on_tick(self.clock.monotonic())


def placed_and_read(bench: Bench) -> None:
    bench.tick(0.25)
    assert bench.sent() == [Command.FIND_CARD]
    bench.answer(FOUND)
    assert bench.sent() == [Command.SELECT_CARD]
    bench.answer(SELECTED)
    assert bench.sent() == [Command.READ_BASE_INFO]
    bench.answer(CARD)


def started() -> Bench:
    bench = Bench()
    assert bench.sent() == [Command.SAM_ID]
    bench.answer(encode_response(0x90, SAM_ID))
    assert bench.reader.sam_id == "05.01-20101012-0000012345-1234567890"
    return bench


def test_poll_cycle_and_once_per_placement():
    bench = started()
    bench.tick(0.1)
    assert bench.sent() == []  # waits for the poll interval
    placed_and_read(bench)
    assert [type(e) for e in bench.rec.events] == [CardRead]
    for _ in range(5):  # still on the reader: find only, no new read, no new report
        bench.tick(0.25)
        assert bench.sent() == [Command.FIND_CARD]
        bench.answer(FOUND)
    assert len(bench.rec.events) == 1


def test_one_no_card_answer_is_not_yet_a_removal():
    bench = started()
    placed_and_read(bench)
    bench.tick(0.25)
    bench.sent()
    bench.answer(NO_CARD)  # a single miss (RF hiccup)
    assert len(bench.rec.events) == 1
    bench.tick(0.25)
    bench.sent()
    bench.answer(FOUND)
    bench.tick(0.25)
    bench.sent()
    bench.answer(NO_CARD)
    bench.tick(0.25)
    bench.sent()
    bench.answer(NO_CARD)  # two in a row: lifted
    assert [type(e) for e in bench.rec.events] == [CardRead, CardRemoved]


def test_silence_makes_offline_and_an_answer_brings_ok():
    bench = started()
    for _ in range(3):
        bench.tick(0.25)
        assert bench.sent() == [Command.FIND_CARD]
        bench.tick(1.0)  # no answer
    assert bench.state == "offline"
    assert "does not answer (115200 baud)" in bench.reader.detail
    bench.tick(0.25)
    bench.sent()
    bench.answer(NO_CARD)
    assert bench.state == "ok"
    assert bench.rec.state_names() == ["ok", "offline", "ok"]


def test_rejected_request_is_resent_then_fault():
    bench = started()
    bench.tick(0.25)
    bench.sent()
    bench.answer(encode_response(0x10))  # the reader saw a bad checksum: send the same again
    assert bench.sent() == [Command.FIND_CARD]
    bench.answer(NO_CARD)
    assert bench.state == "ok"
    bench.tick(0.25)
    bench.sent()
    for _ in range(3):
        bench.answer(encode_response(0x11))
        bench.sent()
    assert bench.state == "fault" and "SW3=11" in bench.reader.detail


def test_card_data_not_in_the_layout_is_a_read_failure():
    bench = started()
    broken = encode_response(0x90, FIXTURE_CARDS["zhang"].base_info()[:4] + bytes(1280))
    for _ in range(3):
        bench.tick(0.25)
        bench.sent()
        bench.answer(FOUND)
        bench.sent()
        bench.answer(SELECTED)
        bench.sent()
        bench.answer(broken)
    assert [type(e) for e in bench.rec.events] == [CardReadFailed]
    assert "not a GB/T 2261.1 code" in bench.rec.events[0].detail


def test_card_lifted_during_the_read_is_not_a_failure():
    bench = started()
    bench.tick(0.25)
    bench.sent()
    bench.answer(FOUND)
    bench.sent()
    bench.answer(encode_response(0x80))  # select: no card any more
    assert bench.rec.events == []


def test_reader_without_sam_id_command_still_polls():
    bench = Bench()
    bench.sent()
    bench.answer(encode_response(0x21))  # command error: 12 FF not implemented
    assert bench.reader.sam_id == ""
    bench.tick(0.25)
    assert bench.sent() == [Command.FIND_CARD]


def test_unsolicited_and_wrongly_shaped_answers_are_ignored():
    bench = started()
    bench.answer(FOUND)  # nothing in flight
    bench.tick(0.25)
    bench.sent()
    bench.answer(encode_response(0x90, bytes(8)))  # a select-shaped answer to find: not an answer
    assert bench.reader.decoder.stats.bad_shape == 1
    bench.answer(NO_CARD)
    assert bench.rec.events == [] and bench.state == "ok"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=12), st.booleans())
def test_hostile_bytes_never_break_the_driver(chunks, with_card):
    bench = started()
    bench.tick(0.25)
    bench.sent()
    for chunk in chunks:
        bench.answer(chunk)  # on_bytes must neither raise nor report a card from noise
        bench.tick(0.3)
        bench.sent()
    assert not any(isinstance(e, CardRead) for e in bench.rec.events)
    if with_card:  # and the driver still works afterwards
        bench.reader.decoder.clear()
        bench.tick(1.0)
        bench.sent()
        bench.answer(NO_CARD)
        placed_and_read(bench)
        assert isinstance(bench.rec.events[-1], CardRead)


def test_no_citizen_data_in_logs_or_event_reprs(caplog):
    caplog.set_level(logging.DEBUG)
    bench = started()
    placed_and_read(bench)
    fixture = FIXTURE_CARDS["zhang"]
    text = caplog.text + "".join(repr(e) for e in bench.rec.events)
    assert "张*" in text  # the masked card is what shows
    for secret in (fixture.name, fixture.id_number, fixture.address, fixture.birth_date):
        assert secret not in text
