"""The case view in memory, for unit tests of the handlers: kept from the events by the
in-memory store's append hook, folded by the same `evolve` as the real one (readmodels.cases),
nothing sealed. It answers what the handlers and the case page ask of the real one the same
way; the queues' queries, the figures' buckets and what is sealed at rest are the real one's
own (tested on the store)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from business_desk.domain.figures import OPEN_PHASES
from business_desk.readmodels.case_projection import evolve
from business_desk.readmodels.cases import FINISHED_PHASES
from catalogue.casetypes import Catalogue
from kernel.eventsourcing.envelope import Envelope


class InMemoryCases:
    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self.docs: dict[str, dict[str, Any]] = {}

    def ensure_schema(self) -> None:
        pass

    def apply(self, events: Sequence[Envelope], session: Any = None) -> None:
        for event in events:
            updated = evolve(self.docs.get(event.data["case_id"]), event, self._catalogue)
            if updated is not None:
                self.docs[updated["_id"]] = updated

    def get(self, case_id: str) -> dict[str, Any] | None:
        return self.docs.get(case_id)

    def case_type_of(self, case_id: str) -> str | None:
        doc = self.docs.get(case_id)
        return None if doc is None else str(doc["case_type"])

    def by_reference(self, reference: str) -> dict[str, Any] | None:
        return next((d for d in self.docs.values() if d["reference"] == reference), None)

    def active_ids(self) -> list[str]:
        return [d["_id"] for d in self.docs.values() if d["phase"] in OPEN_PHASES]

    def erasure_candidates(self, finished_on_or_before: date) -> list[dict[str, Any]]:
        cutoff = finished_on_or_before.isoformat()
        return [
            {"_id": d["_id"]}
            for d in self.docs.values()
            if d["phase"] in FINISHED_PHASES
            and d.get("personal_erased_on") is None
            and any((d["facts"].get(f) or "9999") <= cutoff for f in ("decided_on", "closed_on"))
        ]
