"""The bus interface: publish a message on a channel, hand every message to one handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Handler = Callable[[str, str], None]  # (channel, message), called on the event loop
ResyncHandler = Callable[[], None]  # called after the bus reconnected: messages may be lost


class Bus(Protocol):
    shared: bool  # other processes listen (Redis); False: this process alone (memory://)

    async def connect(self, handler: Handler, on_resync: ResyncHandler) -> None: ...

    async def disconnect(self) -> None: ...

    async def publish(self, channel: str, message: str) -> None: ...

    async def healthy(self) -> bool: ...
