"""The moderation policy file: its format, validated at load. Data only: matcher.py compiles it, decision.py decides.

A policy has a `default` pair of stages and optional per-`apps` pairs keyed by Dify app_id. An app entry replaces
only the stages it names: an app with just `output` uses the default `input`. Each stage has a preset response and
an ordered list of rules; each rule has an id, a category, an action (block or mask) and exactly one matcher:
`keywords`, `regex` or `pii`. Everything is checked at load, so a bad policy fails there, naming the place
(e.g. `apps.my-app.input.rules.2.regex: ...`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from moderation.limits import Limits
from moderation.normalize import fold
from moderation.outcome import Stage
from moderation.pii import DEFAULT_REPLACEMENTS, PiiType
from moderation.user_regex import compile_regex
from moderation.variants import MAX_TYPO_SPELLINGS, OptInVariant, typo_count

BUNDLED_POLICY = Path(__file__).with_name("policy.json")

DEFAULT_REPLACEMENT = "[REDACTED]"

# Rule ids and categories go into logs and metric dimensions: short and plain.
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Text = Annotated[str, StringConstraints(min_length=1)]


class _Model(BaseModel):
    # Built as part of ModerationPolicy only (defer_build): building each on its own too would cost cold-start time.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Rule(_Model):
    id: Name
    category: Name
    action: Literal["block", "mask"]
    monitor: bool = False
    """Evaluated like any other rule, but changes no answer: its hits are logged, counted and sampled as monitored,
    so its would-be rate can be read before it is switched on."""
    description: str = ""
    keywords: list[Keyword] | None = Field(default=None, min_length=1)
    whole_word: bool = False
    """Keywords only: match whole words (for scripts that separate words with spaces)."""
    allow: list[Keyword] | None = Field(default=None, min_length=1)
    """Keywords only: phrases in which a keyword's match is innocent (`特色情况` for `色情`), found with the same
    readings as the keywords; the keyword elsewhere in the text still counts."""
    transliterate: bool | None = None
    """Keywords only: also match the Latin spellings of keywords in Cyrillic, Greek, Devanagari, Arabic or kana
    (docs/evasions.md#other-alphabets): by default (null) the precise ones, true for all, false for none."""
    variants: list[OptInVariant] | None = Field(default=None, min_length=1)
    """Keywords only: opt-in keyword variants to read too (docs/evasions.md): `short_vowelless` (`fck`, `sht`),
    `letter_pairs` (`rnurder`, `phuck`)."""
    typos: int = Field(default=0, ge=0, le=1)
    """Keywords only: 1 reads one typo (a letter inserted, deleted or replaced, or two swapped, inside a word of 8
    letters or more, or of 4 or more in a phrase of 3 words or more); at most 200,000 typo spellings per rule."""
    regex: str | None = None
    pii: list[PiiType] | None = Field(default=None, min_length=1)
    replacement: str | None = None
    """Mask only: what replaces a match (default: the PII type's, e.g. [EMAIL], or [REDACTED])."""
    preset_response: Text | None = None
    """Block only: shown instead of the stage's preset response."""

    @field_validator("keywords", "allow")
    @classmethod
    def _keywords_survive_normalisation(cls, keywords: list[str] | None) -> list[str] | None:
        for index, keyword in enumerate(keywords or ()):
            if not fold(keyword):
                raise ValueError(f"phrase {index} is empty once invisible characters are removed")
        return keywords

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, regex: str | None) -> str | None:
        if regex is not None:
            compile_regex(regex)  # RE2: linear time; ValueError says what is wrong
        return regex

    @model_validator(mode="after")
    def _one_matcher_and_fitting_options(self) -> Rule:
        matchers = [name for name in ("keywords", "regex", "pii") if getattr(self, name) is not None]
        if len(matchers) != 1:
            raise ValueError(f"a rule needs exactly one of keywords, regex, pii (found {len(matchers)})")
        if self.whole_word and self.keywords is None:
            raise ValueError("whole_word applies to keywords only")
        given = {
            "allow": self.allow is not None,
            "transliterate": self.transliterate is not None,
            "variants": self.variants is not None,
            "typos": self.typos != 0,
        }
        for option in [option for option, present in given.items() if present and self.keywords is None]:
            raise ValueError(f"{option} applies to keywords only")
        if self.typos:
            spellings = typo_count([*(self.keywords or ()), *(self.allow or ())])
            if spellings > MAX_TYPO_SPELLINGS:
                raise ValueError(
                    f"typos: the keywords make {spellings:,} typo spellings, more than {MAX_TYPO_SPELLINGS:,}; "
                    "split the rule, or keep typos for the keywords that need them"
                )
        if self.action == "block" and self.replacement is not None:
            raise ValueError("replacement applies to mask rules only")
        if self.action == "mask" and self.preset_response is not None:
            raise ValueError("preset_response applies to block rules only")
        return self

    def replacement_for(self, pii_type: PiiType | None) -> str:
        if self.replacement is not None:
            return self.replacement
        return DEFAULT_REPLACEMENT if pii_type is None else DEFAULT_REPLACEMENTS[pii_type]


class StagePolicy(_Model):
    """One stage (input or output): its preset response and its rules, in order."""

    preset_response: Text | None = None
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> StagePolicy:
        ids = [rule.id for rule in self.rules]
        duplicated = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if duplicated:
            raise ValueError(f"rule ids must be unique within a stage: {', '.join(duplicated)}")
        return self


class Stages(_Model):
    """The default policy, or one app's: a stage left out is the default's (for the default: let everything pass)."""

    description: str = ""
    input: StagePolicy | None = None
    output: StagePolicy | None = None


AppId = Annotated[str, StringConstraints(min_length=1)]


class ModerationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: str | None = Field(default=None, alias="$schema")
    """Where editors find the JSON Schema (schemas/moderation-policy.schema.json); ignored here."""
    description: str = ""
    default: Stages = Field(default_factory=Stages)
    apps: dict[AppId, Stages] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)

    def stage(self, app_id: str, stage: Stage) -> StagePolicy | None:
        """The stage policy that applies to `app_id`: its own, else the default's, else none (all passes)."""
        for stages in (self.apps.get(app_id), self.default):
            chosen = None if stages is None else stages.input if stage == "input" else stages.output
            if chosen is not None:
                return chosen
        return None
