"""Routes for the pages. Each page is one `index.html` under `static/<page>/`; its scripts,
styles and sounds are served from `/static/`. Pages carry no data: they read the API with the
token given in the URL (kept in the browser's storage) or the clerk's login."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {"/kiosk": "kiosk", "/display": "display", "/counter": "counter", "/rate": "rate",
         "/admin": "admin", "/admin/overview": "overview", "/results": "results",
         "/reception": "reception", "/hall": "hall",
         "/book": "book"}  # fmt: skip
NO_CACHE = {"Cache-Control": "no-cache"}


def page_file(page: str) -> FileResponse:
    return FileResponse(STATIC / page / "index.html", media_type="text/html", headers=NO_CACHE)


def _page_route(page: str) -> object:
    async def serve() -> FileResponse:
        return page_file(page)

    return serve


def router() -> APIRouter:
    """Every page's route (tests/test_page_csp.py loads each under its policy)."""
    routes = APIRouter(include_in_schema=False)
    for path, page in PAGES.items():
        routes.add_api_route(path, _page_route(page), methods=["GET"])  # type: ignore[arg-type]

    @routes.get("/t/{public_id}")
    async def mobile_ticket(public_id: str) -> FileResponse:
        return page_file("mobile")

    @routes.get("/a/{public_id}")
    async def appointment(public_id: str) -> FileResponse:
        return page_file("appointment")

    @routes.get("/")
    async def home() -> RedirectResponse:
        return RedirectResponse("/admin")

    @routes.get("/favicon.ico")
    async def favicon() -> Response:
        return Response(status_code=204)  # no icon; keeps the pages' consoles free of 404s

    return routes


def install(app: FastAPI) -> None:
    app.include_router(router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
