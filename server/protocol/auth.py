"""Wire models of logins, users and devices."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from server.protocol.common import DeviceKind, Id, Request, Role

# ---- auth and users ---------------------------------------------------------------------


class LoginRequest(Request):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    branch_ids: list[int]
    region_ids: list[int] = Field(default_factory=list)
    active: bool = True


class LoginResponse(BaseModel):
    token: str
    expires_at: datetime
    user: UserOut


class UserCreate(Request):
    username: str = Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    branch_ids: list[Id] = Field(default_factory=list, max_length=1000)
    region_ids: list[Id] = Field(default_factory=list, max_length=1000)


class UserPatch(Request):
    password: str | None = Field(None, min_length=8, max_length=200)
    role: Role | None = None
    branch_ids: list[Id] | None = Field(None, max_length=1000)
    region_ids: list[Id] | None = Field(None, max_length=1000)
    active: bool | None = None


class DeviceCreate(Request):
    kind: DeviceKind
    name: str = Field(min_length=1, max_length=100)
    branch_id: Id


class DeviceOut(BaseModel):
    id: int
    kind: DeviceKind
    name: str
    branch_id: int
    token: str | None = None
    revoked: bool = False


class Me(BaseModel):
    """Who a token belongs to: a user (id, username, role, branch_ids) or a device."""

    kind: Literal["user", "device"]
    id: int
    username: str | None = None
    role: str
    branch_ids: list[int]
    region_ids: list[int] = Field(default_factory=list)
    name: str | None = None
