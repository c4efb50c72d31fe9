"""`hall-sim idcard` and `hall-probe idcard` run as installed console scripts, as a technician would."""

from __future__ import annotations

import subprocess

import pytest

from drivers.sim.idcard import FIXTURE_CARDS, IdCardSimulator
from tests.support.processes import read_json_lines, run_script, stop

pytestmark = pytest.mark.serial


def _cards(lines):
    return [o for o in lines if o["event"] == "card"]


def test_probe_prints_masked_card_lines(tmp_path):
    sim = IdCardSimulator(tmp_path / "idcard", card="li")
    sim.start()
    proc = run_script("hall-probe", "idcard", sim.path, "--count", "3", "--timeout", "30")
    try:
        lines = read_json_lines(proc, lambda o: o["event"] == "card")
        assert _cards(lines) == [
            {
                "device": "idcard",
                "event": "card",
                "id_number": "310***********0022",
                "name": "李**",
                "sex": "女",
                "nation": "满",
                "birth_date": "1950-08-08",
                "valid_from": "2010-01-05",
                "valid_to": "长期",
                "id_number_valid": True,
            }
        ]
        sim.remove()
        read_json_lines(proc, lambda o: o["event"] == "removed")
        sim.place("badcheck")
        card = _cards(read_json_lines(proc, lambda o: o["event"] == "card"))[0]
        assert card["id_number"] == "210***********1051" and card["name"] == "王*"
        assert card["id_number_valid"] is False
        assert proc.wait(10) == 0
        assert proc.stdout is not None and proc.stderr is not None
        out = proc.stdout.read() + proc.stderr.read()
        for fixture in FIXTURE_CARDS.values():  # no full name or number anywhere, logs included
            assert fixture.id_number not in out and fixture.address not in out
    finally:
        stop(proc)
        sim.stop()


def test_probe_show_pii(tmp_path):
    sim = IdCardSimulator(tmp_path / "idcard", card="ayguli", baudrate=9600)
    sim.start()
    proc = run_script("hall-probe", "idcard", sim.path, "--baud", "9600", "--show-pii", "--count", "1")
    try:
        card = _cards(read_json_lines(proc, lambda o: o["event"] == "card"))[0]
        assert card["name"] == "阿依古丽·买买提"
        assert card["id_number"] == "65010219920215106X"
        assert card["nation"] == "维吾尔" and card["valid_to"] == "2042-03-10"
        assert proc.wait(10) == 0
    finally:
        stop(proc)
        sim.stop()


def test_probe_bad_port_exits_nonzero_with_one_line(tmp_path):
    proc = run_script("hall-probe", "idcard", str(tmp_path / "no-such-reader"))
    out, err = proc.communicate(timeout=20)
    assert proc.returncode != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and "no-such-reader" in err


def test_hall_sim_idcard_scripted_against_the_probe(tmp_path):
    link = tmp_path / "reader"
    sim = run_script("hall-sim", "idcard", "--link", str(link), stdin=subprocess.PIPE)
    assert sim.stdin is not None and sim.stdout is not None
    probe = None
    try:
        assert sim.stdout.readline().strip() == str(link)
        sim.stdin.write("status\n")
        sim.stdin.flush()
        assert "card none" in sim.stdout.readline()
        probe = run_script("hall-probe", "idcard", str(link), "--count", "3", "--timeout", "30")
        read_json_lines(probe, lambda o: o["event"] == "state" and o["state"] == "ok")
        sim.stdin.write("place zhang\n")
        sim.stdin.flush()
        assert sim.stdout.readline().strip() == "placed zhang"
        card = _cards(read_json_lines(probe, lambda o: o["event"] == "card"))[0]
        assert card["name"] == "张*" and card["id_number"] == "110***********1239"
        sim.stdin.write("fault 41 read\nremove\n")
        sim.stdin.flush()
        assert sim.stdout.readline().startswith("fault 41")
        read_json_lines(probe, lambda o: o["event"] == "removed")
        sim.stdin.write("place child\n")
        sim.stdin.flush()
        failed = read_json_lines(probe, lambda o: o["event"] == "read_failed")[-1]
        assert "SW3=41" in failed["detail"]
        assert probe.wait(10) == 0
        sim.stdin.write("quit\n")
        sim.stdin.flush()
        assert sim.wait(10) == 0
    finally:
        if probe is not None:
            stop(probe)
        stop(sim)
