"""Lambda entry point of the moderation function (template.yaml: moderation.handler.lambda_handler)."""

from dify_extension.cold_start import init_phase

with init_phase():
    from dify_extension.api_keys import key_cache_from_environment

    # Start reading the key now: its network wait overlaps the imports below, the bulk of a cold start.
    keys = key_cache_from_environment()
    keys.prefetch()

    from dify_extension.endpoint import Endpoint
    from dify_extension.protocol import Point
    from dify_extension.routes import MODERATION_PATH
    from moderation.policy import BUNDLED_POLICY, ModerationPolicy

    policy = ModerationPolicy.load(BUNDLED_POLICY)
    endpoint = Endpoint(
        MODERATION_PATH,
        {
            Point.MODERATION_INPUT: policy.moderate_input,
            Point.MODERATION_OUTPUT: policy.moderate_output,
        },
        keys=keys,
    )

lambda_handler = endpoint.lambda_handler
