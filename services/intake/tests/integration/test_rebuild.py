"""intake's tracking view rebuilt from what intake keeps (its own events and the case
events its consumer kept) equals the view built incrementally, on the real store: through
a case's whole life with old event versions and a redelivered message, after an
erasure, from scratch, twice, and while events keep arriving."""

from __future__ import annotations

import threading
import uuid

import pytest
from pymongo import monitoring

from conftest import kafe_solsidan_inquiry
from intake import create_app
from intake import handlers as intake_handlers
from intake.bootstrap import bootstrap
from intake.readmodels.rebuild import TrackingSources, rebuild
from intake.service import consumed_handlers
from kernel.eventsourcing.consumed import group_of
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client

pytestmark = pytest.mark.integration

INQUIRY = kafe_solsidan_inquiry(
    case_type="alcohol_serving_licence", description="Serveringstillstånd.", language="en"
)

HISTORY = [
    f"history.{key}"
    for key in (
        *("received", "registered", "claimed", "completion_requested", "answered", "replied_moved"),
        *("link_replaced", "extended", "delayed", "decided", "closed", "survey_answered"),
    )
]


class Desk:
    """business_desk's case events for one case, as they travel (sealed), each a new
    version of the case's stream."""

    def __init__(self, wire, case_id: str, subject_id: str) -> None:
        self._wire, self.case_id, self.subject_id, self.version = wire, case_id, subject_id, 0

    def event(self, name: str, schema_version: int | None = None, **data) -> bytes:
        raw = golden_example(f"business_desk.{name}", schema_version)
        self.version += 1
        raw.update(event_id=str(uuid.uuid4()), stream_id=f"case-{self.case_id}", version=self.version)
        raw["data"].update(case_id=self.case_id, **data)
        for name, value in (("inquiry_id", self.case_id), ("subject_id", self.subject_id)):
            if name in raw["data"]:
                raw["data"][name] = value
        return self._wire(raw)


@pytest.fixture
def intake(settings_for, personal):
    settings = settings_for("intake")
    app = create_app(settings)
    db = mongo_client(settings)[settings.database]
    processor = MessageProcessor(
        MongoInbox(db, group_of(settings)), consumed_handlers(bootstrap(settings, db)), personal=personal
    )
    return app, processor, db, settings


def submitted(app, wire) -> tuple[dict, Desk]:
    receipt = app.test_client().post("/api/v1/inquiries", json=INQUIRY).get_json()
    doc = app.extensions["intake.deps"].tracking.by_id(receipt["inquiry_id"])
    return receipt, Desk(wire, receipt["inquiry_id"], doc["subject_id"])


def consume(processor, *raws: bytes) -> None:
    for raw in raws:
        assert processor.process(raw) is None


def snapshot(db, settings) -> dict:
    model = TrackingSources(db, settings)
    return {d["_id"]: model.comparable(d) for d in db["tracking"].find()}


def a_whole_life(app, processor, wire, signed_in) -> str:
    """Submitted, opened, claimed (an old version, redelivered), asked for more,
    answered in the portal, replied, link replaced, extended (v1), delayed, decided,
    closed, surveyed."""
    deps = app.extensions["intake.deps"]
    receipt, desk = submitted(app, wire)
    case_id = receipt["inquiry_id"]
    claimed = desk.event("case_claimed", 1)
    consume(processor, desk.event("case_opened"), claimed, claimed)  # the second is a redelivery
    consume(processor, desk.event("completion_requested", reply_by="2026-12-20"))
    intake_handlers.answer_completion(deps, deps.tracking.by_id(case_id), "Here is the plan.", [])
    consume(processor, desk.event("applicant_replied"))
    staff = signed_in(app, "case_handler")
    assert staff.post(f"/api/v1/inquiries/{case_id}/tracking-link/replace").status_code == 202
    consume(
        processor,
        desk.event("deadline_extended", 1),
        desk.event("delay_notice_sent"),
        desk.event("case_decided"),
        desk.event("case_closed"),
    )
    intake_handlers.answer_survey(
        deps, deps.tracking.by_id(case_id), {"overall": 5, "expectations": 4, "ideal": 4}
    )
    return case_id


