"""Errors that domain code raises to refuse a request; the endpoint turns them into short JSON answers."""

from __future__ import annotations


class InvalidRequestError(Exception):
    """The request is well-formed but cannot be served as asked (e.g. an unknown tool_variable): HTTP 400.

    The message is shown to the person chatting in Dify: keep it short and never put secrets in it.
    """


class UpstreamError(Exception):
    """What a point's handler depends on failed or timed out (e.g. an external data tool's API): HTTP 502 or 504.

    The message is shown to the person chatting in Dify: name what failed and why, never a secret or a URL.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def printable(text: str) -> str:
    """`text` with every control or invisible character as "?": a name echoed in an error stays one readable line."""
    return "".join(char if char.isprintable() else "?" for char in text)
