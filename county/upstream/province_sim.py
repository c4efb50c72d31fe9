"""`hall-province-sim`: a provincial 好差评 system for tests, benchmarks and the demo (profile `zj`).

Checks every field of every report, answers as docs/county.md says a province does, keeps each
`(projectNo, assessNumber)` once (de-duplicating by the `Idempotency-Key` header and by the pair),
counts the repeats it absorbed, and can be told to fail:

    hall-province-sim --port 8090 --token-file token.txt
    curl -X POST localhost:8090/_sim/fault -d '{"mode": "500"}'     # ok | 500 | hang | drop | notjson
    curl -X POST localhost:8090/_sim/fault -d '{"refuse": ["C-0042"]}' # a 400 for one record
    curl -X POST localhost:8090/_sim/fault -d '{"delay_s": 2}'       # slow answers (0: normal)
    curl localhost:8090/_sim/stats

In a test, `Province` runs it in a thread; `pause()` closes the listening socket and every open
connection (the county then meets "connection refused") and `resume()` opens the same port again.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import signal
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from core.ids import UUID_RE

log = logging.getLogger("province-sim")

FIELDS = (
    "projectNo",
    "assessNumber",
    "pf",
    "satisfaction",
    "evalDetail",
    "writingEvaluation",
    "assessTime",
    "areaCode",
    "deptCode",
    "taskCode",
    "taskName",
    "userProp",
    "isDefault",
    "dataSource",
)
MODES = ("ok", "500", "hang", "drop", "notjson")


def _int_in(v: Any, lo: int, hi: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def _text(v: Any, lo: int, hi: int) -> bool:
    return isinstance(v, str) and lo <= len(v) <= hi


def check_report(body: Any, expect: dict[str, str] | None = None) -> str | None:
    """Why this `zj` report is refused, or None when every field is right."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    extra = sorted(set(body) - set(FIELDS))
    if extra:
        return f"unknown field {extra[0]}"
    missing = [f for f in FIELDS if f not in body]
    if missing:
        return f"missing field {missing[0]}"
    checks: dict[str, bool] = {
        "projectNo": _text(body["projectNo"], 1, 50),
        "assessNumber": _int_in(body["assessNumber"], 1, 2),
        "pf": _int_in(body["pf"], 1, 9),
        "satisfaction": _int_in(body["satisfaction"], 1, 5),
        "evalDetail": _text(body["evalDetail"], 0, 1000),
        "writingEvaluation": _text(body["writingEvaluation"], 0, 500),
        "areaCode": isinstance(body["areaCode"], str) and bool(re.fullmatch(r"[0-9]{12}", body["areaCode"])),
        "deptCode": _text(body["deptCode"], 1, 50),
        "taskCode": body["taskCode"] is None or _text(body["taskCode"], 1, 50),
        "taskName": body["taskName"] is None or _text(body["taskName"], 1, 200),
        "userProp": body["userProp"] == 1 and isinstance(body["userProp"], int),
        "isDefault": body["isDefault"] in (0, 1) and not isinstance(body["isDefault"], bool),
        "dataSource": _text(body["dataSource"], 1, 50),
    }
    for name, ok in checks.items():
        if not ok:
            return f"field {name}: bad value {body[name]!r}"
    try:
        datetime.strptime(body["assessTime"], "%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return f"field assessTime: not yyyy-MM-dd HH:mm:ss: {body['assessTime']!r}"
    if body["satisfaction"] <= 2 and not (body["evalDetail"] or body["writingEvaluation"].strip()):
        return "field evalDetail: a rating of 1-2 needs a reason or a comment"
    if body["isDefault"] == 1 and body["satisfaction"] != 3:
        return "field satisfaction: a system default is 3"
    for name, want in (expect or {}).items():
        if body[name] != want:
            return f"field {name}: expected {want!r}, got {body[name]!r}"
    return None


@dataclass
class ProvinceState:
    token: str
    expect: dict[str, str] = field(default_factory=dict)
    mode: str = "ok"
    hang_s: float = 30.0
    delay_s: float = 0.0  # slow answers: every report waits this long, then is taken and answered
    refuse: set[str] = field(default_factory=set)  # projectNo answered 400
    records: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, tuple[str, int]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"records": len(self.records), "mode": self.mode, **self.counts}

    def take(self, key: str | None, body: Any) -> tuple[int, dict[str, Any]]:
        """The answer to one report (status, JSON), recording it once."""
        with self.lock:
            self.counts["posts"] += 1
            if key is None or not UUID_RE.match(key):
                self.counts["bad"] += 1
                msg = "header Idempotency-Key: missing or not a UUID"
                return 400, {"code": "400", "success": False, "msg": msg}
            if key in self.keys:
                self.counts["duplicate_key"] += 1  # a repeat of a post we answered (or answered late)
                return 200, {"code": "0", "success": True, "duplicate": True}
            why = check_report(body, self.expect)
            if why is None and body["projectNo"] in self.refuse:
                why = "projectNo: refused by the simulator (told to)"
            if why is not None:
                self.counts["refused"] += 1
                return 400, {"code": "400", "success": False, "msg": why}
            pair = (body["projectNo"], body["assessNumber"])
            self.keys[key] = pair
            if pair in self.records:
                self.counts["duplicate_case"] += 1  # the same case round under another key
                return 200, {"code": "0", "success": True, "duplicate": True}
            self.records[pair] = {**body, "_key": key}
            self.counts["accepted"] += 1
            return 200, {"code": "0", "success": True}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr: tuple[str, int], state: ProvinceState) -> None:
        self.state = state
        self.open: set[socket.socket] = set()
        self.open_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.open_lock:
            self.open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.open_lock:
            self.open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended badly (the client went away?)", client_address)

    def drop_all(self) -> None:
        with self.open_lock:
            socks = list(self.open)
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real province's front end
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)

    def _send(self, status: int, body: bytes, ctype: str = "application/json; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode())

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self) -> None:
        st = self.server.state
        if self.path == "/_sim/stats":
            self._json(200, st.stats())
        elif self.path == "/_sim/records":
            with st.lock:
                self._json(200, {"records": list(st.records.values())})
        else:
            self._json(404, {"code": "404", "success": False, "msg": "no such page"})

    def do_POST(self) -> None:
        st = self.server.state
        raw = self._body()
        if self.path == "/_sim/fault":
            try:
                order = json.loads(raw or b"{}")
                set_fault(st, order)
            except (ValueError, TypeError) as e:
                self._json(400, {"error": str(e)})
                return
            self._json(200, st.stats())
            return
        mode = st.mode
        if mode != "ok":
            with st.lock:
                st.counts[f"fault_{mode}"] += 1
        if mode == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)  # the connection dies, no answer
            return
        if mode == "hang":
            time.sleep(st.hang_s)
            self.close_connection = True
            return
        if mode == "500":
            self._json(500, {"code": "500", "success": False, "msg": "simulated outage"})
            return
        if st.delay_s:
            time.sleep(st.delay_s)
        if self.headers.get("Authorization") != f"Bearer {st.token}":
            self._json(401, {"code": "401", "success": False, "msg": "bad token"})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._json(400, {"code": "400", "success": False, "msg": "the body is not JSON"})
            return
        status, answer = st.take(self.headers.get("Idempotency-Key"), body)
        if mode == "notjson":  # recorded, but the answer is an HTML page (a portal or firewall in between)
            self._send(200, b"<html><body>Service notice</body></html>", "text/html")
            return
        self._json(status, answer)


