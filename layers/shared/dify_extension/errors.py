"""Errors that domain code raises to refuse a request; the endpoint turns them into short JSON answers."""

from __future__ import annotations


class InvalidRequestError(Exception):
    """The request is well-formed but cannot be served as asked (e.g. an unknown tool_variable): HTTP 400.

    The message is shown to the person chatting in Dify: keep it short and never put secrets in it.
    """
