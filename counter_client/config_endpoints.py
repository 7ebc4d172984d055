"""Configuration endpoints (branches, services, counters, users, devices): managers' tools."""

from __future__ import annotations

from typing import Any

from counter_client.calls import Call, body, endpoint, model, models, params
from server import protocol as p

V1 = "/api/v1"


class ConfigEndpoints:
    @endpoint
    def branches(self) -> Call[list[p.Branch]]:
        return Call("GET", f"{V1}/branches", models(p.Branch))

    @endpoint
    def branch(self, branch_id: int) -> Call[p.BranchDetail]:
        return Call("GET", f"{V1}/branches/{branch_id}", model(p.BranchDetail))

    @endpoint
    def create_branch(self, new: p.BranchCreate | dict[str, Any]) -> Call[p.BranchDetail]:
        return Call("POST", f"{V1}/branches", model(p.BranchDetail), json=body(new))

    @endpoint
    def patch_branch(
        self, branch_id: int, patch: p.BranchPatch | dict[str, Any]
    ) -> Call[p.BranchDetail]:
        return Call("PATCH", f"{V1}/branches/{branch_id}", model(p.BranchDetail), json=body(patch))

    @endpoint
    def services(self, branch_id: int | None = None) -> Call[list[p.Service]]:
        return Call("GET", f"{V1}/services", models(p.Service), params=params(branch_id=branch_id))

    @endpoint
    def create_service(self, new: p.ServiceCreate | dict[str, Any]) -> Call[p.Service]:
        return Call("POST", f"{V1}/services", model(p.Service), json=body(new))

    @endpoint
    def patch_service(
        self, service_id: int, patch: p.ServicePatch | dict[str, Any]
    ) -> Call[p.Service]:
        return Call("PATCH", f"{V1}/services/{service_id}", model(p.Service), json=body(patch))

    @endpoint
    def delete_service(self, service_id: int) -> Call[p.Service]:
        return Call("DELETE", f"{V1}/services/{service_id}", model(p.Service))

    @endpoint
    def counters(self, branch_id: int | None = None) -> Call[list[p.Counter]]:
        return Call("GET", f"{V1}/counters", models(p.Counter), params=params(branch_id=branch_id))

    @endpoint
    def create_counter(self, new: p.CounterCreate | dict[str, Any]) -> Call[p.Counter]:
        return Call("POST", f"{V1}/counters", model(p.Counter), json=body(new))

    @endpoint
    def patch_counter(
        self, counter_id: int, patch: p.CounterPatch | dict[str, Any]
    ) -> Call[p.Counter]:
        return Call("PATCH", f"{V1}/counters/{counter_id}", model(p.Counter), json=body(patch))

    @endpoint
    def delete_counter(self, counter_id: int) -> Call[p.Counter]:
        return Call("DELETE", f"{V1}/counters/{counter_id}", model(p.Counter))

    @endpoint
    def users(self) -> Call[list[p.UserOut]]:
        return Call("GET", f"{V1}/users", models(p.UserOut))

    @endpoint
    def create_user(self, new: p.UserCreate | dict[str, Any]) -> Call[p.UserOut]:
        return Call("POST", f"{V1}/users", model(p.UserOut), json=body(new))

    @endpoint
    def patch_user(self, user_id: int, patch: p.UserPatch | dict[str, Any]) -> Call[p.UserOut]:
        return Call("PATCH", f"{V1}/users/{user_id}", model(p.UserOut), json=body(patch))

    @endpoint
    def delete_user(self, user_id: int) -> Call[p.UserOut]:
        return Call("DELETE", f"{V1}/users/{user_id}", model(p.UserOut))

    @endpoint
    def devices(self) -> Call[list[p.DeviceOut]]:
        return Call("GET", f"{V1}/devices", models(p.DeviceOut))

    @endpoint
    def create_device(self, kind: p.DeviceKind, name: str, branch_id: int = 1) -> Call[p.DeviceOut]:
        """A kiosk or display device; its token is in the answer, and only there."""
        return Call(
            "POST",
            f"{V1}/devices",
            model(p.DeviceOut),
            json={"kind": kind, "name": name, "branch_id": branch_id},
        )

    @endpoint
    def revoke_device(self, device_id: int) -> Call[p.DeviceOut]:
        return Call("DELETE", f"{V1}/devices/{device_id}", model(p.DeviceOut))
