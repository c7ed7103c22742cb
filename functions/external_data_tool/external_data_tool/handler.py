"""Lambda entry point of the external data tool function (template.yaml: external_data_tool.handler.lambda_handler)."""

from dify_extension.cold_start import init_phase

with init_phase():
    from dify_extension.api_keys import key_cache_from_environment

    # Start reading the key now: its network wait overlaps the imports below, the bulk of a cold start.
    keys = key_cache_from_environment()
    keys.prefetch()

    from dify_extension.endpoint import Endpoint
    from dify_extension.protocol import Point
    from dify_extension.routes import EXTERNAL_DATA_TOOL_PATH
    from external_data_tool.tools import BUNDLED_TOOLS, ToolRegistry

    registry = ToolRegistry.load(BUNDLED_TOOLS)
    endpoint = Endpoint(EXTERNAL_DATA_TOOL_PATH, {Point.EXTERNAL_DATA_TOOL_QUERY: registry.query}, keys=keys)

lambda_handler = endpoint.lambda_handler
