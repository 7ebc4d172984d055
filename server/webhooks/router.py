"""Webhooks (API.md, "Webhooks")."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from server import protocol as p
from server.auth.deps import CtxDep, IdPath, Limit, Offset, respond
from server.auth.router import ERR
from server.core.run import perform_async
from server.webhooks import service as webhooks

router = APIRouter(prefix="/api/v1", tags=["webhooks"])


@router.post("/webhooks", status_code=201, response_model=p.Webhook, responses=ERR)
async def create_webhook(body: p.WebhookCreate, ctx: CtxDep) -> JSONResponse:
    """The answer holds the `secret`, shown this once: it is never stored for an
    Idempotency-Key replay, nor returned by any other endpoint."""
    code, content = await perform_async(ctx, lambda uow: webhooks.create(ctx, uow, body),
                                        status=201)  # fmt: skip
    return JSONResponse(content, status_code=code)


@router.get("/webhooks", response_model=list[p.Webhook], responses=ERR)
def list_webhooks(ctx: CtxDep, limit: Limit = 1000, offset: Offset = 0) -> list[p.Webhook]:
    return webhooks.list_webhooks(ctx)[offset : offset + limit]


@router.patch("/webhooks/{webhook_id}", response_model=p.Webhook, responses=ERR)
async def patch_webhook(
    webhook_id: IdPath, body: p.WebhookPatch, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(ctx, lambda uow: webhooks.patch(ctx, uow, webhook_id, body),
                         request=request, body=body)  # fmt: skip


@router.delete("/webhooks/{webhook_id}", response_model=p.Webhook, responses=ERR)
async def delete_webhook(webhook_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(ctx, lambda uow: webhooks.delete(ctx, uow, webhook_id),
                         request=request, body=None)  # fmt: skip


@router.get("/webhooks/{webhook_id}/deliveries", response_model=list[p.WebhookDelivery],
            responses=ERR)  # fmt: skip
def list_deliveries(
    webhook_id: IdPath, ctx: CtxDep, limit: Limit = 100, offset: Offset = 0
) -> list[p.WebhookDelivery]:
    return webhooks.deliveries(ctx, webhook_id, limit, offset)


@router.post("/webhooks/{webhook_id}/test", status_code=202, response_model=p.WebhookDelivery,
             responses=ERR)  # fmt: skip
async def send_test(webhook_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    """Queue a `webhook.test` message to the webhook; its outcome shows in the delivery log."""
    return await respond(ctx, lambda uow: webhooks.send_test(ctx, uow, webhook_id),
                         request=request, body=None, status=202)  # fmt: skip
