"""Log levels of the agents (`hallq kiosk`, `hallq display`): `-v` shows our own debug lines,
`-vv` everyone's. The HTTP and websocket libraries log every connection and request at DEBUG
(httpcore several lines per request), which buried the agent's own lines under -v."""

from __future__ import annotations

import logging

OURS = ("hallq", "kiosk", "display", "counter_client")
LIBRARIES = ("httpx", "httpcore", "websockets", "escpos", "PIL", "asyncio", "urllib3")


def configure(verbosity: int, fmt: str) -> None:
    """0: INFO; 1 (-v): our loggers at DEBUG, the libraries at WARNING; 2 (-vv): all DEBUG."""
    logging.basicConfig(format=fmt)
    logging.getLogger().setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
    for name in OURS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity >= 1 else logging.NOTSET)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
