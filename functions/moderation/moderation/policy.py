"""The moderation policy file: its format, validated at load. Data only: matcher.py compiles it, decision.py decides.

A policy has a `default` pair of stages, optional per-`apps` pairs keyed by Dify app_id, and optional `examples`
(texts and what they must get; examples.py runs them). An app entry replaces only the stages it names: an app with
just `output` uses the default `input`. Each stage has a preset response and an ordered list of rules; each rule has
an id, a category, an action (block or mask) and exactly one matcher: `keywords`, `regex` or `pii`. Everything is
checked at load, so a bad policy fails there, naming the place (e.g. `apps.my-app.input.rules.2.regex: ...`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

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
# A rule's id, or a PII rule's id and one of its types ("pii/email"), as decisions name their hits.
HitName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}(/[a-z0-9_]+)?$")]


class Example(_Model):
    """A text and what the policy must do with it; `make check`, `make publish` and a function loading the policy
    from a file, SSM or S3 refuse the policy when an example gets something else."""

    text: Text
    """The user's query (stage input) or the model's answer (stage output)."""
    expect: Literal["block", "mask", "pass"]
    """What the text must get: blocked, masked (changed), or passed unchanged."""
    stage: Stage = "input"
    """Which stage's rules check it."""
    app_id: AppId | None = None
    """The app whose stages apply (one of `apps`); default: the default policy's."""
    rule: HitName | None = None
    """A rule that must fire: its id (a PII rule: any of its types) or `id/type` (`pii/email`). It must take part in
    the decision, except with `expect` pass, where it must be a monitor rule (monitor rules change nothing)."""
    result: str | None = None
    """`expect` mask only: the text as it leaves, masked."""
    description: str = ""
    """For people: why this example matters."""

    @model_validator(mode="after")
    def _result_only_when_masked(self) -> Example:
        if self.result is not None and self.expect != "mask":
            raise ValueError("result applies to expect mask only")
        return self


class ModerationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: str | None = Field(default=None, alias="$schema")
    """Where editors find the JSON Schema (schemas/moderation-policy.schema.json); ignored here."""
    description: str = ""
    default: Stages = Field(default_factory=Stages)
    apps: dict[AppId, Stages] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    examples: list[Example] = Field(default_factory=list)
    """Texts and what the policy must do with them, run by `make check` and before a new policy is used."""

    @field_validator("examples")
    @classmethod
    def _examples_name_what_exists(cls, examples: list[Example], info: ValidationInfo) -> list[Example]:
        """An example's app and rule must be in the policy: a typo there would make it prove nothing."""
        default, apps = info.data.get("default"), info.data.get("apps")
        if default is None or apps is None:
            return examples  # reported where they are wrong
        problems = [
            InitErrorDetails(type=PydanticCustomError("example", message), loc=(index, field), input=None)
            for index, example in enumerate(examples)
            for field, message in _unknown_names(example, default, apps)
        ]
        if problems:
            raise ValidationError.from_exception_data("examples", problems)
        return examples

    def stage(self, app_id: str, stage: Stage) -> StagePolicy | None:
        """The stage policy that applies to `app_id`: its own, else the default's, else none (all passes)."""
        return _stage_of(self.default, self.apps, app_id, stage)


def _stage_of(default: Stages, apps: dict[str, Stages], app_id: str, stage: Stage) -> StagePolicy | None:
    for stages in (apps.get(app_id), default):
        chosen = None if stages is None else stages.input if stage == "input" else stages.output
        if chosen is not None:
            return chosen
    return None


def _unknown_names(example: Example, default: Stages, apps: dict[str, Stages]) -> list[tuple[str, str]]:
    """(field, problem) for an example's app that is not in `apps` and its rule that is not in the stage it uses."""
    if example.app_id is not None and example.app_id not in apps:
        return [("app_id", "not an app of this policy (leave app_id out for the default policy)")]
    if example.rule is None:
        return []
    rule_id, _, pii_type = example.rule.partition("/")
    chosen = _stage_of(default, apps, example.app_id or "", example.stage)
    rule = next((rule for rule in chosen.rules if rule.id == rule_id), None) if chosen is not None else None
    if rule is None:
        applies = f" to app {example.app_id}" if example.app_id is not None else ""
        return [("rule", f"no rule {rule_id} in the {example.stage} stage that applies{applies}")]
    if pii_type and pii_type not in (rule.pii or ()):
        return [("rule", f"rule {rule_id} does not look for PII type {pii_type}")]
    return []
