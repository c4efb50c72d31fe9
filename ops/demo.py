"""`hall-demo`: a whole simulated hall on one machine.

Starts the county and hall Mosquitto brokers (rendered from `broker_config/`, bridged), the
county service (`hall-county`, reporting every rating to a simulated provincial 好差评 system,
county/upstream/province_sim.py), a self-service kiosk (unless --no-kiosk), and service windows
(two by default, `--windows N` up to 60), each with a simulated hk1 keypad and staff-card reader
on pseudo-terminals and its own `hall-evaluator` process (with windows when a display exists,
headless otherwise). A script plays the hall: clerks sign in with their cards, the window
business system invites each finished case to be rated, citizens press keys (and sometimes walk
away, so the invitation expires), a keypad resends a key frame now and then, a clerk hands over
to a colleague, a citizen lays an ID card on the kiosk. A live tally of what the county has
stored is printed every few seconds, and the hall managers' monitor view (`hall-monitor`) every
15 s. Ctrl-C stops everything (children in order, then the brokers). `--supervise` restarts a
child that dies, as systemd would (ops/supervisor.py), instead of stopping the hall.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from core.accounts import COUNTY_SERVICE, MANAGER, MONITOR
from core.clock import CHINA_TZ, SystemClock
from core.commands import InviteCommand
from core.config import MqttSettings
from core.device_config import DeviceConfig, StaffMember
from core.events import StaffRef
from core.hall_view import HallState
from core.logs import setup_logging
from county.upstream.province_sim import Province
from drivers.sim.keypad import KeypadSim
from drivers.sim.line import StaffCardSim
from evaluator.controller import REASONS_MIN_S
from monitor.main import watch
from monitor.render import render
from ops import brokers
from ops.commander import Commander, CommandTimeout
from ops.procs import HOST, die_with_parent, free_port, listening, stop_process
from ops.screen_layout import Place, layout, screen_size
from ops.supervisor import GaveUp, Supervisor, Unit

log = logging.getLogger("hall-demo")

HALL_ID = "demo-hall"
DEMO_AREA_CODE = "110101000000"  # the province's code for the demo county (行政区划, 12 digits)
KIOSK_ID = "kiosk-01"
DEMO_USER = "manager"  # the web console login hall-demo makes (password printed at start)
ITEMS = (
    ("11110000000000000A", "居民身份证换领"),
    ("11110000000000000B", "户口迁移"),
    ("11110000000000000C", "营业执照变更登记"),
    ("11110000000000000D", "不动产登记"),
    ("11110000000000000E", "社会保险参保登记"),
)
# what the windows do, in turn (window 5 is household registration again, and so on)
WINDOW_KINDS = (
    ("户籍业务", "Household registration", (1280, 800)),
    ("商事登记", "Business registration", (800, 1280)),
    ("不动产", "Real estate", (1280, 800)),
    ("社保", "Social insurance", (800, 1280)),
)
MAX_WINDOWS = 60  # a county hall has 20-40; device ids run eval-01 .. eval-60
GUI_WINDOWS = 4  # with a display, the first four windows draw; the rest run headless


def window_names(n: int) -> tuple[str, str, str, tuple[int, int]]:
    """Window number n (1-based): its id, Chinese and English name, and screen size."""
    zh, en, size = WINDOW_KINDS[(n - 1) % len(WINDOW_KINDS)]
    return f"w{n:02d}", f"{n}号窗口 {zh}", f"Window {n} · {en}", size


# --supervise restarts a child that died as the units in systemd/ do (Restart=always, RestartSec=2)
# and, like systemd's start limit, gives up on one that keeps dying.
RESTART_SEC = 2.0
START_LIMIT = (5, 60.0)  # at most 5 restarts of one child within 60 s
SURNAMES = "王李张刘陈杨赵黄"
GIVEN = ("芳", "明", "敏", "强", "静", "磊", "丽", "军")


class DemoError(RuntimeError):
    pass


KIOSK_SIZE = (1080, 1920)  # the kiosk's design size (a portrait panel)
REASONS_SCREEN_S = REASONS_MIN_S  # how long a 差评's reasons screen waits for the citizen


def citizen_level(rnd: random.Random, gui: bool) -> int:
    """What a citizen presses. Mostly content; now and then a 差评 (1-2), at a keypad-only window
    and, less often, where a screen then asks for the reason, so that screen is seen too."""
    weights = [50, 31, 13, 4, 2] if gui else [45, 30, 12, 8, 5]
    return rnd.choices([5, 4, 3, 2, 1], weights)[0]


def window_position(place: Place | None) -> dict[str, str]:
    """Kivy's config by environment (KCFG_<section>_<key>): where the window opens."""
    if place is None:
        return {}
    return {
        "KCFG_GRAPHICS_POSITION": "custom",
        "KCFG_GRAPHICS_LEFT": str(place.x),
        "KCFG_GRAPHICS_TOP": str(place.y),
    }


