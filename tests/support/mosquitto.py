"""Real Mosquitto brokers for tests, rendered from `broker_config/` (via `ops.brokers`).

    hall_pair fixture (or bridged_brokers): a hall broker bridged to a county broker
    hall_broker / county_broker fixtures:   one standalone broker each

Each broker runs as `mosquitto -c <rendered conf>` on a free loopback port with its persistence
in a temp dir; `kill()` (SIGKILL), `stop()` (SIGTERM: saves persistence) and `start()` again
reuse the same port and state. `Accounts` makes broker accounts on demand (password file via
`mosquitto_passwd`, then SIGHUP to every broker using it) and gives `MqttSettings` for them:

    def test_x(hall_pair):
        dev = hall_pair.device("eval-01")            # MqttSettings for the hall broker
        svc = hall_pair.county_service()             # svc.county at the county broker
        c = make_client(dev, "eval-01"); ...
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from core.accounts import COUNTY_SERVICE, MANAGER, MONITOR, bridge_account
from core.config import MqttSettings
from core.mqtt_client import make_client
from ops import brokers
from ops.procs import HOST, die_with_parent, free_port, listening

MOSQUITTO = os.environ.get("MOSQUITTO", "/usr/sbin/mosquitto")
MOSQUITTO_PASSWD = os.environ.get("MOSQUITTO_PASSWD", "mosquitto_passwd")
HALL_ID = "test-hall"


class Accounts:
    """One password file plus a secrets dir (`<account>.password`), shared by the brokers of a test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.passwd = root / "passwd"
        self.secrets = root / "secrets"
        self.secrets.mkdir(parents=True, exist_ok=True)
        self.passwd.touch(mode=0o600)
        self._lock = threading.Lock()
        self._known: dict[str, str] = {}
        self.brokers: list[Broker] = []  # told (SIGHUP) when an account is added

    def add(self, username: str, password: str | None = None) -> str:
        """Create (or keep) `username`; returns its password. Running brokers reload the file."""
        with self._lock:
            if username in self._known and password in (None, self._known[username]):
                return self._known[username]
            password = password or f"pw-{username}-{os.urandom(6).hex()}"
            subprocess.run(
                [MOSQUITTO_PASSWD, "-b", str(self.passwd), username, password],
                check=True,
                capture_output=True,
                timeout=10,
            )
            (self.secrets / f"{username}.password").write_text(password + "\n", encoding="utf-8")
            self._known[username] = password
            if "." not in username:  # a device: its ACL block, as `make-passwords --acl` appends it
                for b in self.brokers:
                    b.add_device_acl(username)
        for b in self.brokers:
            b.reload()
        return password

    def add_many(self, usernames: list[str]) -> None:
        """Several accounts with one reload (cheaper than `add` in a loop)."""
        brokers_, self.brokers = self.brokers, []
        try:
            for u in usernames:
                self.add(u)
        finally:
            self.brokers = brokers_
        for b in self.brokers:
            for u in usernames:
                if "." not in u:
                    b.add_device_acl(u)
            b.reload()

    def password_file(self, username: str) -> Path:
        self.add(username)
        return self.secrets / f"{username}.password"

    def password(self, username: str) -> str:
        return self.add(username)


