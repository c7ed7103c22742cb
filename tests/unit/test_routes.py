"""Which path serves which point: every point except ping has exactly one home."""

from __future__ import annotations

from dify_extension.protocol import Point
from dify_extension.routes import EXTERNAL_DATA_TOOL_PATH, MODERATION_PATH, SERVED_AT


def test_every_point_but_ping_is_served_somewhere() -> None:
    """ping is answered everywhere; every other point has a path."""
    assert set(SERVED_AT) == set(Point) - {Point.PING}


def test_moderation_and_tools_have_their_paths() -> None:
    """Both moderation points share /moderation; external data tool queries go to /external-data-tool."""
    assert SERVED_AT[Point.MODERATION_INPUT] == SERVED_AT[Point.MODERATION_OUTPUT] == MODERATION_PATH
    assert SERVED_AT[Point.EXTERNAL_DATA_TOOL_QUERY] == EXTERNAL_DATA_TOOL_PATH
    assert MODERATION_PATH != EXTERNAL_DATA_TOOL_PATH
    assert all(path.startswith("/") for path in SERVED_AT.values())