# Written in the folder the demo made: a later `--dir` at the same place is known as an earlier run.
MARKER = ".hall-demo"


class Console:
    """The demo's own output. A closed pipe (`hall-demo | head`) or a terminal that went away
    (SIGHUP, a lost SSH session) must stop the demo in order, not kill it between two prints and
    leave its brokers, county and evaluators running."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.closed = False
        self._lock = threading.Lock()

    def show(self, text: str, *, error: bool = False) -> None:
        with self._lock:
            if self.closed:
                return
            try:
                print(text, file=sys.stderr if error else sys.stdout, flush=True)
            except OSError:  # BrokenPipeError, or EIO from a hung-up terminal
                self.closed = True
                self.stop.set()
                # nothing more can be shown; keep Python's exit flush from failing again
                devnull = os.open(os.devnull, os.O_WRONLY)
                for stream in (sys.stdout, sys.stderr):
                    with contextlib.suppress(OSError, ValueError):
                        os.dup2(devnull, stream.fileno())
                os.close(devnull)


def prepare_dir(root: Path, fresh: bool) -> str | None:
    """Make the demo's folder; what to tell about an earlier run in it (None: nothing to tell).
    Raises DemoError (one line) for a folder that cannot be one."""
    if root.exists() and not root.is_dir():
        raise DemoError(f"--dir {root}: is a file, not a folder")
    earlier = (root / MARKER).exists()
    if root.is_dir() and any(root.iterdir()):
        if fresh and not earlier:
            raise DemoError(
                f"--dir {root}: not empty and not an earlier hall-demo folder; "
                "--fresh empties only those (choose a new folder)"
            )
        if fresh:
            try:
                for entry in root.iterdir():
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry)
                    else:
                        entry.unlink()
            except OSError as e:
                raise DemoError(f"--dir {root}: cannot empty it: {e.strerror or e}") from None
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / MARKER).write_text("a hall-demo folder (hall-demo --fresh empties it)\n", encoding="utf-8")
    except OSError as e:
        raise DemoError(f"--dir {root}: cannot use it: {e.strerror or e}") from None
    if earlier and not fresh:
        return (
            f"{root} holds an earlier run: its ratings and logs stay and count in the tally "
            "(--fresh starts clean)"
        )
    return None


def find_program(name: str, *fallbacks: str) -> str:
    found = shutil.which(name) or next((f for f in fallbacks if Path(f).is_file()), None)
    if found is None:
        raise DemoError(f"{name} not found: install the Debian package mosquitto (scripts/setup does)")
    return found


@dataclass
class Child:
    """A child process in its own session: Ctrl-C reaches only the demo, which stops it in order."""

    name: str
    args: list[str]
    log_path: Path
    env: dict[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                self.args,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
                preexec_fn=die_with_parent,  # and SIGKILL when the demo dies, even by SIGKILL
            )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout)
        self.proc = None

    def how_it_ended(self) -> str:
        rc = None if self.proc is None else self.proc.poll()
        if rc is None:
            return "running"
        if rc < 0:
            try:
                return f"killed by {signal.Signals(-rc).name}"
            except ValueError:
                return f"killed by signal {-rc}"
        return f"exited with status {rc}"

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Window:
    device_id: str
    window_id: str
    config: DeviceConfig
    keypad: KeypadSim
    cards: StaffCardSim
    evaluator: Child
    gui: bool
    clerk: StaffMember | None = None
    cases: int = 0


@dataclass
class Hall:
    root: Path
    headless: bool
    windows_n: int
    children: list[Child] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    county_db: Path = Path()
    hall_port: int = 0
    county_port: int = 0
    manager: Commander | None = None
    with_kiosk: bool = False
    kiosk: Any = None  # ops.kiosk_demo.KioskDemo when --kiosk
    monitor_state: HallState = field(default_factory=lambda: HallState(SystemClock()))
    monitor_lock: threading.Lock = field(default_factory=threading.Lock)
    monitor_client: Any = None  # paho client of start_monitor
    console_url: str = ""
    console_login: tuple[str, str] = ("", "")
    province: Province | None = None  # the simulated provincial system (start_county)
    console: Console = field(default_factory=lambda: Console(threading.Event()))
    _last_view: str = ""
    gui: bool = False
    places: list[Place] = field(default_factory=list)  # the evaluators' windows on the display
    kiosk_place: Place | None = None

    def show(self, text: str) -> None:
        self.console.show(text)

    # -- brokers and county ------------------------------------------------------------------------

    def account(self, username: str) -> MqttSettings:
        """Settings for an account at the hall broker (made by `start_brokers`)."""
        return MqttSettings(
            url=f"mqtt://{HOST}:{self.hall_port}",
            username=username,
            password_file=self.root / "brokers" / "secrets" / f"{username}.password",
        )

    def start_brokers(self) -> None:
        """Both brokers rendered from broker_config/ (ops.brokers), with every account the demo
        needs, then started (county first) and waited for."""
        mosquitto = find_program("mosquitto", "/usr/sbin/mosquitto")
        self.hall_port, self.county_port = free_port(), free_port()
        devices = [f"eval-{i + 1:02d}" for i in range(self.windows_n)]
        if self.with_kiosk:
            devices.append(KIOSK_ID)
        try:
            local = brokers.prepare_local_pair(
                self.root / "brokers",
                HALL_ID,
                devices,
                self.hall_port,
                self.county_port,
                run_as_root=os.geteuid() == 0,
            )
        except brokers.RenderError as e:
            raise DemoError(str(e)) from None
        for name, conf, port in (
            ("county-broker", local.county_conf, self.county_port),
            ("hall-broker", local.hall_conf, self.hall_port),
        ):
            # China time in its log lines too (the zone every log of the hall uses, core/logs.py)
            child = Child(
                name,
                [mosquitto, "-c", str(conf)],
                self.root / f"{name}.log",
                env={**os.environ, "TZ": "Asia/Shanghai"},
            )
            child.start()
            self.children.append(child)
            deadline = time.monotonic() + 10
            while not listening(port):
                if not child.alive or time.monotonic() > deadline:
                    raise DemoError(f"{name} did not start:\n{child.tail()}")
                time.sleep(0.05)
        county_url, hall_url = f"mqtt://{HOST}:{self.county_port}", f"mqtt://{HOST}:{self.hall_port}"
        self.show(f"  brokers: county {county_url}, hall {hall_url}, bridged")

    def start_county(self) -> None:
        svc = self.account(COUNTY_SERVICE)
        self.county_db = self.root / "county.db"
        conf = self.root / "county.toml"
        # the provincial 好差评 system, simulated in this process: the county reports every rating to it
        token = self.root / "province.token"
        token.write_text(secrets.token_hex(16), encoding="utf-8")
        self.province = Province(token.read_text(encoding="utf-8")).start()
        conf.write_text(
            "\n".join(
                [
                    f'database = "sqlite:///{self.county_db}"',
                    f'cases_database = "{self.root / "cases.db"}"',
                    "[upstream]",
                    f'url = "{self.province.url}"',
                    'profile = "zj"',
                    f'area_code = "{DEMO_AREA_CODE}"',
                    'dept_code = "DEMO-HALL"',
                    'data_source = "hall-demo"',
                    f'token_file = "{token}"',
                    "status_every_s = 2",
                    "[mqtt]",
                    f'url = "mqtt://{HOST}:{self.county_port}"',
                    f'username = "{COUNTY_SERVICE}"',
                    f'password_file = "{svc.password_file}"',
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        if self.with_kiosk:
            from ops.kiosk_demo import seed_county_cases

            if seed_county_cases(conf) != 0:
                raise DemoError("could not import the demo cases into the county")
        child = Child(
            "hall-county",
            [sys.executable, "-m", "county.main", "--config", str(conf)],
            self.root / "county.log",
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        child.start()
        self.children.append(child)
        self._wait_county_online(child)
        self.show(f"  county service: storing into {self.county_db}")
        self.show(f"  province (simulated 省级好差评系统): {self.province.url}")

    def start_console(self, port: int) -> None:
        """`hall-console` on the county side (monitor account for the grid, manager account for
        commands) with one demo login for this hall, printed with the URL."""
        if port == 0 or listening(port):
            port = free_port()
        monitor, manager = self.account(MONITOR), self.account(MANAGER)
        conf = self.root / "console.toml"
        conf.write_text(
            "\n".join(
                [
                    f'database = "sqlite:///{self.county_db}"',
                    f'accounts_database = "{self.root / "console-accounts.db"}"',
                    f'cases_database = "{self.root / "cases.db"}"',
                    f'id_key_file = "{self.root / "id-hmac.key"}"',
                    *[
                        line
                        for section, s in (("mqtt", monitor), ("commands", manager))
                        for line in (
                            f"[{section}]",
                            f'url = "mqtt://{HOST}:{self.county_port}"',
                            f'username = "{s.username}"',
                            f'password_file = "{s.password_file}"',
                        )
                    ],
                    "[web]",
                    f'listen = "{HOST}:{port}"',
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        password = secrets.token_urlsafe(9)
        pw_file = self.root / "console-demo.password"
        pw_file.write_text(password + "\n", encoding="utf-8")
        pw_file.chmod(0o600)
        made = subprocess.run(
            [
                sys.executable,
                "-m",
                "console.main",
                "--config",
                str(conf),
                "add-user",
                DEMO_USER,
                "--role",
                "manager",
                "--hall",
                HALL_ID,
                "--password-file",
                str(pw_file),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if made.returncode != 0:
            raise DemoError(f"hall-console add-user failed: {made.stderr.strip()}")
        child = Child(
            "hall-console",
            [sys.executable, "-m", "console.main", "--config", str(conf)],
            self.root / "console.log",
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        child.start()
        self.children.append(child)
        deadline = time.monotonic() + 20
        while not listening(port):
            if not child.alive or time.monotonic() > deadline:
                raise DemoError(f"hall-console did not start:\n{child.tail()}")
            time.sleep(0.1)
        self.console_url = f"http://{HOST}:{port}/"
        self.console_login = (DEMO_USER, password)
        self.show(
            f"  web console: {self.console_url}  login {DEMO_USER} / {password}"
            f"  (public screen: {self.console_url}display/{HALL_ID})"
        )

    def _wait_county_online(self, child: Child, timeout: float = 60.0) -> None:
        """Online as the monitor sees it through the hall broker: proves the county and the bridge
        are up. A bridge whose first attempt failed (a loaded machine) retries 15-30 s later
        (broker_config/bridge.conf.in), hence a minute."""
        deadline = time.monotonic() + timeout
        while True:
            with self.monitor_lock:
                if self.monitor_state.county_online:
                    return
            if not child.alive or time.monotonic() > deadline:
                raise DemoError(f"the county service is not online:\n{child.tail()}")
            time.sleep(0.2)

    # -- windows -------------------------------------------------------------------------------

    def plan_screen(self) -> None:
        """With a display: every window side by side and inside the screen, the kiosk scaled to
        its height (without a window manager they would all open at (0, 0), on top of each other)."""
        self.gui = not self.headless and bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        screen = screen_size() if self.gui else None
        if screen is None:
            return
        # only the first GUI_WINDOWS draw; the rest run headless and need no place
        sizes = [window_names(i + 1)[3] for i in range(min(self.windows_n, GUI_WINDOWS))]
        self.places, self.kiosk_place = layout(screen, sizes, KIOSK_SIZE if self.with_kiosk else None)

    def start_windows(self) -> None:
        self.plan_screen()
        gui = self.gui
        names = iter(random.sample([s + g for s in SURNAMES for g in GIVEN], 2 * self.windows_n))
        for i in range(self.windows_n):
            window_id, name, name_en, size = window_names(i + 1)
            place = self.places[i] if i < len(self.places) else None
            if place is not None:
                size = (max(320, place.width), max(320, place.height))
            device_id = f"eval-{i + 1:02d}"
            staff = [
                StaffMember(
                    id=f"S{i + 1}{k}", name=next(names), card=f"CARD-{i + 1}{k:03d}", title="综合窗口受理员"
                )
                for k in (1, 2)
            ]
            config = DeviceConfig(
                window_name=name,
                window_name_en=name_en,
                staff=staff,
                rating_url="https://hcp.example.gov.cn/rate?case={case_id}&n={assess_number}",
            )
            wdir = self.root / device_id
            wdir.mkdir(parents=True, exist_ok=True)
            (wdir / "initial-config.json").write_text(config.to_json().decode(), encoding="utf-8")
            keypad, cards = KeypadSim(serial=f"HK1-DEMO-{i + 1:04d}"), StaffCardSim()
            keypad.start()
            cards.start()
            mq = self.account(device_id)
            toml = wdir / "evaluator.toml"
            toml.write_text(
                "\n".join(
                    [
                        f'device_id = "{device_id}"',
                        f'hall_id = "{HALL_ID}"',
                        f'window_id = "{window_id}"',
                        f'state_dir = "{wdir / "state"}"',
                        f'initial_config = "{wdir / "initial-config.json"}"',
                        f"screen_width = {size[0]}",
                        f"screen_height = {size[1]}",
                        "[mqtt]",
                        f'url = "{mq.url}"',
                        f'username = "{device_id}"',
                        f'password_file = "{mq.password_file}"',
                        "[serial]",
                        f'keypad = "{keypad.path}"',
                        f'staff_card = "{cards.path}"',
                    ]
                )
                + "\n",
                encoding="utf-8",
            )
            args = [sys.executable, "-m", "evaluator.main", "--config", str(toml)]
            if not gui or i >= GUI_WINDOWS:
                args.append("--headless")
            env = {**os.environ, "PYTHONUNBUFFERED": "1", **window_position(place)}
            child = Child(device_id, args, wdir / "evaluator.log", env=env)
            child.start()
            self.children.append(child)
            drawn = gui and i < GUI_WINDOWS
            self.windows.append(Window(device_id, window_id, config, keypad, cards, child, drawn))
            mode = "with a window" if drawn else "headless"
            self.show(f"  {device_id} ({name}): keypad {keypad.path}, staff card {cards.path}, {mode}")
        self.manager = Commander(self.account(MANAGER))

    def start_kiosk(self) -> None:
        from ops.kiosk_demo import start_kiosk

        p = self.kiosk_place
        extra = (
            ""
            if p is None
            else (f"screen_width = {p.width}\nscreen_height = {p.height}\nui_scale = {p.scale:.4f}")
        )
        self.kiosk = start_kiosk(
            self.root / KIOSK_ID,
            self.account(KIOSK_ID),
            HALL_ID,
            device_id=KIOSK_ID,
            extra_toml=extra,
            env=window_position(p),
        )
        self.show(f"  {KIOSK_ID}: self-service kiosk with ID card reader, scanner and printer simulators")

    def play_kiosk(self, stop: threading.Event) -> None:
        """Now and then a citizen lays an ID card on the kiosk's reader, reads the cases, leaves."""
        rnd = random.Random(KIOSK_ID)
        while not stop.wait(rnd.uniform(12, 20)):
            who = rnd.choice(["zhang", "li"])
            self.kiosk.tap_card(who)
            self.say(f"{KIOSK_ID}: a citizen ({who}) lays an ID card on the kiosk reader")
            stop.wait(5)
            self.kiosk.lift_card()

    def wait_windows_ready(self, stop: threading.Event, timeout: float | None = None) -> None:
        """Every evaluator has opened its keypad (it disables the keys at start): it is running.
        Twenty evaluators starting at once on two cores take a while: 90 s plus 5 s a window."""
        deadline = time.monotonic() + (timeout or 90.0 + 5.0 * len(self.windows))
        for w in self.windows:
            while not w.keypad.host_bytes and not stop.is_set():
                if not w.evaluator.alive:
                    raise DemoError(f"{w.device_id} stopped:\n{w.evaluator.tail()}")
                if time.monotonic() > deadline:
                    raise DemoError(f"{w.device_id} did not open its keypad in time")
                time.sleep(0.1)

    # -- the script ----------------------------------------------------------------------------------

    def invite(self, w: Window, expires_in_s: float | None = None) -> tuple[str, str]:
        assert self.manager is not None and w.clerk is not None
        w.cases += 1
        code, item = random.choice(ITEMS)
        case_id = f"{w.window_id.upper()}-{time.strftime('%Y%m%d')}-{w.cases:04d}-{secrets.token_hex(2)}"
        cmd = InviteCommand(
            case_id=case_id,
            item_code=code,
            item_name=item,
            staff=[StaffRef(id=w.clerk.id, name=w.clerk.name)],
            applicant_masked=random.choice(SURNAMES) + "*",
            expires_in_s=expires_in_s,
        )
        try:
            reply = self.manager.send(HALL_ID, w.device_id, "invite", cmd)
        except CommandTimeout as e:
            return "no answer", str(e)
        return reply.result, reply.reason or ""

    def play_window(self, w: Window, stop: threading.Event, pace: float) -> None:
        """One window's day: sign in, then case after case."""
        rnd = random.Random(w.device_id)
        stop.wait(rnd.uniform(0.5, 1.5))
        w.clerk = w.config.staff[0]
        w.cards.send_line(w.clerk.card)
        self.say(f"{w.device_id}: {w.clerk.name} signs in with card {w.clerk.card}")
        while not stop.wait(rnd.uniform(0.5, 1.5) * pace):
            roll = rnd.random()
            if roll < 0.06:  # hand-over: the colleague's card signs the first clerk out
                w.clerk = next(s for s in w.config.staff if s is not w.clerk)
                w.cards.send_line(w.clerk.card)
                self.say(f"{w.device_id}: hand-over, {w.clerk.name} signs in")
                continue
            walk_away = roll < 0.14
            result, reason = self.invite(w, expires_in_s=3.0 if walk_away else None)
            if result != "accepted":
                self.say(f"{w.device_id}: invitation {result}: {reason}")
                if "no clerk" in reason:  # the card reader was not ready yet: the clerk swipes again
                    w.cards.send_line(w.clerk.card)
                continue
            if walk_away:
                self.say(f"{w.device_id}: the citizen leaves without rating (the invitation expires)")
                stop.wait(4.0)
                continue
            deadline = time.monotonic() + 5
            while not w.keypad.keys_enabled and time.monotonic() < deadline and not stop.is_set():
                time.sleep(0.05)
            stop.wait(rnd.uniform(0.3, 1.2) * pace)
            level = citizen_level(rnd, w.gui)
            if w.keypad.press(level):  # type: ignore[arg-type]
                if rnd.random() < 0.15:
                    w.keypad.resend_last()  # a lost ack: the keypad sends the same frame again
                    self.say(f"{w.device_id}: citizen presses {level} (the keypad resends the frame)")
                else:
                    self.say(f"{w.device_id}: citizen presses {level}")
                if w.gui and level <= 2:
                    self._reasons_on_screen(w, stop)

    def _reasons_on_screen(self, w: Window, stop: threading.Event) -> None:
        """A 差评 at a window with a screen: the reasons screen asks why, and only a touch answers
        it. Whoever watches the demo can pick a reason and submit; untouched, it expires."""
        self.say(
            f"{w.device_id}: the reasons screen asks why (pick a reason and 提交 submit on the "
            f"screen; untouched, the rating expires after {REASONS_SCREEN_S:.0f} s)"
        )
        deadline = time.monotonic() + REASONS_SCREEN_S + 5
        while w.keypad.keys_enabled and time.monotonic() < deadline and not stop.wait(0.5):
            pass

    def say(self, text: str) -> None:
        # China time, as every device, log and the monitor show it, whatever this machine's zone
        self.show(f"  {datetime.now(CHINA_TZ):%H:%M:%S}+08:00 {text}")

    # -- the tally --------------------------------------------------------------------------------------

    def tally(self) -> str:
        if self.county_db == Path() or not self.county_db.is_file():  # the county never started
            return "county: (no database yet)"
        try:
            db = sqlite3.connect(f"file:{self.county_db}?mode=ro", uri=True, timeout=2)
        except sqlite3.Error as e:
            return f"county: ({e})"
        try:
            levels = dict(db.execute("SELECT level, count(*) FROM ratings GROUP BY level").fetchall())
            per_device = dict(
                db.execute("SELECT device_id, count(*) FROM ratings GROUP BY device_id").fetchall()
            )
            expired = db.execute("SELECT count(*) FROM expirations").fetchone()[0]
            signs = db.execute("SELECT count(*) FROM sign_events").fetchone()[0]
            dup_cases = db.execute(
                "SELECT count(*) FROM (SELECT case_id FROM ratings WHERE case_id IS NOT NULL"
                " GROUP BY case_id, assess_number HAVING count(*) > 1)"
            ).fetchone()[0]
        except sqlite3.Error as e:
            return f"county: ({e})"
        finally:
            db.close()
        total = sum(levels.values())
        by_level = " ".join(f"{lvl}:{levels.get(lvl, 0)}" for lvl in (5, 4, 3, 2, 1))
        devices = " ".join(f"{d}={n}" for d, n in sorted(per_device.items()))
        province = self.province.state.stats().get("records", 0) if self.province is not None else 0
        return (
            f"county stored: {total} ratings [{by_level}] · {expired} expired · {signs} sign-in/out"
            f" · per window {devices or '-'} · cases rated twice: {dup_cases}"
            f" · province holds {province}"
        )

    # -- the hall managers' view ------------------------------------------------------------------

    def start_monitor(self) -> None:
        """What `hall-monitor` shows, fed in this process from the hall broker (monitor account)."""
        self.monitor_client = watch(self.account(MONITOR), HALL_ID, self.monitor_state, self.monitor_lock)

    def monitor_view(self) -> str | None:
        """The managers' view framed for the console; None when it is the one shown last (but for
        its clock): a stop right after a periodic view must not print the same view again."""
        with self.monitor_lock:
            screen = render(self.monitor_state)
        body = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "", screen, count=1)
        if body == self._last_view:
            return None
        self._last_view = body
        framed = ["  ---- hall-monitor " + "-" * 60, *("  " + ln for ln in screen.splitlines())]
        return "\n".join(["", *framed, ""])

    def stop_all(self) -> None:
        if self.monitor_client is not None:
            self.monitor_client.loop_stop()
            self.monitor_client.disconnect()
        if self.manager is not None:
            self.manager.close()
        # evaluators first (they sign out and say offline), then the county, then the brokers
        for child in [c for c in self.children if c.name.startswith("eval-")]:
            child.stop()
        for w in self.windows:
            w.keypad.stop()
            w.cards.stop()
        if self.kiosk is not None:
            self.kiosk.stop()
        for name in ("hall-console", "hall-county", "hall-broker", "county-broker"):
            for child in self.children:
                if child.name == name:
                    child.stop()
        if self.province is not None:
            self.province.stop()


