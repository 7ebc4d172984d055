"""The server returns the C heap's free memory to the system now and then
(server/core/memory.py)."""

from __future__ import annotations

import asyncio

import pytest

from server.core import memory

pytestmark = pytest.mark.integration  # ctypes.util.find_library runs ldconfig


def test_the_heap_is_trimmed_on_this_c_library() -> None:
    assert memory.trim()  # glibc (Debian, as CI): the call exists and succeeds


def test_trimming_repeats_until_cancelled_and_never_at_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(memory, "trim", lambda: calls.append(1) is None)

    async def scenario() -> None:
        await asyncio.wait_for(memory.trim_every(0), 5)  # 0: returns at once
        assert calls == []
        task = asyncio.create_task(memory.trim_every(0.01))
        async with asyncio.timeout(10):
            while len(calls) < 3:
                await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
