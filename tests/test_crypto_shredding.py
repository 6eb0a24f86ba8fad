"""Crypto-shredding across the services, on the real store: an inquiry goes through its
whole life, its retention period runs out, its data subject's key is destroyed, and
then no copy of the applicant's personal data can be read anywhere, while the case's
figures survive and replaying every event still works."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client

pytestmark = pytest.mark.integration

PERSONAL_VALUES = (
    "Shredda Testsson",
    "shredda@example.se",
    "070-111 22 33",
    "Kafé Raderat AB",
    "Vi vill ha uteservering vid torget.",
    "Skicka en ritning över serveringen.",
    "Ritningen skickad per post.",
    "Uteservering beviljas med villkor om städning.",
)
INQUIRY = {
    "organisation_number": "5560360793",
    "company": PERSONAL_VALUES[3],
    "contact_name": PERSONAL_VALUES[0],
    "email": PERSONAL_VALUES[1],
    "phone": PERSONAL_VALUES[2],
    "case_type": "outdoor_seating",
    "description": PERSONAL_VALUES[4],
    "language": "sv",
}


def everything_stored(client, prefix: str) -> str:
    """Every document of every collection of this test's databases, as text."""
    dump = []
    for name in client.list_database_names():
        if name.startswith(prefix):
            for collection in client[name].list_collection_names():
                dump.extend(map(repr, client[name][collection].find()))
    return "\n".join(dump)


class Clock:
    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> datetime:
        return datetime.combine(self.today, datetime.min.time(), UTC) + timedelta(hours=9)


