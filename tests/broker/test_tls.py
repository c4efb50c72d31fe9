"""The TLS variant: county TLS listener (client certificates required, CN = account) and a hall
bridge over it, with certificates from broker_config/make-dev-ca."""

import socket
import ssl
import subprocess
from pathlib import Path

import pytest

from core import topics
from core.accounts import bridge_account
from ops import brokers
from ops.procs import HOST
from tests.support.mosquitto import HallPair, make_county_broker, make_hall_broker, running
from tests.support.mqtt_helpers import connect

pytestmark = pytest.mark.broker

MAKE_DEV_CA = Path(brokers.TEMPLATE_DIR) / "make-dev-ca"
HALL = "test-hall"


@pytest.fixture
def tls_dir(tmp_path):
    d = tmp_path / "tls"
    subprocess.run(
        [str(MAKE_DEV_CA), str(d), "county.test", HALL], check=True, capture_output=True, timeout=60
    )
    return d


def test_make_dev_ca_makes_what_the_renderer_expects(tls_dir):
    for name in ("ca.crt", "ca.key", "server.crt", "server.key", f"bridge.{HALL}.crt", f"bridge.{HALL}.key"):
        assert (tls_dir / name).stat().st_size > 0, name
    assert (tls_dir / "server.key").stat().st_mode & 0o077 == 0  # keys private
    cert = str(tls_dir / f"bridge.{HALL}.crt")
    out = subprocess.run(
        ["openssl", "x509", "-in", cert, "-noout", "-subject"], check=True, capture_output=True, text=True
    ).stdout
    assert f"bridge.{HALL}" in out


def test_bridge_over_tls_carries_events_and_acks(tmp_path, broker_accounts, tls_dir):
    server = brokers.TlsFiles(tls_dir / "ca.crt", tls_dir / "server.crt", tls_dir / "server.key")
    name = bridge_account(HALL)
    client = brokers.TlsFiles(tls_dir / "ca.crt", tls_dir / f"{name}.crt", tls_dir / f"{name}.key")
    county = make_county_broker(tmp_path / "county", broker_accounts, tls=server)
    tls_port = county.extra_ports[0]
    hall = make_hall_broker(
        tmp_path / "hall", broker_accounts, county=county, tls=client, county_tls_port=tls_port
    )
    assert "bridge_certfile" in hall.conf.read_text() and "remote_password" not in hall.conf.read_text()
    pair = HallPair(hall, county, broker_accounts)
    with running(hall, county):
        pair.start()
        svc = connect(pair.county_service(), "svc")
        svc.subscribe([topics.all_events()])
        dev = connect(pair.device("eval-01"), "eval-01")
        dev.subscribe([topics.ack(HALL, "eval-01")])
        dev.publish(topics.event(HALL, "eval-01", "rating"), b"{}")
        assert svc.get(10).topic == topics.event(HALL, "eval-01", "rating")
        svc.publish(topics.ack(HALL, "eval-01"), b"{}")
        assert dev.get(10).topic == topics.ack(HALL, "eval-01")
        for c in (svc, dev):
            c.close()

        # without a client certificate the TLS listener refuses the handshake
        ctx = ssl.create_default_context(cafile=str(tls_dir / "ca.crt"))
        with (
            socket.create_connection((HOST, tls_port), timeout=5) as raw,
            pytest.raises((ssl.SSLError, ConnectionError)),
            ctx.wrap_socket(raw, server_hostname="localhost") as t,
        ):
            t.sendall(b"\x10\x00")  # anything; the server has already said no
            if t.recv(1) == b"":
                raise ConnectionError("closed")
