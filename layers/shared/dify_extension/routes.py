"""Which endpoint path serves which points.

template.yaml declares these routes (the local API reads them from there); tests/handlers/test_handler_routes.py
asserts that the two agree.
The layer needs them only to tell a caller who sent a point to the wrong endpoint where to send it.
"""

from __future__ import annotations

from dify_extension.protocol import Point

MODERATION_PATH = "/moderation"
EXTERNAL_DATA_TOOL_PATH = "/external-data-tool"

SERVED_AT: dict[Point, str] = {
    Point.MODERATION_INPUT: MODERATION_PATH,
    Point.MODERATION_OUTPUT: MODERATION_PATH,
    Point.EXTERNAL_DATA_TOOL_QUERY: EXTERNAL_DATA_TOOL_PATH,
}
