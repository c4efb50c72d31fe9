"""A scale model of a county: N hall brokers bridged into one county broker, M simulated devices
with the real outbox and link, the real county service; beside raw paho through the same brokers.

    python -m bench.scale_model                                  # 100 halls, 1,000 devices
    python -m bench.scale_model --halls 10 --devices 200 --rates 30,300 --phase-s 15 --outage-s 20

What runs (all on this machine, loopback):
- one county broker and `--halls` hall brokers, each `mosquitto -c` a config rendered by
  `ops.brokers` exactly as an installation renders it (bridge, ACL, queues, persistence), accounts
  made by `broker_config/make-passwords` (one password file per hall broker, one for the county);
- `--devices` light devices spread over the halls, run by `--workers` processes (this module with
  `--worker`): each device is a real `core.outbox.Outbox` + `core.link.Link` (paho client, QoS 1,
  county acks, status, telemetry every 30 s), the wire behaviour of an evaluator without a screen.
  Presses come as a Poisson process at the phase's rate over all devices; a press is
  `outbox.put(rating)` then `link.wake()`, as the evaluator's recorder does;
- `hall-county` (county/main.py) storing to SQLite on disk, as a child process.

What it measures (bench/results/scale_model.json):
- per rate: press (before `outbox.put`) → stored at the county (`received_ms` of the county
  store) p50/p99, and → the county's ack back at the device; CPU of the county broker, the
  receiver, all hall brokers and the device simulators (from /proc over the phase), machine load;
- first, before the county service ever connects, the same rates as raw paho QoS 1: one publisher
  per hall broker → bridge → a subscriber at the county broker (one way, send time in the payload);
- RSS of the county broker before and after the bridges connect (memory per bridge at the county)
  and of each hall broker;
- a county outage of `--outage-s` while ratings keep coming at `--outage-rate`: the county broker
  and the receiver stop (SIGTERM), come back; the backlog then (unacked events in the devices'
  outboxes, hall broker RSS with its bridge queue) and how long until every event is stored and
  acked.

Device outboxes live in `--outbox-dir` (tmpfs by default): on a real hall each device fsyncs its
own disk; 2,500 outboxes fsyncing this VM's one disk would measure the VM, not the county.
The county's database is on disk. Nothing here asserts a time: the figures are the output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import queue
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from bench.link_loop import LinkLoop, raise_open_files_limit
from bench.proc_stats import CLK_TCK, cpu_ticks, rss_kib
from core import topics
from core.accounts import COUNTY_SERVICE, MONITOR, bridge_account
from core.config import DeviceSettings, MqttSettings
from core.link import Link
from core.messages import AckItem, CountyState
from core.mqtt_client import make_client
from core.outbox import Outbox
from ops import brokers
from ops.procs import HOST, die_with_parent, free_ports
from tests.support.events import rating
from tests.support.mosquitto import Broker

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
log = logging.getLogger("scale_model")


def hall_id(i: int) -> str:
    return f"hall-{i:03d}"


def device_id(hall: int, k: int) -> str:
    return f"d{hall:03d}-{k:03d}"


def raw_id(hall: int) -> str:
    return f"raw-{hall:03d}"


def pct(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))] if s else float("nan")


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [v * 1000 for v in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 50), 1),
        "p90_ms": round(pct(ms, 90), 1),
        "p99_ms": round(pct(ms, 99), 1),
        "max_ms": round(max(ms), 1),
    }


# --- the county: brokers and accounts, rendered as an installation renders them ----------------


@dataclass
class County:
    root: Path
    halls: int
    devices: int
    county: Broker
    hall_brokers: list[Broker]
    secrets: Path
    # device id -> (hall index, hall broker port)
    device_home: dict[str, tuple[int, int]] = field(default_factory=dict)

    def secret(self, account: str) -> Path:
        return self.secrets / f"{account}.password"

    def settings(self, account: str, broker: Broker) -> MqttSettings:
        return MqttSettings(url=broker.url, username=account, password_file=self.secret(account))


def build_county(root: Path, halls: int, devices: int) -> County:
    """Render and make accounts for the county broker and `halls` hall brokers (not started)."""
    as_root = os.geteuid() == 0
    secrets = root / "secrets"
    names = [hall_id(i) for i in range(1, halls + 1)]
    ports = free_ports(halls + 1)  # all different (free_port one at a time may repeat one)
    cdir = root / "county-broker"
    (cdir / "state").mkdir(parents=True, exist_ok=True)
    brokers.add_accounts(cdir / "passwd", secrets, [COUNTY_SERVICE, MONITOR, *map(bridge_account, names)])
    cfiles = brokers.BrokerFiles(
        conf_dir=cdir,
        state_dir=cdir / "state",
        password_file=cdir / "passwd",
        port=ports[0],
        bind_address=HOST,
        run_as_root=as_root,
    )
    conf = brokers.write(brokers.render_county(cfiles, names))[0]
    county = Broker("county", conf, cfiles.port, cfiles.state_dir, cdir / "mosquitto.log")

    per_hall = [devices // halls + (1 if i < devices % halls else 0) for i in range(halls)]
    home: dict[str, tuple[int, int]] = {}

    def one_hall(i: int) -> Broker:
        h = i + 1
        hdir = root / f"hall-broker-{h:03d}"
        (hdir / "state").mkdir(parents=True, exist_ok=True)
        devs = [device_id(h, k) for k in range(1, per_hall[i] + 1)]
        brokers.add_accounts(hdir / "passwd", secrets, [MONITOR, raw_id(h), *devs])
        files = brokers.BrokerFiles(
            conf_dir=hdir,
            state_dir=hdir / "state",
            password_file=hdir / "passwd",
            port=ports[h],
            bind_address=HOST,
            run_as_root=as_root,
        )
        password = (secrets / f"{bridge_account(hall_id(h))}.password").read_text().strip()
        bridge = brokers.Bridge(HOST, county.port, password=password)
        hconf = brokers.write(brokers.render_hall(files, hall_id(h), bridge))[0]
        for d in devs:
            home[d] = (h, files.port)
        return Broker(f"hall-{h:03d}", hconf, files.port, files.state_dir, hdir / "mosquitto.log")

    # make-passwords runs mosquitto_passwd once per account: a few halls at a time
    with ThreadPoolExecutor(4) as pool:
        hall_brokers = list(pool.map(one_hall, range(halls)))
    return County(root, halls, devices, county, hall_brokers, secrets, home)


def wait_bridges(c: County, timeout: float = 120.0) -> float:
    """Seconds until every hall broker says both its bridge connections are up ($SYS, local only)."""
    t0 = time.monotonic()
    pending = {b.port for b in c.hall_brokers}
    lock = threading.Lock()
    up: dict[int, set[str]] = {b.port: set() for b in c.hall_brokers}
    clients = []
    for b in c.hall_brokers:
        cl = make_client(c.settings(MONITOR, b), f"probe-{b.port}")

        def on_message(_c: mqtt.Client, port: int, m: mqtt.MQTTMessage) -> None:
            with lock:
                if m.payload == b"1":
                    up[port].add(m.topic)
                else:
                    up[port].discard(m.topic)
                if len(up[port]) >= 2:
                    pending.discard(port)

        cl.user_data_set(b.port)
        cl.on_connect = lambda cl_, *_a: cl_.subscribe("$SYS/broker/connection/+/state", qos=1)
        cl.on_message = on_message
        cl.connect(HOST, b.port)
        cl.loop_start()
        clients.append(cl)
    try:
        while pending and time.monotonic() - t0 < timeout:
            time.sleep(0.1)
    finally:
        for cl in clients:
            cl.disconnect()
            cl.loop_stop()
    if pending:
        raise RuntimeError(f"{len(pending)} hall bridges not up after {timeout:.0f} s")
    return round(time.monotonic() - t0, 2)


# --- CPU and memory from /proc -----------------------------------------------------------------


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = f[3] + f[4]
    return sum(f) - idle, sum(f)


def ticks(pids: Sequence[int]) -> int:
    n = 0
    for p in pids:
        with contextlib.suppress(OSError):
            n += cpu_ticks(p)
    return n


class CpuWindow:
    """CPU % (100 = one core) of process groups between `start()` and `stop()`."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups
        self._t0 = 0.0
        self._c0: dict[str, int] = {}
        self._m0 = (0, 0)

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._c0 = {k: ticks(f()) for k, f in self.groups.items()}
        self._m0 = machine_busy()

    def stop(self) -> dict[str, float]:
        dt = time.monotonic() - self._t0
        out = {
            f"{k}_cpu_percent": round(100.0 * (ticks(f()) - self._c0[k]) / CLK_TCK / dt, 1)
            for k, f in self.groups.items()
        }
        busy, total = machine_busy()
        out["machine_busy_percent_of_all_cores"] = round(
            100.0 * (busy - self._m0[0]) / max(1, total - self._m0[1]), 1
        )
        out["load_average_1min"] = round(os.getloadavg()[0], 2)
        return out


