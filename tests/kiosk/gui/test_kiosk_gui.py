"""The kiosk's real window (offscreen SDL, real pixels), each run in its own process.

- every screen in every mode (standard / elderly, zh_CN / en / mn) is rendered and saved under
  artifacts/screenshots/kiosk/ (looked at by a person; here: they exist and are not blank), every
  text checked against WCAG AA contrast and each screen against what it must show;
- end to end: real brokers (bridged), the real county service with imported cases, the kiosk
  service with GA 467 reader, scanner and printer simulators on ptys: card → timeline on screen,
  receipt bytes, paper out, rating stored once, a second one refused, county away and back,
  idle reset leaving nothing on screen.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from county.store import SqliteStore
from tests.support.county import county_process

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "artifacts" / "screenshots" / "kiosk"


def run(args: list[str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


@pytest.mark.gui
@pytest.mark.parametrize("mode", [[], ["elderly"], ["en"], ["mn"], ["elderly", "mn"]], ids="-".join)
def test_every_screen_renders(mode: list[str]) -> None:
    r = run(["tests.kiosk.gui.shoot_screens", str(SHOTS), *mode])
    assert r.returncode == 0, r.stderr[-3000:]
    lang = next((m for m in mode if m != "elderly"), "zh_CN")
    suffix = ("-elderly" if "elderly" in mode else "") + "-" + lang
    manifest = json.loads((SHOTS / f"manifest{suffix}.json").read_text())
    shots = manifest["shots"]
    assert len(shots) == 20
    # every text of every screen: WCAG AA contrast (tests/support/contrast.py), and what each
    # screen must show (tests/kiosk/gui/screen_checks.py): whole header title, Chinese lines
    # filled, large words on message screens, English first in English mode, a keyboard's rows,
    # Mongolian on every department and theme in 蒙文 mode, tile titles within their tiles
    assert all(n > 0 for n in manifest["checked"].values()), manifest["checked"]
    assert {k: v for k, v in manifest["contrast"].items() if v} == {}
    assert {k: v for k, v in manifest["layout"].items() if v} == {}
    for name in shots:
        im = Image.open(SHOTS / name)
        assert im.size == (1080, 1920)
        # a real frame: the header band and text, not one flat colour
        assert max(ImageStat.Stat(im.convert("L")).stddev) > 10, name


@pytest.mark.gui
@pytest.mark.broker
@pytest.mark.serial
def test_kiosk_end_to_end(hall_pair, tmp_path):
    county = county_process(hall_pair, tmp_path / "county")
    export = tmp_path / "cases.json"
    for cmd in (["demo-cases", str(export)], ["import-cases", str(export)]):
        r = run(["county.main", "--config", str(county.config), *cmd], timeout=60)
        assert r.returncode == 0, r.stderr
    county.start()
    kiosk = hall_pair.device("kiosk-01")
    ctl = tmp_path / "control"
    ctl.mkdir()
    spec = {
        "work": str(tmp_path / "kiosk"), "control": str(ctl), "shots": str(SHOTS),
        "device_id": "kiosk-01", "hall_id": hall_pair.hall_id,
        "mqtt": {"url": kiosk.url, "username": kiosk.username, "password_file": str(kiosk.password_file)},
    }  # fmt: skip
    (tmp_path / "kiosk").mkdir()
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "tests.kiosk.gui.e2e_scenario", str(spec_file)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            if (ctl / "want-county-down").exists() and not (ctl / "done-county-down").exists():
                county.kill()
                (ctl / "done-county-down").touch()
            if (ctl / "want-county-up").exists() and not (ctl / "done-county-up").exists():
                county.start()
                (ctl / "done-county-up").touch()
            time.sleep(0.05)
        out = proc.communicate(timeout=30)[0] if proc.poll() is not None else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        county.kill()
    assert proc.returncode == 0, out[-4000:]
    result = json.loads((tmp_path / "kiosk" / "result.json").read_text(encoding="utf-8"))
    assert result.get("ok"), result
    store = SqliteStore(county.database)
    try:
        sql = "SELECT channel, input, level FROM ratings WHERE case_id = ?"
        rows = store.rows(sql, (result["rated_case"],))
    finally:
        store.close()
    assert rows == [(5, "touch", 5)]  # stored exactly once, from the kiosk's touch screen
