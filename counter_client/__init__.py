"""Python SDK for the hallq API v1 (issue 5)."""
