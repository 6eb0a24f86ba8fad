"""The tracking view in memory, for unit tests of the handlers: kept from the events by
the in-memory store's append hook (and by a test handing it case events, as the consumer
does), folded by the same `evolve` as the real one, and nothing sealed. It answers what
the handlers ask of the real one (readmodels.tracking) the same way; what is sealed at
rest and the lookup buckets are the real one's own (tested on the store)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from intake.domain.inquiries import INQUIRY_SUBMITTED
from intake.domain.tracking import evolve, link_lookup
from intake.readmodels.tracking import MY_CASES_ORDER
from kernel.eventsourcing.envelope import Envelope
from kernel.web.paging import Page, PageRequest, sequence_page


class InMemoryTracking:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    def ensure_schema(self) -> None:
        pass

    def apply(self, events: Sequence[Envelope], session: Any = None, consumed_event: bool = False) -> None:
        for event in events:
            key = event.data.get("inquiry_id") or event.data.get("case_id")
            current = None if event.type == INQUIRY_SUBMITTED else self.docs.get(key)
            updated = evolve(current, event)
            if updated is not None:
                if "tracking_secret" in updated:  # a new link: its secret checks it, never kept
                    updated["tracking_verifier"] = updated.pop("tracking_secret")
                self.docs[updated["_id"]] = updated

    def by_token(self, token: str) -> dict[str, Any] | None:
        lookup, secret = link_lookup(token)
        doc = next((d for d in self.docs.values() if d["tracking_hash"] == lookup), None)
        if (
            doc is not None
            and secret is not None
            and not hmac.compare_digest(secret, doc.get("tracking_verifier") or "")
        ):
            return None
        return doc

    def revoked(self, token: str) -> bool:
        lookup, _ = link_lookup(token)
        return any(lookup in d.get("revoked_hashes", []) for d in self.docs.values())

    def of_organisations_or_ids(
        self,
        organisation_keys: Iterable[str],
        inquiry_ids: Iterable[str],
        page: PageRequest,
        reaches: Callable[[dict[str, Any]], bool] = lambda doc: True,
    ) -> Page[dict[str, Any]]:
        organisations, ids = set(organisation_keys), set(inquiry_ids)
        found = [
            d
            for d in self.docs.values()
            if (d["_id"] in ids or d.get("organisation_key") in organisations) and reaches(d)
        ]
        return sequence_page(found, page, MY_CASES_ORDER)

    def cases_of_contact(self, email: str, limit: int) -> list[str]:
        wanted = email.strip().lower()
        found = [
            d
            for d in self.docs.values()
            if d.get("personal_erased_on") is None
            and (d.get("contact_email") or "").strip().lower() == wanted
        ]
        found.sort(key=lambda d: d["_id"])
        found.sort(key=lambda d: d["received_on"], reverse=True)
        return [d["_id"] for d in found][:limit]

    def by_id(self, inquiry_id: str) -> dict[str, Any] | None:
        return self.docs.get(inquiry_id)