@dataclass
class Broker:
    """One Mosquitto process on a fixed port and state dir; restartable."""

    name: str
    conf: Path
    port: int
    state_dir: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    extra_ports: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"mqtt://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        assert not self.running, f"{self.name} already running"
        deadline = time.monotonic() + timeout
        while True:
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [MOSQUITTO, "-c", str(self.conf)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=die_with_parent,
                )
            while time.monotonic() < deadline and self.proc.poll() is None:
                if all(listening(p) for p in [self.port, *self.extra_ports]):
                    return
                time.sleep(0.02)
            if self.proc.poll() is None:
                self.kill()
                raise RuntimeError(f"{self.name}: not listening on {self.port} in {timeout}s\n{self.tail()}")
            # exited: the port may still be held by a just-killed broker (or taken); retry a bit
            if time.monotonic() >= deadline:
                raise RuntimeError(f"{self.name}: mosquitto exited {self.proc.returncode}\n{self.tail()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 10.0) -> None:
        """Clean stop (SIGTERM): Mosquitto saves its persistence file first."""
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def kill(self) -> None:
        """Crash (SIGKILL): whatever was not yet autosaved (every 1 s) is lost."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def acl(self) -> Path:
        return self.conf.with_suffix(".acl")  # rendered beside the conf (ops.brokers)

    def add_device_acl(self, device: str) -> None:
        text = self.acl.read_text(encoding="utf-8")
        if f"\nuser {device}\n" not in text:
            self.acl.write_text(text + brokers.render_device_acl(device), encoding="utf-8")

    def reload(self) -> None:
        """SIGHUP: re-read the password and ACL files."""
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGHUP)
            time.sleep(0.05)  # Mosquitto handles the signal on its next loop turn

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _is_root() -> bool:
    return os.geteuid() == 0


def make_hall_broker(
    root: Path,
    accounts: Accounts,
    hall_id: str = HALL_ID,
    county: Broker | None = None,
    tls: brokers.TlsFiles | None = None,
    county_tls_port: int | None = None,
) -> Broker:
    """Render (not start) a hall broker in `root`; bridged to `county` when given."""
    port = free_port()
    files = brokers.BrokerFiles(
        conf_dir=root,
        state_dir=root / "state",
        password_file=accounts.passwd,
        port=port,
        bind_address=HOST,
        run_as_root=_is_root(),
    )
    (root / "state").mkdir(parents=True, exist_ok=True)
    bridge = None
    if county is not None:
        account = bridge_account(hall_id)
        if tls is not None:
            assert county_tls_port is not None
            bridge = brokers.Bridge(HOST, county_tls_port, tls=tls)
        else:
            bridge = brokers.Bridge(HOST, county.port, password=accounts.password(account))
    paths = brokers.write(brokers.render_hall(files, hall_id, bridge))
    b = Broker("hall", paths[0], port, root / "state", root / "mosquitto.log")
    accounts.brokers.append(b)
    return b


def make_county_broker(
    root: Path, accounts: Accounts, halls: tuple[str, ...] = (HALL_ID,), tls: brokers.TlsFiles | None = None
) -> Broker:
    port = free_port()
    tls_port = free_port() if tls else 0
    files = brokers.BrokerFiles(
        conf_dir=root,
        state_dir=root / "state",
        password_file=accounts.passwd,
        port=port,
        bind_address=HOST,
        run_as_root=_is_root(),
    )
    (root / "state").mkdir(parents=True, exist_ok=True)
    paths = brokers.write(brokers.render_county(files, halls, tls=tls, tls_port=tls_port))
    b = Broker(
        "county",
        paths[0],
        port,
        root / "state",
        root / "mosquitto.log",
        extra_ports=[tls_port] if tls else [],
    )
    accounts.brokers.append(b)
    return b


def settings_for(broker: Broker, accounts: Accounts, username: str) -> MqttSettings:
    return MqttSettings(url=broker.url, username=username, password_file=accounts.password_file(username))


# A bridge that lost the county retries after 15-30 s (broker_config/bridge.conf.in): waiting for
# it again after a county broker restart may take that long, plus the connect.
BRIDGE_BACK_S = 45.0


def bridge_up(
    hall: Broker, accounts: Accounts, hall_id: str = HALL_ID, timeout: float = BRIDGE_BACK_S
) -> bool:
    """Wait until both bridge connections report `1` on the hall broker (`notifications_local_only`)."""
    account = bridge_account(hall_id)
    pending = {f"$SYS/broker/connection/{cid}/state" for cid in (account, f"{account}.rpc")}
    lock = threading.Lock()
    got = threading.Event()
    c = make_client(settings_for(hall, accounts, MONITOR), f"probe-{os.urandom(4).hex()}")

    def on_message(_c: mqtt.Client, _u: object, m: mqtt.MQTTMessage) -> None:
        with lock:
            if m.payload == b"1":
                pending.discard(m.topic)
            if not pending:
                got.set()

    c.on_connect = lambda cl, *_: cl.subscribe("$SYS/broker/connection/+/state", qos=1)
    c.on_message = on_message
    c.connect(HOST, hall.port)
    c.loop_start()
    try:
        return got.wait(timeout)
    finally:
        c.disconnect()
        c.loop_stop()


@dataclass
class HallPair:
    """A hall broker bridged to a county broker, sharing one `Accounts`."""

    hall: Broker
    county: Broker
    accounts: Accounts
    hall_id: str = HALL_ID

    def device(self, device_id: str) -> MqttSettings:
        """A device account (username = device id) at the hall broker."""
        return settings_for(self.hall, self.accounts, device_id)

    def county_service(self) -> MqttSettings:
        return settings_for(self.county, self.accounts, COUNTY_SERVICE)

    def monitor(self, at_county: bool = False) -> MqttSettings:
        return settings_for(self.county if at_county else self.hall, self.accounts, MONITOR)

    def manager(self) -> MqttSettings:
        return settings_for(self.hall, self.accounts, MANAGER)

    def wait_bridge(self, timeout: float = BRIDGE_BACK_S) -> None:
        if not bridge_up(self.hall, self.accounts, self.hall_id, timeout):
            raise AssertionError(f"bridge not up after {timeout}s\n{self.hall.tail()}")

    def start(self) -> None:
        self.county.start()
        self.hall.start()
        self.wait_bridge()

    def stop(self) -> None:
        self.hall.kill()
        self.county.kill()


@contextlib.contextmanager
def running(*bs: Broker) -> Iterator[None]:
    try:
        yield
    finally:
        for b in bs:
            b.kill()


@pytest.fixture
def broker_accounts(tmp_path: Path) -> Accounts:
    return Accounts(tmp_path / "accounts")


@pytest.fixture
def county_broker(tmp_path: Path, broker_accounts: Accounts) -> Iterator[Broker]:
    """A standalone county broker (no bridge)."""
    b = make_county_broker(tmp_path / "county", broker_accounts)
    b.start()
    with running(b):
        yield b


@pytest.fixture
def hall_broker(tmp_path: Path, broker_accounts: Accounts) -> Iterator[Broker]:
    """A standalone hall broker (no bridge)."""
    b = make_hall_broker(tmp_path / "hall", broker_accounts)
    b.start()
    with running(b):
        yield b


@pytest.fixture
def hall_pair(tmp_path: Path, broker_accounts: Accounts) -> Iterator[HallPair]:
    """Hall broker bridged to a county broker, both running, bridge up."""
    county = make_county_broker(tmp_path / "county", broker_accounts)
    hall = make_hall_broker(tmp_path / "hall", broker_accounts, county=county)
    pair = HallPair(hall, county, broker_accounts)
    with running(hall, county):
        pair.start()
        yield pair


@pytest.fixture
def bridged_brokers(hall_pair: HallPair) -> HallPair:
    """Another name for `hall_pair`."""
    return hall_pair
