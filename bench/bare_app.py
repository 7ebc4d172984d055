"""The floor: FastAPI + uvicorn with one POST route and no database, run with the same uvicorn
settings as `hallq serve` (uvloop/httptools, info logging with access log, ws ping 5 s).

The route is a plain `def` like the real issue endpoint (so it also pays the threadpool hop),
validates a TicketCreate-like body and answers a ticket-sized JSON body.
"""

from __future__ import annotations

import itertools
import logging
import sys
from datetime import UTC, date, datetime

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

app = FastAPI()
_ids = itertools.count(1)


class Body(BaseModel):
    service_id: int
    priority: str = "normal"


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/v1/tickets", status_code=201)
def issue(body: Body) -> JSONResponse:
    n = next(_ids)
    now = datetime.now(UTC).isoformat()
    ticket = {
        "id": n,
        "public_id": "x" * 16,
        "branch_id": 1,
        "service_id": body.service_id,
        "number": f"A{n % 1000:03d}",
        "business_date": date.today().isoformat(),
        "state": "waiting",
        "priority": body.priority,
        "channel": "kiosk",
        "issued_at": now,
        "called_at": None,
        "started_at": None,
        "finished_at": None,
        "counter_id": None,
        "clerk_id": None,
        "calls": 0,
        "position": n,
        "estimated_wait_s": 60 * n,
        "outcome": None,
        "rating": None,
        "locale": "zh-CN",
    }
    return JSONResponse(ticket, status_code=201)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        ws_ping_interval=5.0,
        ws_ping_timeout=5.0,
        ws_per_message_deflate=False,
        log_level="info",
    )
