"""An AWS endpoint on loopback that misbehaves on demand: a raw TCP proxy in front of the session's moto server.

In mode "pass" it forwards each request to moto and relays the answer (moto checks the signature against the Host
header the client signed, which is this proxy's, so the bytes go through unchanged). The other modes are the faults
a Secrets Manager, SSM or S3 endpoint can show: hanging, dripping, hanging up, garbage, throttling, denying.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal
from urllib.parse import urlsplit

Mode = Literal[
    "pass",  # forward to moto
    "hang",  # read the request, never answer
    "drip",  # a status line and headers promising a body, then one byte every 0.2 s
    "reset",  # close the connection without a word
    "not-http",  # answer bytes that are not HTTP
    "not-json",  # 200 with an HTML page
    "huge",  # 200 with a body over the clients' 10 MiB limit
    "deep",  # 200 with JSON nested 100,000 deep
    "throttle",  # 400 ThrottlingException (JSON protocol) / 503 SlowDown (S3)
    "deny",  # 400 AccessDeniedException (JSON protocol) / 403 AccessDenied (S3)
]

FAULTS: tuple[Mode, ...] = ("hang", "drip", "reset", "not-http", "not-json", "huge", "deep", "throttle", "deny")
DRIP_SECONDS = 0.2


def http_answer(status: int, body: bytes, content_type: str = "application/x-amz-json-1.1") -> bytes:
    head = f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _canned(mode: Mode, s3: bool) -> bytes:
    if mode == "not-http":
        return b"\x00\x01garbage, not HTTP at all\r\n\r\n"
    if mode == "not-json":
        return http_answer(200, b"<html><body>captive portal</body></html>", "text/html")
    if mode == "deep":
        return http_answer(200, b"[" * 100_000 + b"]" * 100_000)
    if mode == "throttle" and s3:
        return http_answer(503, b"<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>", "text/xml")
    if mode == "deny" and s3:
        return http_answer(403, b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", "text/xml")
    code = "ThrottlingException" if mode == "throttle" else "AccessDeniedException"
    return http_answer(400, json.dumps({"__type": code, "message": f"{mode} injected"}).encode())


class FaultyAws:
    """Listens on 127.0.0.1; `url` is its endpoint. `mode` may change at any time; `connections` counts requests."""

    def __init__(self, moto_endpoint: str, *, s3: bool = False) -> None:
        target = urlsplit(moto_endpoint)
        self._moto = (target.hostname or "127.0.0.1", target.port or 80)
        self._s3 = s3
        self.mode: Mode = "pass"
        self.connections = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection, self.mode), daemon=True).start()

    def _serve(self, connection: socket.socket, mode: Mode) -> None:
        with connection:
            try:
                request = _read_request(connection)
                if mode == "pass":
                    connection.sendall(self._forward(request))
                elif mode == "hang":
                    self._stop.wait(30)
                elif mode == "drip":
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
                    while not self._stop.wait(DRIP_SECONDS):
                        connection.sendall(b"{")
                elif mode == "huge":
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 11000000\r\n\r\n")
                    chunk = b"x" * 65536
                    for _ in range(11_000_000 // len(chunk) + 1):
                        connection.sendall(chunk)
                elif mode != "reset":
                    connection.sendall(_canned(mode, self._s3))
            except OSError:
                pass  # the client gave up: what the tests expect

    def _forward(self, request: bytes) -> bytes:
        line, _, rest = request.partition(b"\r\n")
        with socket.create_connection(self._moto, timeout=10) as upstream:
            upstream.sendall(line + b"\r\nConnection: close\r\n" + rest)
            chunks = []
            while chunk := upstream.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


def _read_request(connection: socket.socket) -> bytes:
    connection.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@contextmanager
def faulty_aws(moto_endpoint: str, *, s3: bool = False) -> Iterator[FaultyAws]:
    proxy = FaultyAws(moto_endpoint, s3=s3)
    try:
        yield proxy
    finally:
        proxy.close()
