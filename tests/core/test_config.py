from pathlib import Path

import pytest

from core.config import ConfigError, DeviceSettings


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "device.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_file(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        'device_id = "eval-07"\nhall_id = "hall-2"\nstate_dir = "/x/y"\n[mqtt]\nurl = "mqtts://broker:8884"\n',
    )
    s = DeviceSettings.load(p)
    assert s.device_id == "eval-07" and s.state_dir == Path("/x/y")
    assert (s.mqtt.host, s.mqtt.port, s.mqtt.tls) == ("broker", 8884, True)


def test_defaults_without_file() -> None:
    s = DeviceSettings.load()
    assert s.mqtt.port == 1883 and not s.mqtt.tls


def _error(path: Path | None = None, **kw: object) -> str:
    with pytest.raises(ConfigError) as err:
        DeviceSettings.load(path, **kw)
    msg = str(err.value)
    assert "\n" not in msg
    return msg


def test_missing_file(tmp_path: Path) -> None:
    assert _error(tmp_path / "nope.toml") == f"{tmp_path / 'nope.toml'}: file not found"


def test_bad_toml(tmp_path: Path) -> None:
    msg = _error(_write(tmp_path, 'device_id = "x\n'))
    assert msg.startswith(f"{tmp_path / 'device.toml'}: not valid TOML")


def test_unknown_key(tmp_path: Path) -> None:
    msg = _error(_write(tmp_path, "[mqtt]\nurll = 'mqtt://a:1'\n"))
    assert msg.endswith("mqtt.urll: unknown key (got 'mqtt://a:1')")


def test_bad_value(tmp_path: Path) -> None:
    msg = _error(_write(tmp_path, 'device_id = "Eval 01"\n'))
    assert "device_id" in msg and "'Eval 01'" in msg
    assert "mqtt.url" in _error(_write(tmp_path, '[mqtt]\nurl = "http://a"\n'))
    assert "bad port" in _error(_write(tmp_path, '[mqtt]\nurl = "mqtt://a:xx"\n'))
    assert "keepalive_s" in _error(_write(tmp_path, "[mqtt]\nkeepalive_s = 1\n"))


def test_env_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = _write(tmp_path, '[mqtt]\nurl = "mqtt://file-host:1883"\n')
    monkeypatch.setenv("HALL_MQTT__URL", "mqtt://env-host:2883")
    s = DeviceSettings.load(p)
    assert (s.mqtt.host, s.mqtt.port) == ("env-host", 2883)


def test_bad_env_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HALL_MQTT__URL", "ftp://x")
    msg = _error()
    assert "mqtt.url (from $HALL_MQTT__URL)" in msg


def test_password_file(tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("s3cret\n")
    s = DeviceSettings.load(None, mqtt={"password_file": str(pw)})
    assert s.mqtt.password() == "s3cret"
    s = DeviceSettings.load(None, mqtt={"password_file": str(tmp_path / "none")})
    with pytest.raises(ConfigError, match="cannot read"):
        s.mqtt.password()
