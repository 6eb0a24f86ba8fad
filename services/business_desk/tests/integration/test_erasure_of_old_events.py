"""Events written before free-text reasons were sealed hold the reason in clear. Erasing
the case takes it out of the stored events (kernel.eventsourcing.eventstore: the erasure event's
append rewrites them in its transaction), and out of the read model."""

from __future__ import annotations

import uuid

import pytest

from business_desk import handlers as desk
from conftest import case_inquiry
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope

pytestmark = pytest.mark.integration
REASON = "Anna Berg är sjukskriven till mars"


def test_erasing_a_case_takes_the_clear_reasons_of_its_old_events_out_of_the_store(world):
    _, db, deps, receive = world
    raw = case_inquiry(77, "outdoor_seating", "2026-11-02", series="E")
    raw["data"]["subject_id"] = str(uuid.uuid4())
    receive(raw)
    case_id = raw["data"]["inquiry_id"]
    closed_v1 = golden_example("business_desk.case_closed", 1)
    closed_v1.update(event_id=str(uuid.uuid4()), stream_id=f"case-{case_id}", version=2)
    closed_v1["data"].update(case_id=case_id, reference=raw["data"]["reference"], reason=REASON)
    deps.store.import_events([Envelope.from_dict(closed_v1)])  # written by an older release
    deps.cases.apply(deps.store.load(f"case-{case_id}")[1:], None)  # as its writer's hook did
    assert REASON in str(list(db["events"].find({"stream_id": f"case-{case_id}"})))

    desk.erase_personal_data(deps, case_id, "retention")

    stored = list(db["events"].find({"stream_id": f"case-{case_id}"}))
    assert [e["type"] for e in stored][-1] == "business_desk.personal_data_erased"
    assert "Anna Berg" not in str(stored)
    assert "Anna Berg" not in str(db["cases"].find_one({"_id": case_id}))
    closed = deps.store.load(f"case-{case_id}")[1]  # still read, as the current version
    assert closed.type == "business_desk.case_closed" and closed.data["legacy_reason"] is None
