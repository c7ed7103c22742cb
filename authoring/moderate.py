"""`make moderate TEXT='...'`: what Dify would get back for a text, and which rules fired where. No server, no AWS
(unless the environment turns on an AWS-managed detector, as it would for the function)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from authoring import cli
from authoring.configs import load_policy
from authoring.explain import describe, matches, stage_source
from dify_extension.config_files import ConfigFileError
from dify_extension.protocol import ModerationInputParams, ModerationOutputParams
from moderation.decision import Decision, decide_input, decide_output, hit_id, input_texts
from moderation.detectors import detectors_from_environment
from moderation.matcher import CompiledPolicy
from moderation.outcome import Action
from moderation.readings import explain

_STRENGTH = (Action.PASS, Action.MASK, Action.BLOCK)


def _report(policy: CompiledPolicy, app_id: str, decision: Decision, texts: dict[str, str]) -> list[str]:
    lines = [f"policy: {stage_source(policy.policy, app_id, decision.stage)}"]
    found = matches(policy, app_id, decision.stage, texts)
    rule_ids = set()
    for match in found:
        lines.append(f"  {describe(match, texts[match.key])}")
        lines += [f"      {explain(name)}" for name in match.evasions]  # what each reading read
        rule_ids.add(hit_id(match.rule_id, match.pii_type))
    if not found:
        lines.append("  no rule matched")
    # Hits that are not rule matches come from the AWS-managed detectors.
    lines += [
        f"  detector {hit.rule_id} ({hit.category}, {hit.action.value})"
        for hit in decision.hits
        if hit.rule_id not in rule_ids
    ]
    lines.append(f"decision: {decision.action.value}")
    would = max((decision.action, *(hit.action for hit in decision.monitored)), key=_STRENGTH.index)
    if would is not decision.action:
        lines[-1] += f" (with its monitor rules on: {would.value})"
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.parser(
        "moderate",
        "make moderate TEXT='...' [POLICY=path] [APP_ID=id] [STAGE=input|output] [INPUTS='{...}']",
        "Moderate one text as the moderation function would: print the JSON answer Dify would get, then which rules "
        "(and PII types) matched and where, as character spans into TEXT. The policy is the bundled one unless "
        "POLICY names a file. AWS-managed detectors run only if their environment variables turn them on, as for "
        "the function (e.g. COMPREHEND_PII_ENTITY_TYPES); by default none does and nothing leaves this machine.",
        "Examples:\n"
        "  make moderate TEXT='my mail is ana@example.com'\n"
        "  make moderate TEXT='Damn, Globex is cheaper' APP_ID=3f1c2a8e-support-bot \\\n"
        "      POLICY=functions/moderation/examples/moderation-policy.json\n"
        "  make moderate STAGE=output TEXT='Your key: AKIAIOSFODNN7EXAMPLE'",
    )
    parser.add_argument(
        "--text", metavar="'...'", required=True, help="the query (input) or the answer (output) to check"
    )
    parser.add_argument("--policy", metavar="path", type=Path, help="a policy file (default: the bundled policy.json)")
    parser.add_argument(
        "--app-id", metavar="id", default="", help="the Dify app id, to use its own stages (default: none)"
    )
    parser.add_argument("--stage", choices=("input", "output"), default="input", help="default: input")
    parser.add_argument(
        "--inputs", metavar="'{...}'", type=cli.json_object, default={}, help="input stage: the inputs, JSON"
    )
    arguments = parser.parse_args(argv)
    if arguments.inputs and arguments.stage == "output":
        parser.error("--inputs applies to the input stage only")
    try:
        policy = CompiledPolicy(load_policy(arguments.policy))
        detectors = detectors_from_environment()
    except (ConfigFileError, ValueError) as error:
        return cli.fail(str(error))
    if arguments.stage == "input":
        params = ModerationInputParams(app_id=arguments.app_id, inputs=arguments.inputs, query=arguments.text)
        decision, answer = decide_input(policy, params, detectors)
        dumped = answer.model_dump_json()
        texts = input_texts(params)
    else:
        output = ModerationOutputParams(app_id=arguments.app_id, text=arguments.text)
        decision, output_answer = decide_output(policy, output, detectors)
        dumped = output_answer.model_dump_json()
        texts = {"text": output.text}
    print(dumped)
    print("\n".join(_report(policy, arguments.app_id, decision, texts)))
    return cli.OK


if __name__ == "__main__":
    sys.exit(main())
