"""The external data tool function: Dify point app.external_data_tool.query."""