def set_fault(st: ProvinceState, order: dict[str, Any]) -> None:
    with st.lock:
        if "mode" in order:
            if order["mode"] not in MODES:
                raise ValueError(f"mode must be one of {', '.join(MODES)}")
            st.mode = str(order["mode"])
        if "hang_s" in order:
            st.hang_s = float(order["hang_s"])
        if "delay_s" in order:
            st.delay_s = float(order["delay_s"])
        if "refuse" in order:
            st.refuse = {str(p) for p in order["refuse"]}


class Province:
    """The simulator in a thread (tests, the demo, benchmarks)."""

    def __init__(
        self,
        token: str,
        port: int = 0,
        host: str = "127.0.0.1",
        expect: dict[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.state = ProvinceState(token=token, expect=expect or {})
        self.host = host
        self.tls = tls
        self._server = self._make(port)
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    def _make(self, port: int) -> _Server:
        server = _Server((self.host, port), self.state)
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        return server

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}/api/assess"

    def start(self) -> Province:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="province-sim", daemon=True
        )
        self._thread.start()
        return self

    def pause(self) -> None:
        """Refuse connections: close the listening socket and every open connection."""
        self._server.shutdown()
        self._server.server_close()
        self._server.drop_all()

    def resume(self) -> None:
        self._server = self._make(self.port)
        self.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.drop_all()

    def fault(self, **order: Any) -> None:
        set_fault(self.state, order)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="hall-province-sim",
        description="省级好差评系统模拟器 · Province simulator (profile zj): checks each report, keeps each "
        "(projectNo, assessNumber) once, can be told to fail via POST /_sim/fault.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8090, help="port to listen on (default 8090)")
    p.add_argument("--token-file", type=Path, required=True, help="the token the county must send")
    p.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--tls-key", type=Path, help="the certificate's private key (PEM)")
    p.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a field every report must carry, e.g. areaCode=330102000000 (repeatable)",
    )
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    try:
        token = a.token_file.read_text(encoding="utf-8").strip()
    except OSError as e:
        print(f"hall-province-sim: --token-file: {e.strerror}: {a.token_file}", file=sys.stderr)
        return 2
    expect = {}
    for item in a.expect:
        name, eq, value = item.partition("=")
        if not eq or name not in FIELDS:
            print(f"hall-province-sim: --expect {item!r}: FIELD=VALUE with a zj field", file=sys.stderr)
            return 2
        expect[name] = value
    tls = None
    try:
        if a.tls_cert is not None:
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(a.tls_cert, a.tls_key)
        sim = Province(token, a.port, a.host, expect, tls).start()
    except ssl.SSLError as e:
        print(f"hall-province-sim: --tls-cert/--tls-key: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"hall-province-sim: cannot listen on {a.host}:{a.port}: {e.strerror}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("listening on %s", sim.url)
    print(f"province simulator at {sim.url}", flush=True)
    last: dict[str, Any] = {}
    while not stop.wait(10):
        now = sim.state.stats()
        if now != last:
            log.info("%s", now)
            last = now
    sim.stop()
    log.info("stopped: %s", sim.state.stats())
    return 0


if __name__ == "__main__":
    sys.exit(main())
