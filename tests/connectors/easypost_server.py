"""EasyPost for tests, from its recorded exchanges: a request must be a recorded operation using only keys the
recordings use (tools/connectors/easypost/contracts.py), and is answered with the recorded response."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from tools.connectors.easypost.contracts import check, operation_of, recorded
from tools.connectors.outbox import VendorRequest

API_KEY = "EZTK_test_key"


@dataclass
class EasyPostAccount:
    contracts_dir: Path
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    shipments: dict[str, dict[str, Any]] = field(default_factory=dict)
    refuse_verification: bool = False  # answer create_and_verify with EasyPost's recorded verification failure

    def _recorded(self, op: str, status: int | None = None) -> tuple[int, Any]:
        responses = recorded(self.contracts_dir)[op]["responses"]
        found = next((r for r in responses if status is None or r[0] == status), responses[0])
        return found[0], copy.deepcopy(found[1])

    async def endpoint(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return JSONResponse({"error": {"code": "APIKEY.INACTIVE", "message": "Invalid API key"}}, status_code=401)
        raw = await request.body()
        body = await request.json() if raw else None
        path, method = request.url.path, request.method
        self.requests.append((method, path, body))
        errors = check(self.contracts_dir, VendorRequest(system="easypost", operation="-", method=method,
                                                         url=path, body=body), "")
        if errors:
            self.violations.extend(errors)
            return JSONResponse({"error": {"code": "PARAMETER.INVALID", "message": errors[0]}}, status_code=422)
        op = operation_of(method, path)
        if op == "POST /v2/addresses/create_and_verify" and self.refuse_verification:
            status, answer = self._recorded("GET /v2/addresses/{adr}/verify", 422)
        elif op == "POST /v2/trackers":
            status, answer = self._recorded(op)
            answer["tracking_code"] = body["tracker"]["tracking_code"]
        elif op == "POST /v2/shipments":
            status, answer = self._recorded(op, 201)
            answer = next(r[1] for r in recorded(self.contracts_dir)[op]["responses"] if r[1].get("rates"))
            answer = copy.deepcopy(answer)
            self.shipments[answer["id"]] = answer
        elif op == "POST /v2/shipments/{shp}/buy":
            status, answer = self._recorded(op)
            shipment_id = path.split("/")[3]
            answer["id"] = shipment_id
            self.shipments[shipment_id] = answer
        elif op == "GET /v2/shipments/{shp}":
            status, answer = 200, self.shipments[path.split("/")[3]]
        else:
            status, answer = self._recorded(op)
        return JSONResponse(answer, status_code=status)

    def buys(self) -> int:
        return sum(1 for m, p, _ in self.requests if m == "POST" and p.endswith("/buy"))
