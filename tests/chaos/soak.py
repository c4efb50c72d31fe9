"""The chaos soak: the whole hall as processes, faults at random, then a Jepsen-style check.

    python -m tests.chaos.soak --seed 7 --ratings 2000 --evaluators 6     (scripts/chaos)

Starts PostgreSQL (a throw-away cluster), the county broker, a hall broker bridged to it, two
`hall-county` receivers on that PostgreSQL, `--evaluators` headless `hall-evaluator`s each with
a simulated hk1 keypad and staff-card reader on ptys, and a `hall-kiosk` (offscreen) with its ID
card reader. Simulated citizens play the ratings: the window's business system invites the case
(a command through the hall broker), the citizen presses a level on the keypad.

Meanwhile a scheduler, from `--seed`, SIGKILLs a process of a random kind (county broker, hall
broker, a receiver, PostgreSQL, an evaluator, the kiosk), sometimes two at once, and starts it
again a few seconds later; once it holds the county broker down until the hall broker has 1,000+
events (`--backlog`) queued behind the bridge and SIGKILLs the hall broker with that backlog; once
it SIGSTOPs a process for `--pause` seconds. A supervisor restarts any process that dies on its
own, as systemd would (a receiver started while PostgreSQL is down exits with one line).

At the end every process is up again, the backlog drains, and `tests/chaos/checker.py` compares
every device outbox with the store. One line is printed; the exit code is 1 on any loss,
duplicate, unacked or never-accepted event. `--json` writes the figures (faults by kind and the
time each took to drain).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import accounts as names
from core.commands import InviteCommand
from core.device_config import DeviceConfig, StaffMember
from core.events import StaffRef
from drivers.sim.keypad import KeypadSim
from drivers.sim.line import StaffCardSim
from ops.commander import Commander, CommandTimeout
from ops.procs import die_with_parent
from tests.chaos.checker import Accepted, Verdict, check, read_outbox, stored_rows
from tests.support.mosquitto import Accounts, Broker, make_county_broker, make_hall_broker, settings_for
from tests.support.postgres import Cluster

HALL = "chaos-hall"
KIOSK = "kiosk-01"
REPO = Path(__file__).resolve().parents[2]


class Child:
    """A program run as systemd would run it: same command line on every start."""

    def __init__(self, name: str, kind: str, argv: list[str], log: Path) -> None:
        self.name, self.kind, self.argv, self.log = name, kind, argv, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=REPO,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.alive and self.proc is not None else None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def terminate(self, timeout: float = 20.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()


class BrokerTarget:
    def __init__(self, name: str, broker: Broker) -> None:
        self.name, self.kind, self.broker = name, name, broker

    @property
    def alive(self) -> bool:
        return self.broker.running

    @property
    def pid(self) -> int | None:
        return self.broker.proc.pid if self.broker.running and self.broker.proc else None

    def start(self) -> None:
        self.broker.start(timeout=15)

    def kill(self) -> None:
        self.broker.kill()


class PostgresTarget:
    name = kind = "postgres"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._up = True

    @property
    def alive(self) -> bool:
        pid = self.cluster.postmaster_pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    @property
    def pid(self) -> int | None:
        return self.cluster.postmaster_pid() if self.alive else None

    def start(self) -> None:
        self.cluster.start()

    def kill(self) -> None:
        self.cluster.kill()
        deadline = time.monotonic() + 10
        while self.alive and time.monotonic() < deadline:
            time.sleep(0.05)


Target = Child | BrokerTarget | PostgresTarget


def children(pid: int) -> list[int]:
    """The direct children of `pid` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@dataclass
class Window:
    device: str
    keypad: KeypadSim
    cards: StaffCardSim
    clerk: StaffMember
    evaluator: Child
    state: Path
    presses: int = 0
    invites: Counter[str] = field(default_factory=Counter)


@dataclass
class Fault:
    kind: str  # kill, double-kill, backlog, pause, crash-restart
    targets: list[str]
    at_s: float
    down_s: float = 0.0
    backlog: int = 0
    drain_s: float | None = None


