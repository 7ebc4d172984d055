"""Webhooks: signed, durable deliveries of a hall's events (json, WeCom and DingTalk robots)."""
