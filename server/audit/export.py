"""The Audit tab's export: one row per record, headed in the caller's language, through the
export lane and the shared CSV/XLSX writers (formula-like cells neutralised there)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import IO

from starlette.concurrency import run_in_threadpool

from server import protocol as p
from server.core.tables import Cell

MAX_ROWS = 100_000
"""At most this many records per export (narrow the dates or the filters for more)."""

HEADER = {
    "zh-CN": ["编号", "时间 (UTC)", "操作者类型", "操作者", "类别", "对象", "票号", "说明",
              "数据", "哈希"],
    "zh-TW": ["編號", "時間 (UTC)", "操作者類型", "操作者", "類別", "對象", "票號", "說明",
              "資料", "雜湊"],
    "en": ["id", "time (UTC)", "actor", "by", "kind", "subject", "ticket", "detail", "data",
           "hash"],
}  # fmt: skip


def table(rows: Sequence[p.AuditEntry], locale: str) -> tuple[list[str], Iterator[list[Cell]]]:
    def records() -> Iterator[list[Cell]]:
        for e in rows:
            data = json.dumps(e.data, ensure_ascii=False, sort_keys=True)
            yield [e.id, e.ts.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.actor_name or "",
                   e.kind, e.subject, e.number or "", e.detail or "", data, e.hash]  # fmt: skip

    return HEADER.get(locale, HEADER["en"]), records()


async def chunks(out: IO[bytes]) -> AsyncIterator[bytes]:
    """The written file, sent after the connection went back: a slow client holds none."""
    try:
        while chunk := await run_in_threadpool(out.read, 65536):
            yield chunk
    finally:
        out.close()
