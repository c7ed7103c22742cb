"""Shared layer of the Dify extension functions: protocol models, Bearer auth, key loading and request plumbing."""