class Soak:
    def __init__(
        self,
        root: Path,
        seed: int,
        ratings: int,
        evaluators: int,
        kiosk: bool,
        rate: float,
        backlog: int,
        pause_s: float,
        every: tuple[float, float],
        receivers: str = "standby",
    ) -> None:
        self.root, self.seed, self.target_ratings = root, seed, ratings
        self.receivers = receivers
        self.n_eval, self.with_kiosk, self.rate = evaluators, kiosk, rate
        self.backlog_target, self.pause_s, self.every = backlog, pause_s, every
        self.rnd = random.Random(seed)
        self.t0 = time.monotonic()
        self.stop = threading.Event()
        self.burst = threading.Event()  # citizens as fast as they can (to build the backlog)
        self.down: set[str] = set()  # held down by the scheduler: the supervisor leaves them
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.windows: list[Window] = []
        self.targets: dict[str, Target] = {}
        self.kiosk: Any = None
        self.log_lines: list[str] = []
        self._kinds_used: set[str] = set()
        # Every process is started from this one thread, alive until the end: children get
        # PR_SET_PDEATHSIG (die with the soak), which Linux fires when the *thread* that forked exits.
        self._starts: queue.Queue[tuple[Callable[[], None], threading.Event, list[BaseException]] | None] = (
            queue.Queue()
        )
        self._starter = threading.Thread(target=self._start_loop, name="starter", daemon=True)
        self._starter.start()

    def _start_loop(self) -> None:
        while (job := self._starts.get()) is not None:
            fn, done, errors = job
            try:
                fn()
            except BaseException as e:  # handed back to the caller
                errors.append(e)
            done.set()

    def on_starter(self, fn: Callable[[], None]) -> None:
        done, errors = threading.Event(), []  # type: ignore[var-annotated]
        self._starts.put((fn, done, errors))
        done.wait()
        if errors:
            raise errors[0]

    def ensure_up(self, name: str) -> bool:
        """Start `name` if it is not running; False if it was running already."""
        t = self.targets[name]
        started = [False]

        def go() -> None:
            if not t.alive:
                t.start()
                started[0] = True

        self.on_starter(go)
        return started[0]

    # -- output -------------------------------------------------------------------------------------

    def now(self) -> float:
        return time.monotonic() - self.t0

    def say(self, text: str) -> None:
        line = f"[{self.now():6.1f}s] {text}"
        self.log_lines.append(line)
        print(line, file=sys.stderr, flush=True)

    # -- the hall -------------------------------------------------------------------------------------

    def build(self) -> None:
        accounts = Accounts(self.root / "accounts")
        devices = [f"eval-{i + 1:02d}" for i in range(self.n_eval)] + ([KIOSK] if self.with_kiosk else [])
        accounts.add_many(
            [*devices, names.MANAGER, names.MONITOR, names.COUNTY_SERVICE, names.bridge_account(HALL)]
        )
        self.accounts = accounts
        self.pg = Cluster()
        import psycopg

        with psycopg.connect(self.pg.admin_url, autocommit=True) as c:
            c.execute('CREATE DATABASE "county"')
        self.db_url = self.pg.admin_url.rsplit("/", 1)[0] + "/county"
        self.targets["postgres"] = PostgresTarget(self.pg)
        county = make_county_broker(self.root / "county-broker", accounts, halls=(HALL,))
        hall = make_hall_broker(self.root / "hall-broker", accounts, hall_id=HALL, county=county)
        self.county_broker, self.hall_broker = county, hall
        self.targets["county-broker"] = BrokerTarget("county-broker", county)
        self.targets["hall-broker"] = BrokerTarget("hall-broker", hall)
        county.start()
        hall.start()
        svc = settings_for(county, accounts, names.COUNTY_SERVICE)
        for i in range(2):
            d = self.root / f"receiver-{i}"
            d.mkdir(parents=True)
            conf = d / "county.toml"
            conf.write_text(
                "\n".join(
                    [
                        # standby: one partition, served by one receiver at a time (county/partition.py);
                        # race: two partitions both taking the hall, every event reaching both
                        f'client_id = "county-{HALL if self.receivers == "standby" else f"r{i}"}"',
                        f'database = "{self.db_url}"',
                        f'cases_database = "{d / "cases.db"}"',
                        "[mqtt]",
                        f'url = "{svc.url}"',
                        f'username = "{svc.username}"',
                        f'password_file = "{svc.password_file}"',
                    ]
                )
                + "\n",
                encoding="utf-8",
            )
            if self.with_kiosk:
                from ops.kiosk_demo import seed_county_cases

                seed_county_cases(conf)
            argv = [sys.executable, "-m", "county.main", "--config", str(conf)]
            r = Child(f"receiver-{i}", "receiver", argv, d / "county.log")
            r.start()
            self.targets[r.name] = r
        for i in range(self.n_eval):
            self.windows.append(self._window(i))
        if self.with_kiosk:
            from ops.kiosk_demo import start_kiosk

            self.kiosk = start_kiosk(
                self.root / KIOSK, settings_for(hall, accounts, KIOSK), HALL, device_id=KIOSK
            )
            argv = [sys.executable, "-m", "kiosk.main", "--config", str(self.kiosk.config)]
            k = Child(KIOSK, "kiosk", argv, self.kiosk.log)
            k.proc = self.kiosk.process
            self.targets[KIOSK] = k
        self.manager_settings = settings_for(hall, accounts, names.MANAGER)

    def _window(self, i: int) -> Window:
        device = f"eval-{i + 1:02d}"
        d = self.root / device
        d.mkdir(parents=True)
        clerk = StaffMember(
            id=f"S{i + 1:02d}", name=f"窗口{i + 1}号", card=f"CARD-{i + 1:04d}", title="受理员"
        )
        config = DeviceConfig(
            window_name=f"{i + 1}号窗口",
            window_name_en=f"Window {i + 1}",
            staff=[clerk],
            rating_url="https://hcp.example.gov.cn/rate?case={case_id}&n={assess_number}",
        )
        (d / "initial-config.json").write_text(config.to_json().decode(), encoding="utf-8")
        keypad, cards = KeypadSim(serial=f"HK1-CHAOS-{i + 1:04d}"), StaffCardSim()
        keypad.start()
        cards.start()
        mq = settings_for(self.hall_broker, self.accounts, device)
        toml = d / "evaluator.toml"
        toml.write_text(
            "\n".join(
                [
                    f'device_id = "{device}"',
                    f'hall_id = "{HALL}"',
                    f'window_id = "w-{i + 1:02d}"',
                    f'state_dir = "{d / "state"}"',
                    f'initial_config = "{d / "initial-config.json"}"',
                    "[mqtt]",
                    f'url = "{mq.url}"',
                    f'username = "{device}"',
                    f'password_file = "{mq.password_file}"',
                    "[serial]",
                    f'keypad = "{keypad.path}"',
                    f'staff_card = "{cards.path}"',
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        ev = Child(
            device,
            "evaluator",
            [sys.executable, "-m", "evaluator.main", "--config", str(toml), "--headless"],
            d / "evaluator.log",
        )
        ev.start()
        self.targets[device] = ev
        return Window(device, keypad, cards, clerk, ev, d / "state")

    # -- citizens -------------------------------------------------------------------------------------

    def presses(self) -> int:
        return sum(w.presses for w in self.windows)

    def play_window(self, w: Window) -> None:
        rnd = random.Random(f"{self.seed}-{w.device}")
        i = self.windows.index(w)
        quota = self.target_ratings // self.n_eval + (1 if i < self.target_ratings % self.n_eval else 0)
        cmd: Commander | None = None
        pace = self.n_eval / self.rate
        n = 0
        w.cards.send_line(w.clerk.card)
        while w.presses < quota and not self.stop.is_set():
            if cmd is None:
                try:
                    cmd = Commander(self.manager_settings, f"biz-{w.device}", timeout=5)
                except (CommandTimeout, OSError):
                    self.stop.wait(1)
                    continue
            n += 1
            case = f"{w.device}-{self.seed}-{n:06d}"
            result: str
            try:
                reply = cmd.send(
                    HALL,
                    w.device,
                    "invite",
                    InviteCommand(
                        case_id=case,
                        item_code="11110000000000000A",
                        item_name="居民身份证换领",
                        staff=[StaffRef(id=w.clerk.id, name=w.clerk.name)],
                        applicant_masked="张*",
                        expires_in_s=30,
                    ),
                    timeout=3,
                )
                result, reason = reply.result, reply.reason or ""
            except CommandTimeout:
                result, reason = "no answer", ""
            w.invites[result] += 1
            if result == "no answer":  # broker or evaluator down, or our session lost: connect anew
                cmd.close()
                cmd = None
                self.stop.wait(0.5)
                continue
            if result == "refused":
                if "clerk" in reason:
                    w.cards.send_line(w.clerk.card)  # a restarted evaluator: the clerk swipes again
                self.stop.wait(0.3)
                continue
            if result == "busy" and "open" not in reason:  # still saving the last one: come back
                self.stop.wait(0.2)
                continue
            # accepted, or busy with a rating a lost reply had opened: either way the keys are on
            deadline = time.monotonic() + 3
            while not w.keypad.keys_enabled and time.monotonic() < deadline and not self.stop.is_set():
                time.sleep(0.02)
            if not self.burst.is_set():
                self.stop.wait(rnd.uniform(0.2, 1.0) * pace)
            if w.keypad.press(rnd.choices([5, 4, 3, 2, 1], [45, 30, 12, 8, 5])[0]):  # type: ignore[arg-type]
                w.presses += 1
            if not self.burst.is_set():
                self.stop.wait(rnd.uniform(0.2, 1.0) * pace)
            else:
                time.sleep(0.01)
        if cmd is not None:
            cmd.close()

    def play_kiosk(self) -> None:
        rnd = random.Random(f"{self.seed}-{KIOSK}")
        while not self.stop.wait(rnd.uniform(8, 15)):
            self.kiosk.tap_card(rnd.choice(["zhang", "li"]))
            self.stop.wait(4)
            self.kiosk.lift_card()

    # -- what the devices hold --------------------------------------------------------------------------

    def outboxes(self) -> dict[str, Path]:
        out = {w.device: w.state / "outbox.db" for w in self.windows}
        if self.with_kiosk:
            out[KIOSK] = self.root / KIOSK / "state" / "outbox.db"
        return {d: p for d, p in out.items() if p.exists()}

    def unacked_upto(self, marks: dict[str, int] | None = None) -> tuple[int, dict[str, int]]:
        """Unacked events (those with seq <= marks[device] when given), and every device's last seq."""
        import sqlite3

        total, last = 0, {}
        for device, path in self.outboxes().items():
            try:
                con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
                try:
                    limit = (marks or {}).get(device, 1 << 62)
                    total += con.execute(
                        "SELECT count(*) FROM events WHERE acked_at IS NULL AND seq <= ?", (limit,)
                    ).fetchone()[0]
                    last[device] = con.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
                finally:
                    con.close()
            except sqlite3.Error:
                continue  # a device creating its outbox right now
        return total, last

    def watch_drain(self, fault: Fault) -> None:
        """How long until every event the devices held when `fault` ended is acked."""
        _, marks = self.unacked_upto()
        start = time.monotonic()

        def run() -> None:
            while True:
                left, _ = self.unacked_upto(marks)
                if left == 0:
                    fault.drain_s = round(time.monotonic() - start, 1)
                    return
                if time.monotonic() - start > 600:
                    return
                time.sleep(0.5)

        threading.Thread(target=run, daemon=True).start()

    # -- faults -------------------------------------------------------------------------------------------

    def _kill(self, names: list[str]) -> None:
        with self.lock:
            self.down.update(names)
        for n in names:
            self.targets[n].kill()

    def _start(self, names: list[str]) -> None:
        for n in names:
            for _ in range(20):
                try:
                    self.ensure_up(n)
                    break
                except RuntimeError as e:
                    self.say(f"{n} did not start ({str(e).splitlines()[0]}); again")
                    time.sleep(1)
        with self.lock:
            self.down.difference_update(names)

    def pick(self, exclude: set[str], killing: bool = True) -> str:
        """A process of a random kind; every kind is killed once before any is killed again."""
        kinds = sorted({t.kind for n, t in self.targets.items() if n not in exclude})
        fresh = kinds
        if killing:
            fresh = [k for k in kinds if k not in self._kinds_used]
            if not fresh:  # every kind had its turn: a new round
                self._kinds_used.clear()
                fresh = kinds
        kind = self.rnd.choice(fresh)
        if killing:
            self._kinds_used.add(kind)
        names = sorted(n for n, t in self.targets.items() if t.kind == kind and n not in exclude)
        return self.rnd.choice(names)

    def fault_kill(self) -> None:
        double = self.rnd.random() < 0.25
        names = [self.pick(set())]
        if double:
            names.append(self.pick(set(names)))
        down_s = self.rnd.uniform(1, 6)
        if "county-broker" in names and self.rnd.random() < 0.3:
            down_s = self.rnd.uniform(15, 30)  # a longer county outage
        f = Fault("double-kill" if double else "kill", names, self.now(), round(down_s, 1))
        self.say(f"SIGKILL {' + '.join(names)}; start again in {down_s:.1f} s")
        self._kill(names)
        self.stop.wait(down_s)
        self._start(names)
        self.faults.append(f)
        self.watch_drain(f)

    def fault_backlog(self) -> None:
        """County broker down until 1,000+ events wait at the hall broker, which is then SIGKILLed."""
        f = Fault("backlog", ["county-broker", "hall-broker"], self.now())
        self.say(f"SIGKILL county-broker; citizens hurry until {self.backlog_target}+ events wait")
        self._kill(["county-broker"])
        base, _ = self.unacked_upto()
        self.burst.set()
        deadline = time.monotonic() + 300
        while not self.stop.is_set() and time.monotonic() < deadline:
            held, _ = self.unacked_upto()
            if held - base >= self.backlog_target or self.presses() >= self.target_ratings:
                break
            time.sleep(0.5)
        self.burst.clear()
        f.backlog, _ = self.unacked_upto()
        self.say(f"{f.backlog} events wait behind the bridge: SIGKILL hall-broker")
        self._kill(["hall-broker"])
        self.stop.wait(2)
        self._start(["hall-broker"])
        self.stop.wait(1)
        self._start(["county-broker"])
        f.down_s = round(self.now() - f.at_s, 1)
        self.faults.append(f)
        self.watch_drain(f)

    def fault_pause(self) -> None:
        name = self.pick(set(), killing=False)
        t = self.targets[name]
        pid = t.pid
        if pid is None:
            return
        f = Fault("pause", [name], self.now(), self.pause_s)
        self.say(f"SIGSTOP {name} for {self.pause_s:.0f} s")
        with self.lock:
            self.down.add(name)
        pids = [pid, *children(pid)]  # PostgreSQL: the postmaster and every backend
        for p in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGSTOP)
        self.stop.wait(self.pause_s)
        for p in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGCONT)
        with self.lock:
            self.down.discard(name)
        self.faults.append(f)
        self.watch_drain(f)

    def schedule(self, done: threading.Event) -> None:
        """Faults until the citizens are done: the backlog at 25 %, the pause at 60 %, kills between."""
        backlog_done = pause_done = False
        while not done.is_set():
            if done.wait(self.rnd.uniform(*self.every)):
                return
            share = self.presses() / max(1, self.target_ratings)
            if not backlog_done and share >= 0.25:
                backlog_done = True
                self.fault_backlog()
            elif not pause_done and share >= 0.6:
                pause_done = True
                self.fault_pause()
            else:
                self.fault_kill()

    def supervise(self) -> None:
        """What systemd does: a process that died on its own is started again (and said so)."""
        while not self.stop.wait(1.0):
            for name, t in list(self.targets.items()):
                with self.lock:
                    if name in self.down:
                        continue
                if not t.alive:
                    with contextlib.suppress(RuntimeError):
                        if self.ensure_up(name):
                            self.say(f"{name} died on its own; started again")
                            self.faults.append(Fault("crash-restart", [name], self.now()))

    # -- the run ---------------------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        self.on_starter(self.build)
        self.say(
            f"hall up: PostgreSQL, 2 brokers, 2 receivers, {self.n_eval} evaluators"
            f"{', a kiosk' if self.with_kiosk else ''}; seed {self.seed}"
        )
        sup = threading.Thread(target=self.supervise, daemon=True)
        sup.start()
        players = [threading.Thread(target=self.play_window, args=(w,), daemon=True) for w in self.windows]
        if self.with_kiosk:
            players.append(threading.Thread(target=self.play_kiosk, daemon=True))
        for p in players:
            p.start()
        citizens_done = threading.Event()
        sched = threading.Thread(target=self.schedule, args=(citizens_done,), daemon=True)
        sched.start()
        last_report = 0.0
        while any(p.is_alive() for p in players[: self.n_eval]):
            time.sleep(1)
            if self.now() - last_report > 15:
                last_report = self.now()
                held, _ = self.unacked_upto()
                self.say(f"{self.presses()} ratings pressed, {held} unacked at the devices")
        citizens_done.set()
        sched.join(400)
        self.say("faults over; every process up; waiting for the backlog to drain")
        for name in self.targets:
            self._start([name])
        drain_start = time.monotonic()
        while time.monotonic() - drain_start < 300:
            held, _ = self.unacked_upto()
            if held == 0:
                break
            time.sleep(0.5)
        final_drain = round(time.monotonic() - drain_start, 1)
        time.sleep(2.0)  # late duplicates, if any, would show now
        self.stop.set()
        verdict = self.verdict()
        kinds = Counter(f.kind for f in self.faults)
        by_target = Counter(
            n.rstrip("0123456789").rstrip("-")
            for f in self.faults
            for n in f.targets
            if f.kind != "crash-restart"
        )  # what the scheduler did, not the supervisor
        drains = [f.drain_s for f in self.faults if f.drain_s is not None]
        backlog = next((f.backlog for f in self.faults if f.kind == "backlog"), 0)
        line = (
            f"chaos seed={self.seed} receivers={self.receivers} {verdict.line()} pressed={self.presses()}"
            f" faults={len(self.faults)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})"
            f" backlog-killed={backlog} max-drain={max(drains, default=0):.1f}s"
            f" final-drain={final_drain}s"
            f" wall={time.monotonic() - started:.0f}s {'OK' if verdict.ok else 'FAILED'}"
        )
        return {
            "line": line,
            "ok": verdict.ok,
            "seed": self.seed,
            "evaluators": self.n_eval,
            "receivers": self.receivers,
            "kiosk": self.with_kiosk,
            "pressed": self.presses(),
            "accepted": verdict.accepted,
            "stored": verdict.stored,
            "lost": verdict.lost,
            "duplicated": verdict.duplicated,
            "unacked": verdict.unacked,
            "stored_never_accepted": verdict.phantom,
            "seq_gaps": verdict.gaps,
            "faults_by_kind": dict(kinds),
            "faults_by_process": dict(by_target),
            "faults": [f.__dict__ for f in self.faults],
            "final_drain_s": final_drain,
            "invites": {w.device: dict(w.invites) for w in self.windows},
            "wall_s": round(time.monotonic() - started, 1),
        }

    def verdict(self) -> Verdict:
        accepted: list[Accepted] = []
        for device, path in self.outboxes().items():
            accepted += read_outbox(path, device)
        from county.store import open_store

        store = open_store(self.db_url)
        try:
            rows = store.rows("SELECT event_id, device_id, seq, payload FROM events")
        finally:
            store.close()
        return check(accepted, stored_rows((str(a), str(b), int(c), str(d)) for a, b, c, d in rows))

    def shutdown(self) -> None:
        self.stop.set()
        for t in self.targets.values():
            pid = t.pid
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
            if isinstance(t, Child):
                t.terminate(10)
        for t in self.targets.values():
            if not isinstance(t, Child):
                with contextlib.suppress(Exception):
                    t.kill()
        for w in self.windows:
            w.keypad.stop()
            w.cards.stop()
        if self.kiosk is not None:
            for sim in (self.kiosk.card, self.kiosk.scanner, self.kiosk.printer):
                sim.stop()
        with contextlib.suppress(Exception):
            self.pg.stop()
        self._starts.put(None)


def run(
    root: Path,
    seed: int,
    ratings: int,
    evaluators: int,
    kiosk: bool = True,
    rate: float = 8.0,
    backlog: int = 1000,
    pause_s: float = 60.0,
    every: tuple[float, float] = (6.0, 14.0),
    on_line: Callable[[str], None] | None = None,
    receivers: str = "standby",
) -> dict[str, Any]:
    soak = Soak(root, seed, ratings, evaluators, kiosk, rate, backlog, pause_s, every, receivers)
    try:
        result = soak.run()
    finally:
        soak.shutdown()
    (root / "soak.log").write_text("\n".join(soak.log_lines) + "\n", encoding="utf-8")
    if on_line is not None:
        on_line(result["line"])
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="scripts/chaos", description=__doc__.split("\n\n")[0] if __doc__ else "")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ratings", type=int, default=10_000)
    p.add_argument("--evaluators", type=int, default=20)
    p.add_argument("--no-kiosk", action="store_true")
    p.add_argument("--rate", type=float, default=8.0, help="ratings per second the citizens aim at")
    p.add_argument("--backlog", type=int, default=1000, help="events held at the hall broker before its kill")
    p.add_argument("--pause", type=float, default=60.0, help="seconds one process is SIGSTOPped")
    p.add_argument(
        "--every",
        type=float,
        nargs=2,
        default=(6.0, 14.0),
        metavar=("MIN", "MAX"),
        help="seconds between faults",
    )
    p.add_argument(
        "--receivers",
        choices=("standby", "race"),
        default="standby",
        help="standby: one serves, the other takes over when it dies; race: both take every event",
    )
    p.add_argument("--dir", type=Path, help="keep every log and database here")
    p.add_argument("--json", type=Path, help="write the figures here")
    a = p.parse_args(argv)
    root = a.dir or Path(tempfile.mkdtemp(prefix="hall-chaos-"))
    root.mkdir(parents=True, exist_ok=True)
    result = run(
        root,
        a.seed,
        a.ratings,
        a.evaluators,
        not a.no_kiosk,
        a.rate,
        a.backlog,
        a.pause,
        tuple(a.every),
        receivers=a.receivers,
    )
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(result["line"], flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
