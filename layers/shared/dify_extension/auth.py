"""Reading the key out of `Authorization: Bearer <key>`."""

from __future__ import annotations


class AuthError(Exception):
    """The request carries no usable credentials; the message is safe to show (it never contains the key)."""


def bearer_token(authorization: str | None) -> str:
    """The key from an Authorization header value. The scheme is case-insensitive (RFC 7235)."""
    if authorization is None or not authorization.strip():
        raise AuthError("missing Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer":
        raise AuthError("Authorization must be 'Bearer <key>'")
    if not token or " " in token:
        raise AuthError("malformed Bearer token")
    return token
