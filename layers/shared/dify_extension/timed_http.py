"""HTTP connections (http.client) whose every step waits only for the time left before one deadline: connecting, and
each read of the status line, the headers and the body. A per-read timeout alone lets a peer that sends a byte now
and then hold a call for ever. Used by the AWS clients (aws_http) and the external data tools' `http` kind."""

from __future__ import annotations

import http.client
import io
import time
from functools import cache, partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket
    import ssl

    from _typeshed import WriteableBuffer

READ_CHUNK = 65_536


class ResponseTooLarge(Exception):
    """The body is longer than the caller accepts."""


def seconds_until(deadline: float) -> float:
    """The time left before `deadline`; TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


@cache
def tls_context() -> ssl.SSLContext:
    import ssl  # noqa: PLC0415 - only https peers need it, and it is slow to import

    return ssl.create_default_context()  # verifies certificates and host names


def connection(https: bool, netloc: str, deadline: float) -> http.client.HTTPConnection:
    """A connection to `netloc` ("host[:port]") that connects, sends and reads its response by `deadline`."""
    timeout = seconds_until(deadline)
    opened: http.client.HTTPConnection
    if https:
        opened = http.client.HTTPSConnection(netloc, timeout=timeout, context=tls_context())
    else:
        opened = http.client.HTTPConnection(netloc, timeout=timeout)
    opened.response_class = partial(_DeadlineResponse, deadline=deadline)  # type: ignore[assignment]
    return opened


def read_body(response: http.client.HTTPResponse, limit: int) -> bytes:
    """The whole body; ResponseTooLarge as soon as it is longer than `limit` bytes (declared or read)."""
    declared = response.getheader("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLarge
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class _DeadlineReader(io.RawIOBase):
    """A socket's bytes, each read waiting only for the time left before `deadline`."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        # The socket's own reader: it keeps the socket open while the response is read (http.client closes the
        # connection's side first when the peer will close).
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int | None:
        self._sock.settimeout(seconds_until(self._deadline))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """A response whose status line, headers and body are all read by a _DeadlineReader."""

    def __init__(
        self,
        sock: socket.socket,
        debuglevel: int = 0,
        method: str | None = None,
        url: str | None = None,
        *,
        deadline: float,
    ) -> None:
        super().__init__(sock, debuglevel, method, url)
        reader: io.BufferedReader = io.BufferedReader(_DeadlineReader(sock, deadline))
        self.fp.close()
        self.fp = reader
