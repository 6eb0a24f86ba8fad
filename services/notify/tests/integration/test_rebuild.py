"""notify's recipients rebuilt from the events its consumer kept equal the ones kept
incrementally, on the real store: an applicant learnt from two topics in either order
with a new tracking link, a citizen from an old version of the grant, a redelivery, an
erasure, from scratch, twice."""

from __future__ import annotations

import uuid

import pytest

from kernel.eventsourcing.consumed import group_of
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client
from notify.bootstrap import bootstrap
from notify.handlers import handlers
from notify.readmodels.rebuild import RecipientsOfSubjects, rebuild

pytestmark = pytest.mark.integration


@pytest.fixture
def notify(settings_for, personal, wire):
    settings = settings_for("notify")
    db = mongo_client(settings)[settings.database]
    processor = MessageProcessor(
        MongoInbox(db, group_of(settings)),
        handlers(bootstrap(settings, db, personal=personal)),
        personal=personal,
    )

    def consume(event_type: str, version: int | None = None, **data) -> bytes:
        raw = golden_example(event_type, version)
        raw["event_id"] = str(uuid.uuid4())
        raw["data"].update(data)
        message = wire(raw)
        assert processor.process(message) is None
        return message

    return settings, db, processor, consume


def snapshot(db, settings) -> dict:
    model = RecipientsOfSubjects(db, settings)
    return {d["_id"]: model.comparable(d) for d in db["recipients"].find()}


def test_the_rebuilt_recipients_equal_the_incremental_ones(notify, personal):
    settings, db, processor, consume = notify
    applicants = [str(uuid.uuid4()) for _ in range(3)]
    cases = [str(uuid.uuid4()) for _ in range(3)]
    # the first: the inquiry, then its case; the second: the case reaches notify first
    consume("intake.inquiry_submitted", inquiry_id=cases[0], subject_id=applicants[0])
    consume("business_desk.case_opened", case_id=cases[0], inquiry_id=cases[0], subject_id=applicants[0])
    replaced = consume("intake.tracking_link_replaced", inquiry_id=cases[0], subject_id=applicants[0])
    assert processor.process(replaced) is None  # redelivered
    consume("business_desk.case_opened", case_id=cases[1], inquiry_id=cases[1], subject_id=applicants[1])
    consume("intake.inquiry_submitted", inquiry_id=cases[1], subject_id=applicants[1])
    # the third is erased
    consume("intake.inquiry_submitted", inquiry_id=cases[2], subject_id=applicants[2])
    personal.vault.erase(applicants[2], "retention")
    consume("business_desk.personal_data_erased", case_id=cases[2], subject_id=applicants[2])
    citizen, voucher = str(uuid.uuid4()), str(uuid.uuid4())
    consume("vouchers.voucher_granted", 2, voucher_id=voucher, subject_id=citizen)  # an older version

    incremental = snapshot(db, settings)
    assert set(incremental) == {cases[0], cases[1], f"voucher:{voucher}"}
    assert incremental[cases[0]]["personal"]["tracking_token"] and incremental[cases[1]]["personal"]["name"]

    summary = rebuild(settings)["models"][0]  # the recipients'
    assert (summary["changed"], summary["removed"], summary["unreproducible"]) == (0, 0, 0)

    db["recipients"].drop()
    summary = rebuild(settings)["models"][0]  # the recipients'
    assert summary["changed"] == 3 and snapshot(db, settings) == incremental
    assert rebuild(settings)["models"][0]["changed"] == 0  # idempotent

    # a record no event supports any more goes; a wrong one is put right
    db["recipients"].update_one({"_id": cases[1]}, {"$set": {"language": "xx"}})
    db["recipients"].insert_one({"_id": "stray", "subject_id": applicants[2], "language": "sv"})
    summary = rebuild(settings)["models"][0]  # the recipients'
    assert (summary["changed"], summary["removed"]) == (1, 1)
    assert snapshot(db, settings) == incremental


def test_the_rebuilt_provider_contacts_are_each_provider_s_last_application(notify):
    settings, db, _, consume = notify
    provider_id = f"hemtjanst-{uuid.uuid4().int % 10**10:010d}"
    consume("vouchers.provider_applied", provider_id=provider_id, contact_email="first@omsorg.example.se")
    consume("vouchers.provider_applied", provider_id=provider_id, contact_email="again@omsorg.example.se")
    incremental = db["provider_contacts"].find_one({"_id": provider_id})
    assert incremental["email"] == "again@omsorg.example.se"

    models = {m["model"]: m for m in rebuild(settings)["models"]}
    assert models["notify.provider_contacts"]["changed"] == 0
    db["provider_contacts"].drop()
    models = {m["model"]: m for m in rebuild(settings)["models"]}
    assert models["notify.provider_contacts"]["changed"] >= 1
    assert db["provider_contacts"].find_one({"_id": provider_id}) == incremental
