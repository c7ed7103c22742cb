"""Lambda entry point of the moderation function (template.yaml: moderation.handler.lambda_handler)."""

from dify_extension.cold_start import init_phase

with init_phase():
    from dify_extension.api_keys import key_cache_from_environment

    # Start reading the key now: its network wait overlaps the imports below, the bulk of a cold start.
    keys = key_cache_from_environment()
    keys.prefetch()

    from dify_extension.config_source import ConfigSource
    from dify_extension.endpoint import Endpoint
    from dify_extension.protocol import Point
    from dify_extension.routes import MODERATION_PATH
    from moderation.detectors import detectors_from_environment
    from moderation.examples import ProvenPolicies
    from moderation.moderator import Moderator
    from moderation.policy import BUNDLED_POLICY, ModerationPolicy
    from moderation.review import review_from_environment

    # MODERATION_POLICY_FILE, _SSM_PARAMETER or _S3_URI, else the bundled policy.json; a bad policy, or one whose
    # examples fail, stops the start; a bad new version of a remote one is logged and the last good one kept. The
    # bundled policy's examples are proven by the tests, not at every start.
    proven = ProvenPolicies()
    policies = ConfigSource.from_environment(
        "MODERATION_POLICY", bundled=BUNDLED_POLICY, model=ModerationPolicy, check=proven.check
    )
    # REVIEW_SAMPLE_PERCENT above 0: a share of the flagged and monitored decisions goes to the review bucket.
    review = review_from_environment()
    moderator = Moderator(policies.current, detectors_from_environment(), compiler=proven.compile, review=review)
    endpoint = Endpoint(
        MODERATION_PATH,
        {
            Point.MODERATION_INPUT: moderator.moderate_input,
            Point.MODERATION_OUTPUT: moderator.moderate_output,
        },
        keys=keys,
    )

lambda_handler = endpoint.lambda_handler
