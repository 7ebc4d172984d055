"""Server-side speech: the announcement of a call as a WAV, for TVs that only run a browser.

`GET /api/v1/branches/{id}/announcements/{seq}.wav` synthesises the `ticket.called` /
`ticket.recalled` event `seq` with the phrases and voices the display agent uses too
(server/speech/phrases.py, synthesis.py), once: the WAV is cached under the server's var
directory (next to the SQLite file, else ./var) and served from there afterwards. Synthesis
runs on the one speech thread of the process, never on the event loop. The token may come as
`?token=` because an `<audio>` element cannot send headers. Only when the branch has
`server_speech` on.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy.engine import make_url

from server.auth import service as auth
from server.auth.deps import IdPath, bearer, state
from server.auth.router import ERR
from server.speech.phrases import announcement, default_locales, parse_locales, sentences
from server.speech.service import announced_call
from server.speech.synthesis import VoiceConfig, shared_renderer

router = APIRouter(prefix="/api/v1", tags=["queue and events"])


def speech_dir(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "speech"
    return Path("var/speech").resolve()


@router.get(
    "/branches/{branch_id}/announcements/{seq}.wav",
    response_class=FileResponse,
    responses=ERR | {200: {"content": {"audio/wav": {}}}},
)
async def announcement_wav(
    branch_id: IdPath,
    seq: IdPath,
    request: Request,
    token: str | None = Query(None, max_length=500),
    langs: str | None = Query(None, max_length=50, description="e.g. zh-CN,en"),
) -> FileResponse:
    """The spoken announcement of call event `seq` (no chime: the page plays that itself)."""
    app = state(request)
    secret = bearer(request) or token or ""
    principal = await asyncio.to_thread(auth.authenticate, app.ctx(), secret)
    ctx = app.ctx(principal)
    event, settings, locale = await asyncio.to_thread(announced_call, ctx, branch_id, seq)
    try:
        locales = tuple(parse_locales(langs)) if langs else None
    except ValueError:
        locales = None
    if locales is None:
        locales = default_locales(locale)
    item = announcement(seq, event.type, event.ts, event.data)
    assert item is not None
    said = sentences(item, locales, settings.voice_templates, for_speech=True)
    config = VoiceConfig(locales=locales, repeat=settings.announce_repeat)
    key = hashlib.sha256(json.dumps([said, config.repeat], ensure_ascii=False).encode()).hexdigest()
    out = (
        speech_dir(app.settings.database_url) / f"branch-{branch_id}" / f"{seq:06d}-{key[:12]}.wav"
    )
    if not out.exists():
        await asyncio.wrap_future(shared_renderer().submit(said, config, out))
    return FileResponse(out, media_type="audio/wav", headers={"Cache-Control": "max-age=86400"})
