"""Reading the key from `Authorization: Bearer <key>`, and refusing anything else without echoing it."""

from __future__ import annotations

import pytest

from dify_extension.auth import AuthError, bearer_token

TOKEN = "dify-key-7f3a9c"


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {TOKEN}",
        f"bearer {TOKEN}",
        f"BEARER {TOKEN}",
        f"BeArEr {TOKEN}",
        f"  Bearer {TOKEN}  ",
        f"Bearer   {TOKEN}",
        f"Bearer {TOKEN}\n",
        f"\tBearer {TOKEN}\r\n",
    ],
)
def test_bearer_token_is_returned(header: str) -> None:
    """The scheme is case-insensitive and whitespace around the key is not part of it."""
    assert bearer_token(header) == TOKEN


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("Bearer", id="scheme-alone"),
        pytest.param("Bearer   ", id="scheme-and-spaces"),
        pytest.param(f"Basic {TOKEN}", id="basic"),
        pytest.param(f"Token {TOKEN}", id="other-scheme"),
        pytest.param(TOKEN, id="no-scheme"),
        pytest.param(f"Bearer{TOKEN}", id="no-space"),
        pytest.param(f"Bearer {TOKEN} {TOKEN}", id="token-with-space"),
        pytest.param(f"Bearer {TOKEN} extra", id="trailing-word"),
        pytest.param(f"Bearer\t{TOKEN}", id="tab-separator"),
    ],
)
def test_unusable_header_is_refused_without_echoing_the_token(header: str | None) -> None:
    """Every malformed header is an AuthError whose message never contains the key it was given."""
    with pytest.raises(AuthError) as caught:
        bearer_token(header)
    message = str(caught.value)
    assert message
    assert TOKEN not in message
