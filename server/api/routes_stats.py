"""Statistics (manager): summary, breakdown, export. Filled in by issue 6."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["statistics"])
