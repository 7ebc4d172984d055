"""Set up a hall over the API: one service, one open counter, a kiosk and display devices."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bench.procs import ADMIN_PASSWORD


@dataclass
class Hall:
    port: int
    admin: str  # bearer token (admin user; also staffs the counter)
    kiosk: str
    displays: list[str]
    service_id: int
    counter_id: int
    service_ids: list[int]
    """Every service (`setup(services=n)`); the counter serves them all."""


def _ok(response: httpx.Response, status: int = 200) -> dict[str, object]:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    body: dict[str, object] = response.json()
    return body


def setup(url: str, port: int, displays: int = 0, services: int = 1) -> Hall:
    with httpx.Client(base_url=url, timeout=30) as client:
        login = _ok(
            client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
        )
        admin = {"Authorization": f"Bearer {login['token']}"}
        made = [
            _ok(
                client.post(
                    "/api/v1/services",
                    headers=admin,
                    json={
                        "branch_id": 1,
                        "code": code.lower(),
                        "prefix": code,
                        "name": {"zh-CN": f"业务{code}", "en": f"Service {code}"},
                    },
                ),
                201,
            )
            for code in "ABCDEFGH"[:services]
        ]
        service = made[0]
        counter = _ok(
            client.post(
                "/api/v1/counters",
                headers=admin,
                json={"branch_id": 1, "number": 1, "service_ids": [m["id"] for m in made]},
            ),
            201,
        )
        _ok(client.post(f"/api/v1/counters/{counter['id']}/open", headers=admin))

        def device(kind: str, name: str) -> str:
            body = _ok(
                client.post(
                    "/api/v1/devices",
                    headers=admin,
                    json={"kind": kind, "name": name, "branch_id": 1},
                ),
                201,
            )
            return str(body["token"])

        kiosk = device("kiosk", "bench kiosk")
        tokens = [device("display", f"bench display {i}") for i in range(displays)]
    return Hall(
        port=port,
        admin=str(login["token"]),
        kiosk=kiosk,
        displays=tokens,
        service_id=int(str(service["id"])),
        counter_id=int(str(counter["id"])),
        service_ids=[int(str(m["id"])) for m in made],
    )