class _KioskUnit:
    """The kiosk process as a supervised unit."""

    name = KIOSK_ID

    def __init__(self, kiosk: Any) -> None:
        self.kiosk = kiosk

    @property
    def alive(self) -> bool:
        return bool(self.kiosk.alive)

    def how_it_ended(self) -> str:
        rc = self.kiosk.process.poll()
        return f"killed by signal {-rc}" if rc is not None and rc < 0 else f"exited with status {rc}"

    def start(self) -> None:
        self.kiosk.restart()


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="hall-demo",
        description="A whole simulated hall: brokers, county service, windows with keypads and "
        "staff-card readers, evaluators, and a script playing the day. Ctrl-C stops it.",
    )
    p.add_argument(
        "--windows",
        type=int,
        default=2,
        metavar="N",
        help=f"service windows, 1-{MAX_WINDOWS} (default 2; with a display the first "
        f"{GUI_WINDOWS} draw, the rest run headless)",
    )
    p.add_argument(
        "--supervise",
        action="store_true",
        help="restart a child that dies, as systemd would (Restart=always, RestartSec=2), "
        "instead of stopping the hall",
    )
    p.add_argument("--headless", action="store_true", help="no evaluator windows even with a display")
    p.add_argument("--duration", type=float, default=0, help="stop after this many seconds (default: Ctrl-C)")
    p.add_argument("--pace", type=float, default=1.0, help="slower (>1) or faster (<1) citizens")
    p.add_argument(
        "--kiosk",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a self-service kiosk (hall-kiosk) in the hall (default: yes)",
    )
    p.add_argument(
        "--monitor-every",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="print the hall managers' monitor view this often (0: never; default 15)",
    )
    p.add_argument(
        "--console",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the web console (hall-console) for the hall manager (default: yes)",
    )
    p.add_argument(
        "--console-port",
        type=int,
        default=8080,
        metavar="PORT",
        help="its HTTP port on 127.0.0.1 (default 8080; a free one when taken)",
    )
    p.add_argument(
        "--dir",
        type=Path,
        help="keep logs, databases and configs here; every file the demo makes goes here "
        "(default: a temp dir, removed after a clean run)",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="empty --dir first if it holds an earlier run (otherwise its ratings count too)",
    )
    args = p.parse_args(argv)
    if not 1 <= args.windows <= MAX_WINDOWS:
        p.error(f"--windows must be 1-{MAX_WINDOWS}, not {args.windows}")
    setup_logging(logging.WARNING)

    stop = threading.Event()
    console = Console(stop)
    try:
        root = args.dir or Path(tempfile.mkdtemp(prefix="hall-demo-"))
        notice = prepare_dir(root, args.fresh)
    except (DemoError, OSError) as e:
        console.show(f"hall-demo: {e}", error=True)
        return 2

    # every child's temporary files (and this process's from now on) stay inside --dir too
    (root / "tmp").mkdir(exist_ok=True)
    os.environ["TMPDIR"] = str(root / "tmp")
    tempfile.tempdir = None

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    # Ctrl-C, a service stop, a closed terminal: all stop the hall in order (children are in
    # sessions of their own, so the signal reaches the demo alone)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    hall = Hall(root, args.headless, args.windows, with_kiosk=args.kiosk, console=console)
    console.show(f"hall-demo: a simulated hall in {root}")
    if notice:
        console.show(f"hall-demo: {notice}")
    code = 0
    players: list[threading.Thread] = []
    try:
        hall.start_brokers()
        hall.start_monitor()  # before the county: it also tells when the county is online
        hall.start_county()
        if args.console:
            hall.start_console(args.console_port)
        hall.start_windows()
        hall.wait_windows_ready(stop)
        if args.kiosk and not stop.is_set():
            hall.start_kiosk()
        players = [
            threading.Thread(target=hall.play_window, args=(w, stop, args.pace), daemon=True)
            for w in hall.windows
        ]
        if args.kiosk:
            players.append(threading.Thread(target=hall.play_kiosk, args=(stop,), daemon=True))
        for t in players:
            t.start()
        started = last_view = last_tally = time.monotonic()
        supervisor = (
            Supervisor(
                hall.say,
                SystemClock(),
                restart_sec=RESTART_SEC,
                burst=START_LIMIT[0],
                interval_s=START_LIMIT[1],
            )
            if args.supervise
            else None
        )
        supervised = " (supervised: a child that dies is restarted)" if supervisor else ""
        console.show(f"hall-demo: running{supervised}; Ctrl-C stops it")
        if hall.console_url:
            console.show(
                f"hall-demo: open {hall.console_url} in a browser, log in as "
                f"{hall.console_login[0]} / {hall.console_login[1]}"
            )
        while not stop.wait(1.0 if supervisor else 3.0):
            if args.duration and time.monotonic() - started >= args.duration:
                break  # the final view follows: not one now as well
            if time.monotonic() - last_tally >= 3.0:
                last_tally = time.monotonic()
                hall.say(hall.tally())
            if args.monitor_every and time.monotonic() - last_view >= args.monitor_every:
                last_view = time.monotonic()
                view = hall.monitor_view()
                if view is not None:
                    console.show(view)
            units: list[Unit] = [*hall.children, *([_KioskUnit(hall.kiosk)] if hall.kiosk else [])]
            if supervisor is not None:
                try:
                    supervisor.check(units)
                except GaveUp as e:
                    raise DemoError(f"{e}; logs in {root}") from None
            else:
                dead = [u.name for u in units if not u.alive]
                if dead:
                    raise DemoError(f"{', '.join(dead)} stopped unexpectedly; logs in {root}")
        stop.set()
        for t in players:
            t.join(5)
        time.sleep(1.5)  # let the last presses reach the county
    except DemoError as e:
        console.show(f"hall-demo: {e}", error=True)
        code = 1
    finally:
        stop.set()
        for t in players:
            t.join(5)
        # the managers' last view once, while every device still runs: what the hall looked like
        view = hall.monitor_view() if hall.monitor_client is not None else None
        if view is not None:
            console.show(view)
        console.show("hall-demo: stopping ...")
        hall.stop_all()
        console.show(f"hall-demo: final {hall.tally()}")
        if args.dir is None and code == 0:
            shutil.rmtree(root, ignore_errors=True)
        elif code:
            console.show(f"hall-demo: logs kept in {root}")
    return code


if __name__ == "__main__":
    sys.exit(main())