def test_the_rebuilt_tracking_view_equals_the_incremental_one(intake, wire, personal, signed_in):
    app, processor, db, settings = intake
    whole = a_whole_life(app, processor, wire, signed_in)
    erased, desk = submitted(app, wire)
    consume(processor, desk.event("case_opened"), desk.event("case_claimed"))
    personal.vault.erase(desk.subject_id, "retention")
    consume(processor, desk.event("personal_data_erased", erased_on="2026-12-01"))
    just_submitted, _ = submitted(app, wire)

    incremental = snapshot(db, settings)
    assert incremental[whole]["status"] == "closed"
    assert [h.get("key") for h in incremental[whole]["history"]] == HISTORY
    assert incremental[erased["inquiry_id"]]["personal_erased_on"] == "2026-12-01"
    assert incremental[erased["inquiry_id"]]["sealed"] is None

    # over the live view: nothing differs, nothing is written
    [summary] = rebuild(settings)["models"]
    assert summary["documents"] == 3 and summary["changed"] == summary["removed"] == 0
    assert summary["details"]["consumed_without_kept_event"] == 0

    # from scratch: the same documents, field for field (sealed fields opened)
    db["tracking"].drop()
    app.extensions["intake.deps"].tracking.ensure_schema()
    [summary] = rebuild(settings)["models"]
    assert summary["changed"] == 3
    assert snapshot(db, settings) == incremental
    assert rebuild(settings)["models"][0]["changed"] == 0  # idempotent

    # the rebuilt view works: the replaced link opens the case, the erased one nothing
    tracking = app.extensions["intake.deps"].tracking
    assert tracking.by_id(just_submitted["inquiry_id"])["company"] == INQUIRY["company"]
    token = just_submitted["tracking_url"].rsplit("/", 1)[1]
    assert tracking.by_token(token)["_id"] == just_submitted["inquiry_id"]
    assert tracking.by_token(erased["tracking_url"].rsplit("/", 1)[1]) is None


def test_a_wrong_document_is_put_right_and_one_the_sources_cannot_reproduce_is_left(intake, wire, signed_in):
    app, processor, db, settings = intake
    right, desk = submitted(app, wire)
    consume(processor, desk.event("case_opened"))
    legacy, old_desk = submitted(app, wire)
    consume(processor, old_desk.event("case_opened"))
    incremental = snapshot(db, settings)

    db["tracking"].update_one({"_id": right["inquiry_id"]}, {"$set": {"status": "bogus"}})
    # a message consumed before events were kept: its mark has no event
    marks = db["processed_messages"]
    marks.update_one({"event.data.case_id": legacy["inquiry_id"]}, {"$unset": {"event": ""}})
    [checked] = rebuild(settings, check=True)["models"]  # compares, writes nothing
    assert checked["changed"] == 1 and checked["details"]["differing"] == [right["inquiry_id"]]
    assert db["tracking"].find_one({"_id": right["inquiry_id"]})["status"] == "bogus"
    [summary] = rebuild(settings)["models"]
    assert (summary["changed"], summary["unreproducible"]) == (1, 1)
    assert summary["details"]["consumed_without_kept_event"] == 1
    assert snapshot(db, settings) == incremental


def test_a_rebuild_racing_a_consumed_event_loses_nothing(intake, wire):
    """The chunk's transaction reads its snapshot, then the consumer commits an event on the
    same document, then the chunk writes: the write conflicts, the chunk is retried on top."""
    app, processor, db, settings = intake
    receipt, desk = submitted(app, wire)
    consume(processor, desk.event("case_opened"))
    promised = app.extensions["intake.deps"].tracking.by_id(receipt["inquiry_id"])["promised_answer_by"]
    db["tracking"].update_one({"_id": receipt["inquiry_id"]}, {"$set": {"promised_answer_by": "1999-01-01"}})

    model = TrackingSources(db, settings)
    original, attempts = model.rebuilt, []

    def rebuilt_while_the_desk_claims(keys, live, session):
        result = original(keys, live, session)
        if not attempts:
            worker = threading.Thread(target=consume, args=(processor, desk.event("case_claimed")))
            worker.start()
            worker.join()
        attempts.append(len(keys))
        return result

    model.rebuilt = rebuilt_while_the_desk_claims
    from kernel.eventsourcing.rebuild import rebuild_model

    summary = rebuild_model(db.client, model)
    assert len(attempts) == 2 and summary.changed == 1  # retried once, then written
    doc = app.extensions["intake.deps"].tracking.by_id(receipt["inquiry_id"])
    assert doc["promised_answer_by"] == promised
    assert doc["status"] == "in_progress" and [h["status"] for h in doc["history"]][-1] == "in_progress"


class CommandCounter(monitoring.CommandListener):
    """Counts the commands a client sends the store (pymongo's command monitoring)."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    def started(self, event) -> None:
        self.commands.append(event.command_name)

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


def test_store_commands_per_rebuilt_case(intake, wire, infra, capsys):
    """A rebuild reads and writes a chunk of cases in a handful of commands, not a few per case."""
    from pymongo import MongoClient

    app, processor, db, settings = intake
    cases = 60
    for _ in range(cases):
        _, desk = submitted(app, wire)
        consume(processor, desk.event("case_opened"), desk.event("case_claimed"))
    counter = CommandCounter()
    client = MongoClient(infra.mongodb_uri, tz_aware=True, event_listeners=[counter])
    monitored = client[settings.database]
    measured = {}
    for run in ("check", "from scratch", "again"):
        if run == "from scratch":
            db["tracking"].delete_many({})
        counter.commands.clear()
        [summary] = rebuild(settings, monitored, check=run == "check")["models"]
        assert summary["documents"] == cases
        measured[run] = len(counter.commands) / cases
    with capsys.disabled():
        print(f"\nstore commands per rebuilt case ({cases} cases): {measured}")
    assert all(per_case <= 0.5 for per_case in measured.values()), measured
    client.close()
