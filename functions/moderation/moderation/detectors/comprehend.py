"""Amazon Comprehend: DetectToxicContent blocks a text whose score reaches a configured threshold;
DetectPiiEntities masks the entity types configured, as "[TYPE]"."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from moderation.detectors.chunks import byte_bounded_spans
from moderation.detectors.environment import OVERALL_TOXICITY
from moderation.detectors.errors import BadResponseError
from moderation.outcome import Action, DetectorOutcome, Hit, Stage, apply_masks

# DetectToxicContent: at most 10 segments of at most 1 KB each (10 KB in all); KB read as 1,000 bytes to be safe.
TOXICITY_SEGMENT_BYTES = 1_000
TOXICITY_SEGMENTS_PER_CALL = 10
# DetectPiiEntities: at most 100 KB of UTF-8 per call.
PII_TEXT_BYTES = 100_000


def _pieces(text: str, max_bytes: int) -> Iterator[tuple[int, str]]:
    """The non-blank pieces of `text` that fit an API's limit, with where each starts in `text`."""
    for start, end in byte_bounded_spans(text, max_bytes):
        piece = text[start:end]
        if piece.strip():
            yield start, piece


def toxic_labels(result: Mapping[str, Any], thresholds: Mapping[str, float]) -> Iterator[str]:
    """The labels of one DetectToxicContent result whose score reaches its threshold (>=)."""
    overall = thresholds.get(OVERALL_TOXICITY)
    if overall is not None and float(result["Toxicity"]) >= overall:
        yield OVERALL_TOXICITY
    for label in result.get("Labels") or ():
        threshold = thresholds.get(label["Name"])
        if threshold is not None and float(label["Score"]) >= threshold:
            yield str(label["Name"])


class ComprehendToxicity:
    """Every non-blank text, cut into segments at word boundaries, ten segments per call; any segment over a
    threshold blocks the stage."""

    name = "comprehend.toxicity"

    def __init__(self, client: Any, thresholds: Mapping[str, float], language_code: str) -> None:
        self._client = client  # a botocore comprehend client
        self._thresholds = dict(thresholds)
        self._language_code = language_code

    def check(self, stage: Stage, texts: Mapping[str, str]) -> DetectorOutcome:
        segments = [piece for text in texts.values() for _, piece in _pieces(text, TOXICITY_SEGMENT_BYTES)]
        labels: dict[str, None] = {}
        for first in range(0, len(segments), TOXICITY_SEGMENTS_PER_CALL):
            batch = segments[first : first + TOXICITY_SEGMENTS_PER_CALL]
            response = self._client.detect_toxic_content(
                TextSegments=[{"Text": segment} for segment in batch], LanguageCode=self._language_code
            )
            results = response.get("ResultList") or []
            if len(results) != len(batch):
                raise BadResponseError(f"{len(results)} toxicity results for {len(batch)} segments")
            for result in results:
                labels.update(dict.fromkeys(toxic_labels(result, self._thresholds)))
        hits = tuple(Hit(f"comprehend.toxicity.{label}", "toxicity", Action.BLOCK) for label in labels)
        return DetectorOutcome(dict(texts), hits, blocked=bool(hits))


class ComprehendPii:
    """One DetectPiiEntities call per non-blank text (per 100 KB of it). Comprehend's offsets count characters
    (Unicode code points), as Python's string indices do, and EndOffset is exclusive."""

    name = "comprehend.pii"

    def __init__(self, client: Any, entity_types: frozenset[str] | None, language_code: str) -> None:
        self._client = client  # a botocore comprehend client
        self._entity_types = entity_types  # None: all
        self._language_code = language_code

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        spans = []
        for offset, piece in _pieces(text, PII_TEXT_BYTES):
            response = self._client.detect_pii_entities(Text=piece, LanguageCode=self._language_code)
            for entity in response.get("Entities") or ():
                entity_type, begin, end = str(entity["Type"]), int(entity["BeginOffset"]), int(entity["EndOffset"])
                if not 0 <= begin < end <= len(piece):
                    raise BadResponseError(f"PII entity offsets {begin}..{end} outside a text of {len(piece)}")
                if self._entity_types is None or entity_type in self._entity_types:
                    spans.append((offset + begin, offset + end, entity_type))
        return spans

    def check(self, stage: Stage, texts: Mapping[str, str]) -> DetectorOutcome:
        masked: dict[str, str] = {}
        types: dict[str, None] = {}
        for key, text in texts.items():
            spans = self._spans(text)
            masked[key] = apply_masks(text, [(start, end, f"[{kind}]") for start, end, kind in spans])
            types.update(dict.fromkeys(entity_type for _, _, entity_type in spans))
        return DetectorOutcome(masked, tuple(Hit(f"comprehend.pii.{name}", "pii", Action.MASK) for name in types))
