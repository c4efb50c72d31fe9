"""Mosquitto configuration for the hall and county brokers, rendered from `broker_config/`.

The templates in `broker_config/` (`*.in`, `@NAME@` placeholders) are the one source; this module
fills them for given ports and directories, so tests, the demo and operators start the same
configuration. `python -m ops.brokers --help` renders a set for an installation.
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from core.accounts import SERVICE_ACCOUNTS, bridge_account
from core.topics import ID_PATTERN, check_id

# `ops/broker_config` is a symlink to the repository's `broker_config/` (the folder operators know):
# setuptools ships the files through it as package data of `ops`, so a checkout, an editable
# install and a wheel all find the templates and scripts here.
TEMPLATE_DIR = Path(str(resources.files("ops") / "broker_config"))

_PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


class RenderError(ValueError):
    """A template that names a value nobody gave (or a bad value)."""


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace every `@NAME@`; a name without a value is an error, never left in a config."""

    def one(m: re.Match[str]) -> str:
        try:
            return values[m.group(1)]
        except KeyError:
            raise RenderError(f"template value @{m.group(1)}@ not given") from None

    return _PLACEHOLDER.sub(one, template)


def _template(name: str, template_dir: Path) -> str:
    return (template_dir / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: the CA that signs both ends, and this end's certificate and key."""

    ca_file: Path
    cert_file: Path
    key_file: Path


@dataclass(frozen=True)
class Bridge:
    """How a hall broker reaches the county broker: a password, or a client certificate (TLS)."""

    county_host: str = "127.0.0.1"
    county_port: int = 1884
    password: str | None = None
    tls: TlsFiles | None = None


@dataclass(frozen=True)
class BrokerFiles:
    """Where a broker's files go. `conf_dir` holds the rendered conf and ACL (and the password
    file unless `password_file` says otherwise); `state_dir` holds the persistence database."""

    conf_dir: Path
    state_dir: Path
    password_file: Path | None = None
    port: int = 1883
    bind_address: str = ""  # "" = every interface
    run_as_root: bool = False  # tests started as root: keep root, else Mosquitto cannot write state

    @property
    def passwd(self) -> Path:
        return self.password_file or self.conf_dir / "passwd"


_DEVICE_RE = re.compile(rf"^{ID_PATTERN}$")


def device_accounts(password_file: Path) -> list[str]:
    """The device accounts in a Mosquitto password file: names without a dot (services have one)."""
    try:
        lines = password_file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    names = (line.split(":", 1)[0].strip() for line in lines)
    return [n for n in names if n and "." not in n and _DEVICE_RE.match(n)]


def render_device_acl(device: str, template_dir: Path = TEMPLATE_DIR) -> str:
    """One device's ACL block (what `make-passwords --acl` appends for a new device)."""
    return fill(_template("acl-device.in", template_dir), {"DEVICE": check_id(device, "device")})


def render_acl(
    halls: Sequence[str] = (), template_dir: Path = TEMPLATE_DIR, devices: Sequence[str] = ()
) -> str:
    """The ACL: the pattern rules, every service account, one bridge account per hall in `halls`
    and a block per device in `devices` (what no pattern may say without a warning)."""
    bridges = "".join(
        fill(_template("acl-bridge.in", template_dir), {"HALL": check_id(h, "hall")}) for h in halls
    )
    device_blocks = "".join(render_device_acl(d, template_dir) for d in devices)
    return fill(_template("acl.in", template_dir), {"BRIDGE_USERS": bridges, "DEVICE_USERS": device_blocks})


def _common(files: BrokerFiles, acl_file: Path) -> dict[str, str]:
    return {
        "USER_LINE": "user root" if files.run_as_root else "user mosquitto",
        "PASSWORD_FILE": str(files.passwd),
        "ACL_FILE": str(acl_file),
        "PORT": str(files.port),
        "BIND": files.bind_address,
        "STATE_DIR": str(files.state_dir).rstrip("/"),
    }


def render_bridge(hall_id: str, bridge: Bridge, template_dir: Path = TEMPLATE_DIR) -> str:
    account = bridge_account(hall_id)
    if bridge.tls is not None:
        auth = "\n".join(
            [
                f"bridge_cafile {bridge.tls.ca_file}",
                f"bridge_certfile {bridge.tls.cert_file}",
                f"bridge_keyfile {bridge.tls.key_file}",
                "bridge_insecure false",
                "# the county's TLS listener takes the certificate's common name as the username",
            ]
        )
    elif bridge.password is not None:
        auth = f"remote_username {account}\nremote_password {bridge.password}"
    else:
        raise RenderError("the bridge needs a password or TLS files")
    return fill(
        _template("bridge.conf.in", template_dir),
        {
            "HALL": hall_id,
            "COUNTY_HOST": bridge.county_host,
            "COUNTY_PORT": str(bridge.county_port),
            "BRIDGE_AUTH": auth,
        },
    )


def render_hall(
    files: BrokerFiles, hall_id: str, bridge: Bridge | None, template_dir: Path = TEMPLATE_DIR
) -> dict[Path, str]:
    """The hall broker's files: `{path: text}` (conf, ACL). Without `bridge`: a standalone broker."""
    check_id(hall_id, "hall")
    conf, acl = files.conf_dir / "hall.conf", files.conf_dir / "hall.acl"
    values = _common(files, acl)
    values["BRIDGE"] = render_bridge(hall_id, bridge, template_dir) if bridge else "# (no bridge)"
    return {
        conf: fill(_template("hall.conf.in", template_dir), values),
        acl: render_acl((), template_dir, device_accounts(files.passwd)),
    }


def render_county(
    files: BrokerFiles,
    halls: Sequence[str],
    tls: TlsFiles | None = None,
    tls_port: int = 8884,
    template_dir: Path = TEMPLATE_DIR,
) -> dict[Path, str]:
    """The county broker's files: conf and an ACL with one bridge account per hall in `halls`."""
    conf, acl = files.conf_dir / "county.conf", files.conf_dir / "county.acl"
    values = _common(files, acl)
    values["TLS_LISTENER"] = (
        fill(
            _template("county-tls-listener.conf.in", template_dir),
            {
                "TLS_PORT": str(tls_port),
                "BIND": files.bind_address,
                "CA_FILE": str(tls.ca_file),
                "CERT_FILE": str(tls.cert_file),
                "KEY_FILE": str(tls.key_file),
            },
        )
        if tls
        else ""
    )
    text = fill(_template("county.conf.in", template_dir), values)
    return {conf: text, acl: render_acl(halls, template_dir, device_accounts(files.passwd))}


def write(rendered: Mapping[Path, str]) -> list[Path]:
    """Write rendered files (0600: a bridge password may be inside); returns the paths. Written by
    root, they are handed to the `mosquitto` user: Mosquitto reads the ACL after dropping to it,
    and every file again on a reload (SIGHUP)."""
    out = []
    owner = _broker_user()
    for path, text in rendered.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_text(text, encoding="utf-8")
        if owner:
            shutil.chown(path, owner)
        out.append(path)
    return out


def _broker_user() -> str | None:
    """ "mosquitto" when we are root and that user exists (as the Debian package makes it)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("mosquitto")
    except KeyError:
        return None
    return "mosquitto"


def add_accounts(password_file: Path, secrets_dir: Path, usernames: Sequence[str]) -> dict[str, Path]:
    """Runs `broker_config/make-passwords`, the operator's script, so the demo and the tests make
    accounts exactly as an installation does: a random password per new account in
    `secrets_dir/<account>.password` (0600; an existing one is kept) and its hash in
    `password_file`. Returns each account's secret file. Tell a running broker afterwards (SIGHUP)."""
    script = TEMPLATE_DIR / "make-passwords"
    try:
        subprocess.run(
            [str(script), str(password_file), str(secrets_dir), *usernames],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except FileNotFoundError:
        raise RenderError(f"{script} not found") from None
    except subprocess.CalledProcessError as e:
        why = e.stderr.decode(errors="replace").strip().splitlines()
        raise RenderError(why[-1] if why else f"{script.name} failed ({e.returncode})") from None
    return {user: secrets_dir / f"{user}.password" for user in usernames}


@dataclass(frozen=True)
class LocalPair:
    """A hall broker and a county broker on one machine (the demo): confs, accounts, ports."""

    hall_conf: Path
    county_conf: Path
    hall_port: int
    county_port: int
    password_file: Path
    secrets_dir: Path

    def secret(self, account: str) -> Path:
        return self.secrets_dir / f"{account}.password"


def prepare_local_pair(
    root: Path,
    hall_id: str,
    devices: Sequence[str] = (),
    hall_port: int = 1883,
    county_port: int = 1884,
    run_as_root: bool = False,
    bind_address: str = "127.0.0.1",
) -> LocalPair:
    """Render both brokers under `root` (conf, state, one shared password file, secrets) with
    accounts for `devices`, the service accounts and the bridge. Start them with
    `mosquitto -c <conf>` (county first); re-run to add devices, then SIGHUP both."""
    passwd, secrets_dir = root / "passwd", root / "secrets"
    bridge = bridge_account(hall_id)
    made = add_accounts(passwd, secrets_dir, [*SERVICE_ACCOUNTS, bridge, *devices])
    password = made[bridge].read_text(encoding="utf-8").strip()

    def files(name: str, port: int) -> BrokerFiles:
        (root / name / "state").mkdir(parents=True, exist_ok=True)
        return BrokerFiles(
            conf_dir=root / name,
            state_dir=root / name / "state",
            password_file=passwd,
            port=port,
            bind_address=bind_address,
            run_as_root=run_as_root,
        )

    county_conf = write(render_county(files("county", county_port), [hall_id]))[0]
    bridge_to = Bridge("127.0.0.1", county_port, password=password)
    hall_conf = write(render_hall(files("hall", hall_port), hall_id, bridge_to))[0]
    return LocalPair(hall_conf, county_conf, hall_port, county_port, passwd, secrets_dir)


def _tls(tls_dir: Path | None, name: str) -> TlsFiles | None:
    """The files `make-dev-ca` names: ca.crt plus <name>.crt and <name>.key."""
    return TlsFiles(tls_dir / "ca.crt", tls_dir / f"{name}.crt", tls_dir / f"{name}.key") if tls_dir else None


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m ops.brokers",
        description="Render Mosquitto configuration for a hall broker or the county broker "
        "from broker_config/ (生成大厅/县级 Mosquitto 配置).",
    )
    p.add_argument("kind", choices=["hall", "county"])
    p.add_argument("--conf-dir", type=Path, default=Path("/etc/mosquitto/conf.d"))
    p.add_argument("--state-dir", type=Path, default=Path("/var/lib/mosquitto"))
    p.add_argument("--port", type=int, default=0, help="listener port (default: hall 1883, county 1884)")
    p.add_argument("--hall", action="append", default=[], help="hall id (hall: one; county: each)")
    p.add_argument("--county", default="127.0.0.1:1884", help="hall: county broker host:port")
    p.add_argument("--bridge-password-file", type=Path, help="hall: the bridge account's password")
    p.add_argument("--tls-dir", type=Path, help="directory made by make-dev-ca (or the same names)")
    p.add_argument("--tls-port", type=int, default=8884, help="county: TLS listener port")
    a = p.parse_args(argv)
    port = a.port or (1883 if a.kind == "hall" else 1884)
    files = BrokerFiles(conf_dir=a.conf_dir, state_dir=a.state_dir, port=port)
    tls_dir: Path | None = a.tls_dir
    try:
        if a.kind == "hall":
            if len(a.hall) != 1:
                p.error("a hall broker needs exactly one --hall")
            hall: str = a.hall[0]
            host, _, cport = str(a.county).rpartition(":")
            account = bridge_account(hall)
            tls = _tls(tls_dir, account)
            pw_file: Path | None = a.bridge_password_file
            password = pw_file.read_text(encoding="utf-8").strip() if pw_file else None
            paths = write(render_hall(files, hall, Bridge(host, int(cport), password=password, tls=tls)))
        else:
            tls = _tls(tls_dir, "server")
            paths = write(render_county(files, a.hall, tls, a.tls_port))
    except (RenderError, ValueError, OSError) as e:
        print(f"ops.brokers: {e}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
