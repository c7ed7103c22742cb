"""Lambda entry point of the external data tool function (template.yaml: external_data_tool.handler.lambda_handler)."""

from dify_extension.cold_start import init_phase

with init_phase():
    from dify_extension.api_keys import key_cache_from_environment

    # Start reading the key now: its network wait overlaps the imports below, the bulk of a cold start.
    keys = key_cache_from_environment()
    keys.prefetch()

    from dify_extension.config_source import ConfigSource
    from dify_extension.endpoint import Endpoint
    from dify_extension.protocol import ExternalDataToolAnswer, ExternalDataToolParams, Point
    from dify_extension.routes import EXTERNAL_DATA_TOOL_PATH
    from external_data_tool.tools import BUNDLED_TOOLS, MAX_REQUEST_BYTES, ToolRegistry

    # EXTERNAL_DATA_TOOLS_FILE, _SSM_PARAMETER or _S3_URI, else the bundled tools.json; a bad config stops the start.
    tools = ConfigSource.from_environment("EXTERNAL_DATA_TOOLS", bundled=BUNDLED_TOOLS, model=ToolRegistry)

    def query(params: ExternalDataToolParams) -> ExternalDataToolAnswer:
        return tools.current().query(params)

    endpoint = Endpoint(
        EXTERNAL_DATA_TOOL_PATH,
        {Point.EXTERNAL_DATA_TOOL_QUERY: query},
        keys=keys,
        max_body_bytes=MAX_REQUEST_BYTES,
    )

lambda_handler = endpoint.lambda_handler