def rss_mib(pids: Sequence[int]) -> list[float]:
    out = []
    for p in pids:
        with contextlib.suppress(OSError):
            out.append(round(rss_kib(p) / 1024, 2))
    return out


# --- the county service ------------------------------------------------------------------------


class CountyService:
    """`hall-county` as a child process, SQLite on disk."""

    def __init__(self, c: County, root: Path) -> None:
        self.c = c
        root.mkdir(parents=True, exist_ok=True)
        self.db = root / "county.db"
        self.log = root / "county.log"
        self.config = root / "county.toml"
        s = c.settings(COUNTY_SERVICE, c.county)
        self.config.write_text(
            f'client_id = "county-receiver"\ndatabase = "sqlite:///{self.db}"\nlog_level = "INFO"\n'
            f'cases_database = "{root / "cases.db"}"\n'
            f'[mqtt]\nurl = "{s.url}"\nusername = "{s.username}"\npassword_file = "{s.password_file}"\n',
            encoding="utf-8",
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> list[int]:
        return [self.proc.pid] if self.proc is not None and self.proc.poll() is None else []

    def start(self, timeout: float = 60.0) -> None:
        """Start; return once it published a live `county/v1/state` online."""
        seen = threading.Event()
        w = make_client(self.c.settings(MONITOR, self.c.county), f"watch-{os.urandom(3).hex()}")

        def on_message(_c: mqtt.Client, _u: object, m: mqtt.MQTTMessage) -> None:
            if not m.retain and CountyState.from_json(bytes(m.payload)).online:
                seen.set()

        subscribed = threading.Event()
        w.on_connect = lambda cl, *_a: cl.subscribe(topics.COUNTY_STATE, qos=1)
        w.on_subscribe = lambda *_a: subscribed.set()
        w.on_message = on_message
        w.connect(HOST, self.c.county.port)
        w.loop_start()
        try:
            subscribed.wait(10)
            with open(self.log, "ab") as out:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "county.main", "--config", str(self.config)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                    preexec_fn=die_with_parent,
                )
            deadline = time.monotonic() + timeout
            while not seen.wait(0.2):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"hall-county did not come online\n{self.tail()}")
        finally:
            w.disconnect()
            w.loop_stop()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def tail(self, n: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        return ""

    def stored_at(self) -> dict[str, int]:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return {r[0]: int(r[1]) for r in con.execute("SELECT event_id, received_ms FROM events")}
        finally:
            con.close()

    def counts(self) -> dict[str, int]:
        """The receiver's own tally from its log (`stopped: {...}` lines, summed over its runs)."""
        total: dict[str, int] = {}
        with contextlib.suppress(OSError):
            for m in re.finditer(r"stopped: (\{[^}]*\})", self.log.read_text(errors="replace")):
                for k, v in json.loads(m.group(1).replace("'", '"')).items():
                    total[k] = total.get(k, 0) + int(v)
        return total


# --- raw paho through the same brokers ---------------------------------------------------------


class RawRig:
    """One raw publisher per hall broker (a device account of its own) and one subscriber at the
    county broker; the send time travels in the payload (same host clock)."""

    def __init__(self, c: County, payload_len: int) -> None:
        self.c = c
        self.payload_len = payload_len
        self.lock = threading.Lock()
        self.lat: list[tuple[float, float]] = []  # (sent, latency)
        self.received = 0
        self.sub = make_client(c.settings(MONITOR, c.county), "raw-sub")
        ready = threading.Event()
        self.sub.on_connect = lambda cl, *_a: cl.subscribe(f"{topics.PREFIX}/+/+/event/raw", qos=1)
        self.sub.on_subscribe = lambda *_a: ready.set()
        self.sub.on_message = self._on_message
        self.sub.connect(HOST, c.county.port)
        self.sub.loop_start()
        if not ready.wait(10):
            raise RuntimeError("raw subscriber: no SUBACK")
        self.pubs: list[tuple[mqtt.Client, str]] = []
        for h, b in enumerate(c.hall_brokers, start=1):
            p = make_client(c.settings(raw_id(h), b), raw_id(h))
            p.max_inflight_messages_set(100)
            p.connect(HOST, b.port)
            p.loop_start()
            self.pubs.append((p, topics.event(hall_id(h), raw_id(h), "raw")))

    def _on_message(self, _c: mqtt.Client, _u: object, m: mqtt.MQTTMessage) -> None:
        now = time.time()
        sent = float(bytes(m.payload)[:20].split(b"|", 1)[0])
        with self.lock:
            self.lat.append((sent, now - sent))
            self.received += 1

    def run(self, rate: float, seconds: float) -> int:
        """Poisson sends at `rate` over all halls for `seconds`; returns how many were sent."""
        rnd = random.Random(7)
        t0 = time.monotonic()
        nxt = t0
        n = 0
        pad = b"x" * self.payload_len
        while True:
            nxt += rnd.expovariate(rate)
            if nxt - t0 > seconds:
                break
            delay = nxt - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            client, topic = self.pubs[rnd.randrange(len(self.pubs))]
            body = f"{time.time():.6f}|".encode()
            client.publish(topic, body + pad[len(body) :], qos=1)
            n += 1
        return n

    def close(self) -> None:
        for p, _t in self.pubs:
            p.disconnect()
            p.loop_stop()
        self.sub.disconnect()
        self.sub.loop_stop()


# --- the device simulators (worker processes) --------------------------------------------------


class Worker:
    """A child process running many devices; JSON lines on stdin (commands) and stdout (replies)."""

    def __init__(self, index: int, spec: Path, log_path: Path) -> None:
        self.index = index
        self.log = log_path
        with open(log_path, "ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench.scale_model", "--worker", str(spec)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                preexec_fn=die_with_parent,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self.replies: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with contextlib.suppress(ValueError):
                self.replies.put(json.loads(line))

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        self.proc.stdin.flush()

    def reply(self, timeout: float) -> dict[str, Any]:
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            tail = self.log.read_text(errors="replace").splitlines()[-15:]
            raise RuntimeError(
                f"worker {self.index}: no reply in {timeout:.0f} s\n" + "\n".join(tail)
            ) from None

    def ask(self, timeout: float = 120.0, **cmd: Any) -> dict[str, Any]:
        self.send(**cmd)
        return self.reply(timeout)

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.send(cmd="quit")
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def all_ask(workers: Sequence[Worker], timeout: float = 120.0, **cmd: Any) -> list[dict[str, Any]]:
    for w in workers:
        w.send(**cmd)
    return [w.reply(timeout) for w in workers]


def worker_main(spec_path: Path) -> int:
    """Run the devices in `spec_path` on one thread (bench/link_loop.py); answer commands from
    stdin until `quit`. A `press` phase runs inside the loop, so the devices keep working meanwhile."""
    spec = json.loads(spec_path.read_text())
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format=f"w{spec['index']} %(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    os.nice(spec["nice"])  # the county's processes first: the devices stand in for other machines
    raise_open_files_limit()

    def say(**msg: Any) -> None:
        sys.stdout.write(json.dumps(msg) + "\n")
        sys.stdout.flush()

    acked_at: dict[str, float] = {}

    def on_acked(items: list[AckItem]) -> None:
        t = time.time()
        for it in items:
            acked_at.setdefault(it.event_id, t)

    links: list[Link] = []
    for d in spec["devices"]:
        state = Path(spec["outbox_root"]) / d["device"]
        settings = DeviceSettings(
            device_id=d["device"],
            hall_id=d["hall"],
            state_dir=state,
            mqtt=MqttSettings(url=d["url"], username=d["device"], password_file=Path(d["password_file"])),
        )
        link = Link(settings, kind="evaluator", outbox=Outbox(state / "outbox.db"), version="scale-model")
        link.on_acked = on_acked
        links.append(link)
    # An idle link looks at its outbox every POLL_S (0.5 s on a device: three small queries) for
    # resends and telemetry; a press or an ack steps it at once. 2,500 of them on 2 cores are the
    # model's own biggest load, so the model polls less often (`--link-poll-s`).
    loop = LinkLoop(links, poll_s=spec["poll_s"])
    t0 = time.monotonic()
    loop.run_until(lambda: loop.connected() == len(links), 120)
    say(ready=loop.connected(), seconds=round(time.monotonic() - t0, 2))

    commands: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()

    def read_commands() -> None:  # the one other thread: stdin blocks
        for line in sys.stdin:
            commands.put(json.loads(line))
        commands.put(None)

    threading.Thread(target=read_commands, daemon=True).start()
    presses: list[tuple[str, float, float]] = []  # event_id, press (wall), put done (wall)
    rnd = random.Random(spec["seed"])
    phase: dict[str, Any] | None = None  # the press phase under way

    def press_due() -> float:
        """Presses whose time has come (a Poisson process); seconds until the next one."""
        nonlocal phase
        if phase is None:
            return 0.05
        now = time.monotonic()
        while phase["next"] <= now:
            phase["late"] = max(phase["late"], now - phase["next"])
            link = links[rnd.randrange(len(links))]
            assert link.outbox is not None
            ev = rating(link.settings.hall_id, link.device_id)
            tp = time.time()
            stored = link.outbox.put(ev)
            presses.append((stored.event_id, tp, time.time()))
            link.wake()
            loop.kick(link)
            phase["next"] += rnd.expovariate(phase["rate"]) if phase["rate"] > 0 else float("inf")
            if phase["next"] - phase["t0"] > phase["seconds"]:
                say(presses=len(presses) - phase["start"], max_late_s=round(phase["late"], 3))
                phase = None
                return 0.05
        return min(0.05, float(phase["next"]) - now)

    while True:
        try:
            cmd = commands.get_nowait()
        except queue.Empty:
            loop.run_once(press_due())
            continue
        if cmd is None or cmd["cmd"] == "quit":
            break
        what = cmd["cmd"]
        if what == "press":
            t = time.monotonic()
            rate = float(cmd["rate"])
            first = t + rnd.expovariate(rate) if rate > 0 else float("inf")
            phase = {"rate": rate, "seconds": cmd["seconds"], "t0": t, "next": first, "late": 0.0}
            phase["start"] = len(presses)
            if first - t > cmd["seconds"]:
                say(presses=0, max_late_s=0.0)
                phase = None
        elif what == "stats":
            say(
                unacked=sum(link.outbox.backlog().unacked for link in links if link.outbox is not None),
                published=sum(link.published for link in links),
                acked=sum(link.acked for link in links),
                connected=loop.connected(),
                presses=len(presses),
            )
        elif what == "dump":
            path = Path(cmd["path"])
            with path.open("w") as f:
                for eid, tp, tput in presses:
                    f.write(f"{eid}\t{tp:.6f}\t{tput:.6f}\t{acked_at.get(eid, 0.0):.6f}\n")
            say(dumped=len(presses))
    loop.close()
    for link in links:
        if link.outbox is not None:
            link.outbox.close()
    say(stopped=True)
    return 0


def start_workers(
    c: County, root: Path, n_workers: int, outbox_root: Path, nice: int, poll_s: float
) -> list[Worker]:
    devs = sorted(c.device_home)
    shares = [devs[i::n_workers] for i in range(n_workers)]
    workers = []
    for i, share in enumerate(shares):
        spec = {
            "index": i,
            "nice": nice,
            "poll_s": poll_s,
            "seed": 1000 + i,
            "outbox_root": str(outbox_root / f"w{i}"),
            "devices": [
                {
                    "device": d,
                    "hall": hall_id(c.device_home[d][0]),
                    "url": f"mqtt://{HOST}:{c.device_home[d][1]}",
                    "password_file": str(c.secret(d)),
                }
                for d in share
            ],
        }
        path = root / f"worker-{i}.json"
        path.write_text(json.dumps(spec))
        workers.append(Worker(i, path, root / f"worker-{i}.log"))
    return workers


def wait_drained(workers: Sequence[Worker], total: int, timeout: float) -> tuple[float, list[dict[str, Any]]]:
    """Seconds until every device outbox has nothing unacked (all `total` presses acked)."""
    t0 = time.monotonic()
    while True:
        stats = all_ask(workers, cmd="stats")
        if sum(s["unacked"] for s in stats) == 0 and sum(s["presses"] for s in stats) >= total:
            return time.monotonic() - t0, stats
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(f"not drained after {timeout:.0f} s: {stats}")
        time.sleep(0.25)


def read_presses(workers: Sequence[Worker], root: Path, tag: str) -> list[tuple[str, float, float, float]]:
    rows = []
    for w in workers:
        path = root / f"presses-{tag}-{w.index}.tsv"
        w.ask(cmd="dump", path=str(path))
        for line in path.read_text().splitlines():
            eid, tp, tput, tack = line.split("\t")
            rows.append((eid, float(tp), float(tput), float(tack)))
    return rows


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Run:
    c: County
    root: Path
    args: argparse.Namespace
    workers: list[Worker] = field(default_factory=list)
    service: CountyService | None = None
    done_presses: set[str] = field(default_factory=set)
    receiver_counts_before_outage: dict[str, int] = field(default_factory=dict)

    def cpu(self) -> CpuWindow:
        return CpuWindow(
            {
                "county_broker": lambda: (
                    [self.c.county.proc.pid] if self.c.county.running and self.c.county.proc else []
                ),
                "receiver": lambda: self.service.pid if self.service else [],
                "hall_brokers_total": lambda: [b.proc.pid for b in self.c.hall_brokers if b.proc],
                "device_simulators_total": lambda: [w.proc.pid for w in self.workers],
                "bench_process": lambda: [os.getpid()],
            }
        )

    def raw_phase(self, rig: RawRig, rate: float) -> dict[str, Any]:
        a = self.args
        with rig.lock:
            rig.lat.clear()
            rig.received = 0
        win = self.cpu()
        win.start()
        sent = rig.run(rate, a.phase_s)
        cpu = win.stop()
        deadline = time.monotonic() + 60
        while rig.received < sent and time.monotonic() < deadline:
            time.sleep(0.1)
        with rig.lock:
            t_first = min((s for s, _ in rig.lat), default=0.0)
            lat = [lt for s, lt in rig.lat if s - t_first >= a.warmup_s]
            got = rig.received
        return {
            "offered_per_s": rate,
            "sent": sent,
            "received": got,
            "publish_to_subscriber": summary_ms(lat),
            **cpu,
        }

    def our_phase(self, rate: float, tag: str) -> dict[str, Any]:
        a = self.args
        assert self.service is not None
        win = self.cpu()
        for w in self.workers:
            w.send(cmd="press", rate=rate / len(self.workers), seconds=a.phase_s)
        win.start()
        gen = [w.reply(a.phase_s + 120) for w in self.workers]
        cpu = win.stop()
        total_presses = sum(g["presses"] for g in gen) + len(self.done_presses)
        drain_s, _ = wait_drained(self.workers, total_presses, 300)
        rows = [r for r in read_presses(self.workers, self.root, tag) if r[0] not in self.done_presses]
        self.done_presses.update(r[0] for r in rows)
        stored = self.service.stored_at()
        t_first = min((r[1] for r in rows), default=0.0)
        measured = [r for r in rows if r[1] - t_first >= a.warmup_s]
        to_store = [stored[r[0]] / 1000 - r[1] for r in measured if r[0] in stored]
        to_ack = [r[3] - r[1] for r in measured if r[3] > 0]
        put = [r[2] - r[1] for r in measured]
        missing = sum(1 for r in rows if r[0] not in stored)
        return {
            "offered_per_s": rate,
            "presses": len(rows),
            "achieved_per_s": round(len(rows) / a.phase_s, 1),
            "generator_max_late_s": max(g["max_late_s"] for g in gen),
            "press_to_stored": summary_ms(to_store),
            "press_to_ack_at_device": summary_ms(to_ack),
            "outbox_put": summary_ms(put),
            "not_stored": missing,
            "drain_after_phase_s": round(drain_s, 2),
            **cpu,
        }

    def outage(self) -> dict[str, Any]:
        a = self.args
        assert self.service is not None
        at_start = all_ask(self.workers, cmd="stats")
        before = sum(s["presses"] for s in at_start)
        hall_rss_before = rss_mib([b.proc.pid for b in self.c.hall_brokers if b.proc])
        for w in self.workers:
            w.send(cmd="press", rate=a.outage_rate / len(self.workers), seconds=a.outage_s)
        self.service.stop()
        self.receiver_counts_before_outage = self.service.counts()
        self.c.county.stop()
        t_down = time.monotonic()
        gen = [w.reply(a.outage_s + 120) for w in self.workers]
        stats = all_ask(self.workers, cmd="stats")
        backlog = sum(s["unacked"] for s in stats)
        hall_rss = rss_mib([b.proc.pid for b in self.c.hall_brokers if b.proc])
        published_before = sum(s["published"] for s in stats)
        down_s = time.monotonic() - t_down
        t_up = time.monotonic()
        self.c.county.start(timeout=60)
        county_up_s = time.monotonic() - t_up
        self.service.start()
        service_up_s = time.monotonic() - t_up
        total = before + sum(g["presses"] for g in gen)
        drain_s, stats = wait_drained(self.workers, total, 3600)
        drain_from_county_up = time.monotonic() - t_up
        stored = self.service.stored_at()
        rows = read_presses(self.workers, self.root, "outage")
        missing = sum(1 for r in rows if r[0] not in stored)
        return {
            "outage_s": round(down_s, 1),
            "what_stopped": "county broker and hall-county (SIGTERM), hall brokers and devices kept running",
            "ratings_per_s_during_outage": a.outage_rate,
            "presses_during_outage": sum(g["presses"] for g in gen),
            "backlog_unacked_in_device_outboxes_at_county_return": backlog,
            "hall_broker_rss_mib_before": {
                "mean": round(sum(hall_rss_before) / max(1, len(hall_rss_before)), 2),
                "max": max(hall_rss_before, default=0),
            },
            "hall_broker_rss_mib_at_county_return": {
                "mean": round(sum(hall_rss) / max(1, len(hall_rss)), 2),
                "max": max(hall_rss, default=0),
            },
            "county_broker_restart_s": round(county_up_s, 2),
            "county_service_online_s": round(service_up_s, 2),
            "drain_s_from_county_broker_start": round(drain_from_county_up, 2),
            "drain_s_after_service_online": round(drain_s, 2),
            "backlog_drained_per_s": round(backlog / drain_s, 1) if drain_s > 0 else None,
            "hall_broker_kib_per_queued_event": round(
                (sum(hall_rss) - sum(hall_rss_before)) * 1024 / max(1, backlog), 2
            ),
            "device_publishes_during_outage": published_before - sum(s["published"] for s in at_start),
            "resends_during_drain": sum(s["published"] for s in stats) - published_before,
            "not_stored_after_drain": missing,
        }


def run(a: argparse.Namespace) -> dict[str, Any]:
    rates = [float(r) for r in a.rates.split(",") if r]
    base = Path(tempfile.mkdtemp(prefix="scale-model-", dir=a.tmp_dir))
    outbox_root = Path(tempfile.mkdtemp(prefix="scale-model-outboxes-", dir=a.outbox_dir))
    result: dict[str, Any] = {}
    n_workers = -(-a.devices // a.devices_per_worker)
    t_build = time.monotonic()
    c = build_county(base, a.halls, a.devices)
    r = Run(c, base, a)
    try:
        c.county.start()
        time.sleep(1)
        county_rss_alone = rss_mib([c.county.proc.pid])[0] if c.county.proc else 0.0
        for b in c.hall_brokers:
            b.start()
        bridges_s = wait_bridges(c)
        time.sleep(2)
        county_rss_bridged = rss_mib([c.county.proc.pid])[0] if c.county.proc else 0.0
        hall_rss_idle = rss_mib([b.proc.pid for b in c.hall_brokers if b.proc])
        build_s = time.monotonic() - t_build
        log.info("%d brokers up in %.1f s (bridges %.1f s)", a.halls + 1, build_s, bridges_s)

        r.workers = start_workers(c, base, n_workers, outbox_root, a.sim_nice, a.link_poll_s)
        ready = [w.reply(300) for w in r.workers]
        connected = sum(x["ready"] for x in ready)
        log.info("%d of %d devices connected (%d processes)", connected, a.devices, n_workers)
        log.info(
            "memory so far: county broker alone %s MiB, with bridges %s MiB",
            county_rss_alone,
            county_rss_bridged,
        )
        if connected < a.devices:
            raise RuntimeError(f"only {connected} of {a.devices} devices connected: {ready}")
        time.sleep(3)
        county_rss_devices = rss_mib([c.county.proc.pid])[0] if c.county.proc else 0.0
        idle = r.cpu()
        idle.start()
        time.sleep(min(10.0, a.phase_s))
        idle_cpu = idle.stop()

        payload_len = len(rating("hall-001", "d001-001").to_json())
        raw: list[dict[str, Any]] = []
        rig = RawRig(c, payload_len)
        try:
            for rate in rates:
                raw.append(r.raw_phase(rig, rate))
                log.info("raw %s/s: %s", rate, json.dumps(raw[-1]))
        finally:
            rig.close()

        r.service = CountyService(c, base / "county-service")
        r.service.start()
        ours: list[dict[str, Any]] = []
        for rate in rates:
            ours.append(r.our_phase(rate, f"r{int(rate)}"))
            log.info("ours %s/s: %s", rate, json.dumps(ours[-1]))
        outage = r.outage() if a.outage_s > 0 else None
        if outage:
            log.info("outage: %s", json.dumps(outage))
        ours_rss = {
            "county_broker_rss_mib": rss_mib([c.county.proc.pid]) if c.county.proc else [],
            "receiver_rss_mib": rss_mib(r.service.pid),
            "device_simulators_rss_mib": rss_mib([w.proc.pid for w in r.workers]),
        }
        n = a.halls
        result = {
            "bench": "scale_model",
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "env": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "mosquitto": subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout.split(
                    "\n"
                )[0],
                "load_average_1_5_15_at_start": [round(x, 2) for x in LOAD_AT_START],
                "load_average_1_5_15_at_end": [round(x, 2) for x in os.getloadavg()],
                "note": "a 2-core VM shared with other engineers' tests: see the load averages",
            },
            "shape": {
                "halls": n,
                "devices": a.devices,
                "device_simulator_processes": n_workers,
                "link_poll_s": a.link_poll_s,
                "bridge_connections_at_county": 2 * n,
                "phase_s": a.phase_s,
                "warmup_s": a.warmup_s,
                "county_store": "SQLite on disk (WAL, synchronous=FULL)",
                "device_outboxes": f"SQLite on {a.outbox_dir} (a device fsyncs its own disk)",
                "receiver": "hall-county (county/main.py), one process, default settings",
                "rating_payload_bytes": payload_len,
            },
            "startup": {
                "brokers_and_accounts_s": round(build_s, 1),
                "bridges_up_s": bridges_s,
                "devices_connected": ready,
            },
            "memory": {
                "county_broker_rss_mib_alone": county_rss_alone,
                "county_broker_rss_mib_with_bridges": county_rss_bridged,
                "county_broker_rss_mib_with_bridges_and_devices": county_rss_devices,
                "county_broker_kib_per_hall_with_its_devices": round(
                    (county_rss_devices - county_rss_alone) * 1024 / n, 1
                ),
                "hall_broker_rss_mib_idle": {
                    "mean": round(sum(hall_rss_idle) / max(1, len(hall_rss_idle)), 2),
                    "max": max(hall_rss_idle, default=0),
                },
                "at_end": ours_rss,
            },
            "idle_cpu_devices_connected_no_ratings": idle_cpu,
            "raw_paho": raw,
            "outbox_link_county": ours,
            "county_outage": outage,
            "receiver_counts": r.service.counts() if r.service else {},
        }
        return result
    except BaseException:
        if r.service is not None:
            print(r.service.tail(), file=sys.stderr)
        raise
    finally:
        for w in r.workers:
            w.stop()
        if r.service is not None:
            r.service.stop()
            if result:
                result["receiver_counts"] = counts = r.service.counts()
                if result.get("county_outage"):
                    before = r.receiver_counts_before_outage
                    result["county_outage"]["receiver_after_return"] = {
                        k: counts.get(k, 0) - before.get(k, 0) for k in ("stored", "duplicate", "rejected")
                    }
        for b in c.hall_brokers:
            b.stop()
        c.county.stop()
        shutil.rmtree(outbox_root, ignore_errors=True)
        if not a.keep:
            shutil.rmtree(base, ignore_errors=True)


LOAD_AT_START = os.getloadavg()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--halls", type=int, default=100)
    p.add_argument("--devices", type=int, default=2500)
    p.add_argument("--rates", default="30,300,1000", help="ratings per second, comma separated")
    p.add_argument("--phase-s", type=float, default=40.0, help="seconds of ratings at each rate")
    p.add_argument("--warmup-s", type=float, default=5.0, help="left out of the latency figures")
    p.add_argument("--outage-s", type=float, default=600.0, help="county outage in seconds (0: none)")
    p.add_argument("--outage-rate", type=float, default=30.0, help="ratings per second during the outage")
    p.add_argument(
        "--devices-per-worker",
        type=int,
        default=625,
        help="devices per simulator process (each process runs its devices on one thread)",
    )
    p.add_argument("--link-poll-s", type=float, default=5.0, help="idle poll of each link (device: 0.5)")
    p.add_argument("--sim-nice", type=int, default=10, help="niceness of the device simulators")
    p.add_argument("--outbox-dir", default="/dev/shm", help="where the simulated devices keep their outboxes")
    p.add_argument(
        "--tmp-dir", default=None, help="brokers' state and the county database (default: $TMPDIR)"
    )
    p.add_argument("--out", type=Path, default=RESULTS / "scale_model.json")
    p.add_argument("--keep", action="store_true", help="keep the run's directory (logs, configs)")
    p.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        return worker_main(a.worker)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    # SIGTERM (e.g. `timeout`) runs the clean-up too: brokers, workers, the outboxes on tmpfs
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    result = run(a)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
