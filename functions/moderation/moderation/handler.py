"""Lambda entry point of the moderation function (template.yaml: moderation.handler.lambda_handler)."""

from dify_extension.api_keys import key_cache_from_environment

# Start reading the key now: its network wait overlaps the imports below, the bulk of a cold start.
keys = key_cache_from_environment()
keys.prefetch()

from dify_extension.endpoint import Endpoint  # noqa: E402
from dify_extension.protocol import Point  # noqa: E402
from dify_extension.routes import MODERATION_PATH  # noqa: E402
from moderation.policy import BUNDLED_POLICY, ModerationPolicy  # noqa: E402

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
