"""Docker-free local stand-in for the deployed API Gateway HTTP API + Lambda functions (`make run`).

template.yaml is the only source of routes, handlers, layers and environment; the functions run in-process and read
the API key from a local Secrets Manager (moto) exactly as they read it in AWS.
"""
