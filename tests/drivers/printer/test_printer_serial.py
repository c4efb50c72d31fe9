"""The receipt printer driver against the printer simulator on a real pseudo-terminal."""

from __future__ import annotations

import subprocess

import pytest

from drivers.device import Backoff
from drivers.printer.escpos_parse import render_text
from drivers.printer.printer import ReceiptPrinter
from drivers.printer.receipt import CaseProgress, ProgressStep, case_progress_receipt
from drivers.sim.printer import PrinterSimulator
from tests.support.processes import run_script, stop
from tests.support.serial_sim import Recorder

pytestmark = pytest.mark.serial

FAST = Backoff(initial=0.02, maximum=0.1)
RECEIPT = case_progress_receipt(
    CaseProgress(
        case_id="C2026003",
        item_name="不动产登记",
        state="待领证",
        url="https://zwfw.example.gov.cn/c/C2026003",
        steps=(ProgressStep("受理", "已完成", "2026-11-20 09:12"), ProgressStep("审核", "已完成")),
    )
)


@pytest.fixture
def sim(tmp_path):
    simulator = PrinterSimulator(tmp_path / "printer")
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def printer(sim):
    device = ReceiptPrinter(sim.path, status_interval_s=0.1, status_timeout_s=0.2, backoff=FAST)
    recorder = Recorder(device)
    device.start(require_port=True)
    yield device, recorder
    device.stop()


def test_receipt_printed_byte_for_byte(sim, printer):
    device, _ = printer
    result = device.print_bytes(RECEIPT)
    assert result.printed and result.state == "ok"
    assert sim.receipt_bytes == [RECEIPT]
    assert sim.receipts == [render_text(RECEIPT)]
    assert "不动产登记" in sim.receipts[0]
    assert "[QR] https://zwfw.example.gov.cn/c/C2026003" in sim.receipts[0]


def test_paper_out_is_a_state_and_nothing_is_sent(sim, printer):
    device, rec = printer
    assert device.wait_state("ok", 5)
    sim.set_paper("out")
    assert device.wait_state("paper_out", 5)
    assert "缺纸" in device.detail and "paper out" in device.detail
    before = len(sim.received)
    result = device.print_bytes(RECEIPT)
    assert not result.printed and result.state == "paper_out"
    assert len(sim.received) == before and sim.receipts == []
    sim.set_paper("ok")
    assert device.wait_state("ok", 5)
    assert device.print_bytes(RECEIPT).printed
    assert len(sim.receipts) == 1
    assert rec.wait_for(lambda: rec.state_names() == ["ok", "paper_out", "ok"])


def test_paper_running_out_during_a_receipt(sim, printer):
    device, _ = printer
    assert device.wait_state("ok", 5)
    sim.paper_left_lines = 5  # the roll ends in the middle of the receipt
    result = device.print_bytes(RECEIPT)
    assert not result.printed and result.state == "paper_out"
    assert "打印中缺纸" in result.detail and "paper ran out while printing" in result.detail
    assert sim.receipts == [] and sim.lost_jobs == 1
    assert device.state == "paper_out"


def test_paper_near_end_still_prints(sim, printer):
    device, _ = printer
    sim.set_paper("near_end")
    result = device.print_bytes(RECEIPT)
    assert result.printed and device.paper_near_end and "near end" in result.detail


def test_cover_open_is_offline(sim, printer):
    device, _ = printer
    sim.cover_open = True
    result = device.print_bytes(RECEIPT)
    assert not result.printed and result.state == "offline" and "cover open" in result.detail
    sim.cover_open = False
    assert device.wait_state("ok", 5)


def test_silent_printer_is_offline(sim, printer):
    device, _ = printer
    assert device.wait_state("ok", 5)
    sim.answer_status = False
    assert device.wait_state("offline", 5)
    assert "does not answer" in device.detail
    assert not device.print_bytes(RECEIPT, timeout=1).printed
    sim.answer_status = True
    assert device.wait_state("ok", 5)


def test_unplugged_printer_is_missing_and_comes_back(sim, printer):
    device, rec = printer
    assert device.wait_state("ok", 5)
    sim.unplug()
    assert device.wait_state("missing", 5)
    result = device.print_bytes(RECEIPT)
    assert not result.printed and result.state == "missing"
    sim.replug()
    assert device.wait_state("ok", 5)
    assert device.print_bytes(RECEIPT).printed
    assert rec.wait_for(lambda: rec.state_names() == ["ok", "missing", "ok"])


def test_hall_sim_printer_shows_the_receipt(tmp_path):
    link = tmp_path / "printer"
    proc = run_script("hall-sim", "printer", "--link", str(link), stdin=subprocess.PIPE)
    device = None
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == str(link)
        device = ReceiptPrinter(str(link), status_interval_s=0.1)
        device.start(require_port=True)
        assert device.print_bytes(RECEIPT).printed
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("===== end"):
                break
        assert lines[0] == "===== receipt ====="
        assert "\n".join(lines[1:-1]) == render_text(RECEIPT)
        proc.stdin.write("paper out\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "paper out"
        assert device.wait_state("paper_out", 5)
    finally:
        if device is not None:
            device.stop()
        stop(proc)
