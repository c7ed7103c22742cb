"""Review of flagged decisions, opt-in (docs/review.md): a share of the decisions whose rules matched is written,
off the request path, for people to review with `make review`.

Importing this package costs only the standard library: the writer (threads, the S3 client, the records) is
imported when REVIEW_SAMPLE_PERCENT turns sampling on, never on the default cold path.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from moderation.review.writer import ReviewWriter

__all__ = ["review_from_environment"]


def review_from_environment(environ: Mapping[str, str] = os.environ) -> ReviewWriter | None:
    """The writer REVIEW_SAMPLE_PERCENT (0 to 100, 0 or unset: off) asks for, or None; ValueError naming the
    variable at fault."""
    raw = environ.get("REVIEW_SAMPLE_PERCENT", "").strip()
    try:
        percent = float(raw or "0")
    except ValueError:
        percent = math.nan
    if not 0 <= percent <= 100:
        raise ValueError(f"REVIEW_SAMPLE_PERCENT must be a number from 0 to 100, got {raw!r}")
    if percent == 0:
        return None
    from moderation.review.writer import writer_from_environment  # noqa: PLC0415 - only when review is on

    return writer_from_environment(environ, percent)