def test_after_the_retention_period_no_copy_of_the_personal_data_can_be_read(
    settings_for, isolated_env, personal, signed_in
):
    from business_desk import create_app as desk_app
    from business_desk import handlers as desk
    from business_desk.bootstrap import bootstrap as desk_bootstrap
    from business_desk.readmodels.cases import CaseReadModel
    from business_desk.service import consumed_handlers as desk_consumer
    from intake import create_app as intake_app
    from intake.bootstrap import bootstrap as intake_bootstrap
    from intake.service import consumed_handlers as intake_consumer
    from kernel.eventsourcing.mongo_store import MongoEventStore
    from notify.bootstrap import bootstrap as notify_bootstrap
    from notify.handlers import handlers as notify_handlers

    intake_settings, desk_settings, notify_settings = (
        settings_for("intake"),
        settings_for("business_desk"),
        settings_for("notify"),
    )
    client = mongo_client(desk_settings)
    dbs = {s.service: client[s.database] for s in (intake_settings, desk_settings, notify_settings)}

    def notify_consumer(db):  # type: ignore[no-untyped-def]
        """notify's handlers on `db`, wired as its consumer is (its links to intake at http://intake.test)."""
        wired = replace(notify_settings, intake_public_url="http://intake.test")
        return notify_handlers(notify_bootstrap(wired, db, personal=personal))

    clock = Clock(date(2026, 11, 24))

    # The applicant submits; business_desk and notify take the inquiry as from Kafka.
    intake = intake_app(intake_settings)
    intake.extensions["intake.deps"].clock = clock
    receipt = intake.test_client().post("/api/v1/inquiries", json=INQUIRY)
    assert receipt.status_code == 201, receipt.get_json()
    reference = receipt.get_json()["reference"]
    intake_store = MongoEventStore(dbs["intake"])  # as the relay reads it: sealed
    consumers = {
        "business_desk": MessageProcessor(
            MongoInbox(dbs["business_desk"], "business_desk"),
            desk_consumer(desk_bootstrap(desk_settings, dbs["business_desk"])),
            personal=personal,
        ),
        "intake": MessageProcessor(
            MongoInbox(dbs["intake"], "intake"),
            intake_consumer(intake_bootstrap(intake_settings, dbs["intake"])),
            personal=personal,
        ),
        "notify": MessageProcessor(
            MongoInbox(dbs["notify"], "notify"),
            notify_consumer(dbs["notify"]),
            personal=personal,
        ),
    }
    wire = [e.to_json() for _, e in intake_store.read_after(0)]
    for raw in wire:
        assert consumers["business_desk"].process(raw) is None and consumers["notify"].process(raw) is None

    # The case's whole life at the desk; its events reach intake and notify.
    deps = desk_bootstrap(desk_settings, dbs["business_desk"])
    deps.clock = clock
    case_id = deps.cases.by_reference(reference)["_id"]
    sara = Actor(f"{desk_settings.oidc_issuer}#sara.handler", "Sara")
    desk.claim(deps, case_id, sara)
    desk.request_completion(deps, case_id, sara, PERSONAL_VALUES[5])
    clock.today = date(2026, 11, 30)
    desk.register_reply(deps, case_id, PERSONAL_VALUES[6])
    desk.decide(deps, case_id, sara, "granted_with_conditions", PERSONAL_VALUES[7])
    desk_store = MongoEventStore(dbs["business_desk"])
    case_wire = [e.to_json() for _, e in desk_store.read_after(0)]
    for raw in case_wire:
        assert consumers["intake"].process(raw) is None and consumers["notify"].process(raw) is None

    # At rest in the event stores and on the wire, the personal data is sealed.
    events_text = "".join(
        map(repr, [*dbs["intake"]["events"].find(), *dbs["business_desk"]["events"].find()])
    )
    wire_text = b"".join(wire + case_wire).decode()
    for value in PERSONAL_VALUES:
        assert value not in events_text and value not in wire_text
    # ...while the read models have what their users need: sealed at rest, opened when read.
    opened = deps.cases.get(case_id)
    assert (
        opened["contact"]["email"] == PERSONAL_VALUES[1]
        and opened["decision"]["answer"] == PERSONAL_VALUES[7]
    )
    desk_at_rest = repr(list(dbs["business_desk"]["cases"].find()))
    assert PERSONAL_VALUES[1] not in desk_at_rest and PERSONAL_VALUES[7] not in desk_at_rest

    # Not yet: the retention period counts from the decision.
    clock.today = date(2026, 11, 30) + timedelta(days=desk_settings.retention_days - 1)
    assert desk.erase_expired(deps) == []
    clock.today += timedelta(days=1)
    assert desk.erase_expired(deps) == [reference]
    assert desk.erase_expired(deps) == []  # once
    for raw in [e.to_json() for _, e in desk_store.read_after(0)][len(case_wire) :]:
        assert consumers["intake"].process(raw) is None and consumers["notify"].process(raw) is None

    # No copy left anywhere: event stores, read models, recipients, mail log, key vault.
    stored = everything_stored(client, isolated_env["MONGODB_DATABASE_PREFIX"])
    for value in PERSONAL_VALUES:
        assert value not in stored, value
    assert personal.vault.erased_at(deps.cases.get(case_id)["subject_id"]) is not None

    # The figures survive, and the handler sees plainly what happened.
    case = signed_in(desk_app(desk_settings), "case_handler").get(f"/api/v1/cases/{case_id}").get_json()
    assert case["company"] is None and case["contact"] is None and case["description"] is None
    assert case["personal_erased_on"] == clock.today.isoformat()
    assert case["decision"]["outcome"] == "granted_with_conditions" and case["decision"]["answer"] is None
    assert case["clock"]["within_target_net"] is True and case["received_on"] == "2026-11-24"
    assert [h["type"] for h in case["history"]][-1] == "personal_data_erased"

    # Replaying after erasure works and shows the data as erased: the desk's read model
    # rebuilt from its events, and a new consumer of everything ever published.
    before = deps.cases.get(case_id)
    assert CaseReadModel(dbs["business_desk"], deps.catalogue, personal).rebuild(
        MongoEventStore(dbs["business_desk"], personal=personal).read_all()
    )
    rebuilt = deps.cases.get(case_id)
    assert {k: v for k, v in rebuilt.items() if k != "history"} == {
        k: v for k, v in before.items() if k != "history"
    }
    assert all(h["detail"] is None for h in rebuilt["history"])
    replayer = MessageProcessor(
        MongoInbox(client[f"{isolated_env['MONGODB_DATABASE_PREFIX']}replay"], "replay"),
        notify_consumer(client[f"{isolated_env['MONGODB_DATABASE_PREFIX']}replay"]),
        personal=personal,
    )
    everything = [e.to_json() for _, e in intake_store.read_after(0)] + [
        e.to_json() for _, e in desk_store.read_after(0)
    ]
    assert [replayer.process(raw) for raw in everything] == [None] * len(everything)
    assert all(
        Envelope.from_json(raw).data.get("personal") is None
        or personal.open_event(Envelope.from_json(raw)).data["personal"] is None
        for raw in everything
    )
    assert (
        client[f"{isolated_env['MONGODB_DATABASE_PREFIX']}replay"]["outgoing_mail"].count_documents({}) == 0
    )
