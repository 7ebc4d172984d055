"""The Python clients of the event stream against a real server, when a message goes missing on
the way (issue 13, item 1): the SDK's `EventStream` notices the gap at the next seq, resumes
with `since` and yields the missed event in its place; the display agent, which follows the
stream through it, still announces a `ticket.called` that was lost."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import display.agent as agent_module
from counter_client.events import EventStream
from display.agent import Agent, AgentConfig
from server.protocol import Event
from server.speech.phrases import Announcement
from tests.support import LiveServer, Remote, until

pytestmark = pytest.mark.e2e


class LosesOne(EventStream):
    """An `EventStream` whose connection loses the first message matching `lose` on the way."""

    lose: Any = staticmethod(lambda message: False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lost: list[int] = []
        self.urls: list[str] = []

    def url(self) -> str:
        url = super().url()
        self.urls.append(url)
        return url

    async def _accept(self, text: str | bytes) -> Event | None:
        message = json.loads(text)
        if not self.lost and self.lose(message):
            self.lost.append(message["seq"])
            return None
        return await super()._accept(text)


def test_the_sdk_stream_resumes_with_since_after_a_lost_message(
    server: LiveServer, remote: Remote
) -> None:
    service = remote.service("G")
    _, display = remote.device("display")

    def issue() -> None:
        remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)

    async def scenario() -> tuple[list[int], LosesOne]:
        stream = LosesOne(server.url, 1, display)
        stream.lose = lambda message: message["type"] == "ticket.issued"
        async with stream:
            seqs = [(await anext(stream)).seq]  # the snapshot
            for _ in range(3):
                await asyncio.to_thread(issue)
            for _ in range(3):
                seqs.append((await asyncio.wait_for(anext(stream), 20)).seq)
        return seqs, stream

    seqs, stream = asyncio.run(scenario())
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    assert stream.lost == [seqs[1]]
    assert len(stream.urls) == 2 and stream.urls[1].endswith(f"since={seqs[0]}")


class FakeSpeaker:
    def __init__(self, config: Any, **kwargs: Any) -> None:
        self.config = config
        self.said: list[Announcement] = []

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def say(self, item: Announcement, sentences: list[Any]) -> None:
        self.said.append(item)


def test_the_display_agent_announces_a_call_whose_message_was_lost(
    server: LiveServer, remote: Remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = remote.service("H")
    counter = remote.counter(8, [service["id"]])
    remote.post(f"/api/v1/counters/{counter['id']}/open")
    _, display = remote.device("display")
    streams: list[LosesOne] = []

    def stream(*args: Any, **kwargs: Any) -> LosesOne:
        made = LosesOne(*args, **kwargs)
        made.lose = lambda message: message["type"] == "ticket.called"
        streams.append(made)
        return made

    monkeypatch.setattr(agent_module, "EventStream", stream)
    config = AgentConfig(server=server.url, token=display, state_dir=tmp_path, play=False)
    agent = Agent(config, speaker_factory=FakeSpeaker)

    async def scenario() -> list[str]:
        running = asyncio.create_task(agent.run())
        try:
            await until(lambda: agent.progress is not None and streams, "the agent to follow")
            await until(lambda: agent.progress and agent.progress.handled is not None,
                        "the snapshot", timeout=20)  # fmt: skip
            ticket = await asyncio.to_thread(
                remote.post, "/api/v1/tickets", {"service_id": service["id"]}, None, 201
            )
            await asyncio.to_thread(remote.post, f"/api/v1/counters/{counter['id']}/call-next")
            await until(lambda: streams[0].lost, "the call's message to be lost", timeout=20)
            await asyncio.to_thread(  # an event after the lost one shows the gap
                remote.post, "/api/v1/tickets", {"service_id": service["id"]}, None, 201
            )
            speaker = agent.speaker
            assert isinstance(speaker, FakeSpeaker)
            await until(lambda: speaker.said, "the announcement", timeout=20)
            assert [item.number for item in speaker.said] == [ticket["number"]]
            return [item.number for item in speaker.said]
        finally:
            await agent.stop()
            await asyncio.wait_for(running, 10)

    assert len(asyncio.run(scenario())) == 1
    assert len(streams[0].urls) == 2 and "since=" in streams[0].urls[1]
