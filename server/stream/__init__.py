"""Event stream: per-process fan-out of committed events to websocket subscribers."""
