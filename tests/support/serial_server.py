"""A tiny networked serial server (like ser2net) for `socket://` tests: TCP <-> a serial port."""

from __future__ import annotations

import contextlib
import select
import socket
import threading

from drivers.transport import open_port


class SerialServer:
    def __init__(self, port_path: str) -> None:
        self.port_path = port_path
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self._sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._conn: socket.socket | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> SerialServer:
        self._thread.start()
        return self

    def drop_client(self) -> None:
        """Close the current TCP connection, as a serial server does when its port resets."""
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self._stop.set()
        self.drop_client()
        self._sock.close()
        self._thread.join(2)

    def _run(self) -> None:
        serial = open_port(self.port_path, timeout=0)
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([self._sock], [], [], 0.05)
                if not ready:
                    continue
                try:
                    conn, _ = self._sock.accept()
                except OSError:
                    return
                self._conn = conn
                self._pump(conn, serial)
                self._conn = None
                conn.close()
        finally:
            serial.close()

    def _pump(self, conn: socket.socket, serial) -> None:
        conn.setblocking(False)
        while not self._stop.is_set():
            ready, _, _ = select.select([conn, serial.fileno()], [], [], 0.05)
            try:
                if conn in ready:
                    data = conn.recv(4096)
                    if not data:
                        return
                    serial.write(data)
                if serial.fileno() in ready:
                    data = serial.read(4096)
                    if data:
                        conn.sendall(data)
            except OSError:
                return
