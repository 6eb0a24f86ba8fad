"""The vouchers API as its users call it over HTTP, for the demo data (devstack.seed), the
benchmarks and the end-to-end tests: a provider's application and the officer's decision,
a programme's default provider, a voucher granted and a provider chosen. Each call checks
its answer (an HTTPError with the body otherwise) and returns what the next step needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests


class VouchersApi:
    def __init__(self, url: str, user: requests.Session | Mapping[str, str], timeout_s: float = 10) -> None:
        """`user`: a session signed in as the caller, or the caller's request headers."""
        self.url = url
        if isinstance(user, requests.Session):
            self.session = user
        else:
            self.session = requests.Session()
            self.session.headers.update(user)
        self.timeout_s = timeout_s

    def _call(self, method: str, path: str, body: Mapping[str, Any], *expected: int) -> dict:
        response = self.session.request(method, f"{self.url}{path}", json=body, timeout=self.timeout_s)
        if response.status_code not in expected:
            raise requests.HTTPError(
                f"{method} {path}: {response.status_code} {response.text}", response=response
            )
        return dict(response.json()) if response.content else {}

    def apply(
        self,
        programme: str,
        organisation_number: str,
        name: str,
        categories: Sequence[str],
        *,
        contact_email: str,
        description: str,
        ownership: str = "private",
    ) -> str:
        """A provider's application to a programme: the provider's id."""
        application = {
            "organisation_number": organisation_number,
            "name": name,
            "ownership": ownership,
            "categories": list(categories),
            "contact_email": contact_email,
            "description": description,
        }
        path = f"/api/v1/programmes/{programme}/applications"
        return str(self._call("POST", path, application, 201)["provider_id"])

    def decide(self, provider_id: str, reason: str, decision: str = "approve") -> None:
        body = {"decision": decision, "reason": reason}
        self._call("POST", f"/api/v1/providers/{provider_id}/decisions", body, 200)

    def approved(
        self,
        programme: str,
        organisation_number: str,
        name: str,
        categories: Sequence[str],
        *,
        reason: str,
        **application: str,
    ) -> str:
        """A provider applied and approved: its id."""
        provider_id = self.apply(programme, organisation_number, name, categories, **application)
        self.decide(provider_id, reason)
        return provider_id

    def designate(self, programme: str, provider_id: str) -> None:
        """The programme's default provider (for whom chooses none)."""
        body = {"provider_id": provider_id}
        self._call("PUT", f"/api/v1/programmes/{programme}/default-provider", body, 200, 204)

    def grant(self, programme: str, category: str, personnummer: str, email: str, **more: Any) -> str:
        """A voucher granted to a citizen (`more`: units_per_period, valid_from, language...): its id."""
        voucher = {"programme": programme, "category": category, "personnummer": personnummer, "email": email}
        return str(self._call("POST", "/api/v1/vouchers", {**voucher, **more}, 201)["voucher_id"])

    def choose(self, voucher_id: str, provider_id: str) -> None:
        self._call("POST", f"/api/v1/vouchers/{voucher_id}/choice", {"provider_id": provider_id}, 200)
