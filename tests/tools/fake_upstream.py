"""Upstream APIs for http tools, served on loopback: a programmable JSON server and a fake Open-Meteo.

Used by the tool tests and by bench/cold_start.py (whose cold starts must not need the internet).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

BUNDLED_TOOLS = Path(__file__).resolve().parents[2] / "functions/external_data_tool/external_data_tool/tools.json"
OPEN_METEO_ORIGINS = ("https://geocoding-api.open-meteo.com", "https://api.open-meteo.com")


@dataclass(frozen=True)
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    """Raw body, instead of `json`."""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (a slow upstream)."""
    declare_length: bool = True
    """False: no Content-Length, the body ends when the connection closes."""


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    """As received, still percent-encoded."""
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


Route = Callable[[Seen], Reply]


class FakeUpstream:
    """Answers each path with its route; a list of replies is served in order, the last one repeating."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self.routes: dict[str, Route | Reply | list[Reply]] = {}
        self.seen: list[Seen] = []
        self.default = Reply(404, {"error": "no such route"})
        """The reply for a path with no route."""
        host, port = server.server_address[:2]
        self.url = f"http://{host!s}:{port}"

    def reply(self, request: Seen) -> Reply:
        self.seen.append(request)
        route = self.routes.get(urlsplit(request.path).path)
        if route is None:
            return self.default
        if isinstance(route, Reply):
            return route
        if isinstance(route, list):
            served = sum(1 for seen in self.seen if urlsplit(seen.path).path == urlsplit(request.path).path)
            return route[min(served, len(route)) - 1]
        return route(request)


def _handler(upstream: FakeUpstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Seen(
                method=self.command,
                path=self.path,
                query=parse_qs(urlsplit(self.path).query),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length),
            )
            reply = upstream.reply(request)
            time.sleep(reply.delay)
            body = reply.body if reply.body is not None else json.dumps(reply.json).encode()
            try:
                self.send_response(reply.status)
                for name, value in {"Content-Type": "application/json", **reply.headers}.items():
                    self.send_header(name, value)
                if reply.declare_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fake_upstream() -> Iterator[FakeUpstream]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    upstream = FakeUpstream(server)
    server.RequestHandlerClass = _handler(upstream)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield upstream
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def dripping_server(head: bytes, drip: bytes, *, every: float = 0.2, for_seconds: float = 5.0) -> Iterator[str]:
    """A raw TCP server on loopback (its "127.0.0.1:port" is yielded) that answers each connection with `head`, then
    `drip` again every `every` seconds, for `for_seconds` at most (so a client that waits for it still ends): an
    upstream that is slow without ever being silent for long, which per-read timeouts alone never catch."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def feed(connection: socket.socket) -> None:
        ends = time.monotonic() + for_seconds
        with connection:
            try:
                connection.sendall(head)
                while not stop.wait(every) and time.monotonic() < ends:
                    connection.sendall(drip)
            except OSError:
                pass  # the client gave up: what the tests expect

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=feed, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    host, port = listener.getsockname()[:2]
    try:
        yield f"{host}:{port}"
    finally:
        stop.set()
        thread.join()
        listener.close()


# Places the fake Open-Meteo knows: name -> (country, latitude, longitude).
PLACES = {"London": ("United Kingdom", 51.50853, -0.12574), "東京": ("Japan", 35.6895, 139.69171)}
CURRENT = {
    "temperature_2m": 10.3,
    "apparent_temperature": 8.1,
    "relative_humidity_2m": 81,
    "precipitation": 0.2,
    "weather_code": 61,
    "wind_speed_10m": 8.2,
    "wind_direction_10m": 68,
    "wind_gusts_10m": 14.4,
}
UNITS = {
    "temperature_2m": "°C",
    "apparent_temperature": "°C",
    "relative_humidity_2m": "%",
    "precipitation": "mm",
    "weather_code": "wmo code",
    "wind_speed_10m": "km/h",
    "wind_direction_10m": "°",
    "wind_gusts_10m": "km/h",
}


def _geocoding(request: Seen) -> Reply:
    name = request.query.get("name", [""])[0]
    if name not in PLACES:
        return Reply(json={"generationtime_ms": 0.5})  # Open-Meteo leaves `results` out when nothing matches
    country, latitude, longitude = PLACES[name]
    place = {"id": 1, "name": name, "country": country, "latitude": latitude, "longitude": longitude}
    return Reply(json={"results": [place], "generationtime_ms": 0.5})


def _forecast(request: Seen) -> Reply:
    latitude, longitude = (float(request.query[name][0]) for name in ("latitude", "longitude"))
    return Reply(json={"latitude": latitude, "longitude": longitude, "current_units": UNITS, "current": CURRENT})


def serve_open_meteo(upstream: FakeUpstream) -> None:
    upstream.routes["/v1/search"] = _geocoding
    upstream.routes["/v1/forecast"] = _forecast


def weather_tools_file(directory: Path, base_url: str, **changes: Any) -> Path:
    """The bundled tools.json with Open-Meteo's URLs pointed at `base_url`, and `changes` to weather_retrieve."""
    text = BUNDLED_TOOLS.read_text(encoding="utf-8")
    for origin in OPEN_METEO_ORIGINS:
        text = text.replace(origin, base_url)
    document = json.loads(text)
    document["tools"]["weather_retrieve"].update(changes)
    path = directory / "weather-tools.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path
