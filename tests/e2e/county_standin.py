"""TEMPORARY stand-in for the county receiver (`county/`, built on branch brokers-county) so the
e2e and bench harness can be developed before it lands. Stores each event once by event_id in
SQLite and acks it on the device's ack topic. Replaced by `hall-county` as soon as it is merged.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from core import topics
from core.config import MqttSettings
from core.messages import Ack, AckItem, CountyState
from core.mqtt_client import Will, connect_async, make_client


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--password-file", type=Path, required=True)
    p.add_argument("--db", type=Path, required=True)
    a = p.parse_args(argv)
    db = sqlite3.connect(a.db, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, device TEXT, seq INT, body TEXT)"
    )
    settings = MqttSettings(url=a.url, username=a.username, password_file=a.password_file)
    will = Will(topics.COUNTY_STATE, CountyState(online=False, timestamp=0).to_json())
    c = make_client(settings, "svc.county.standin", will=will)

    def on_connect(client: mqtt.Client, *_: object) -> None:
        client.subscribe(topics.all_events(), qos=1)
        state = CountyState(online=True, timestamp=int(time.time() * 1000))
        client.publish(topics.COUNTY_STATE, state.to_json(), qos=1, retain=True)
        print("connected", flush=True)

    def on_message(client: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        body = json.loads(msg.payload)
        t = topics.parse(msg.topic)
        cur = db.execute(
            "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?)",
            (body["event_id"], t.device, body["seq"], msg.payload),
        )
        result = "stored" if cur.rowcount else "duplicate"
        ack = Ack(acks=[AckItem(event_id=body["event_id"], result=result)])
        client.publish(topics.ack(t.hall, t.device), ack.to_json(), qos=1)

    c.on_connect = on_connect
    c.on_message = on_message
    connect_async(c, settings, clean_start=False, session_expiry_s=86400)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    c.loop_start()
    stop.wait()
    c.disconnect()
    c.loop_stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
