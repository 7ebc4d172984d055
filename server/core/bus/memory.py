"""In-process bus: one server process, nothing to install."""

from __future__ import annotations

from server.core.bus.base import Handler, ResyncHandler


class MemoryBus:
    """Nobody else listens: the publisher delivers to this process's hub directly and does not
    publish here (`shared`). A message published anyway goes to the handler."""

    shared = False

    def __init__(self) -> None:
        self._handler: Handler | None = None

    async def connect(self, handler: Handler, on_resync: ResyncHandler) -> None:
        self._handler = handler

    async def disconnect(self) -> None:
        self._handler = None

    async def publish(self, channel: str, message: str) -> None:
        if self._handler is not None:
            self._handler(channel, message)

    async def healthy(self) -> bool:
        return True
