"""Alerts: conditions someone should act on, evaluated by the server itself (API.md, Alerts),
and the devices' heartbeats that one of them (`device_offline`) watches."""
