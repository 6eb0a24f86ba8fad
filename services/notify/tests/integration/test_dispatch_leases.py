"""Two dispatchers racing for the same due mails never lease one twice, and a recipient
is not rewritten when an event teaches nothing new. On the real store."""

from __future__ import annotations

from typing import Any

import pytest

from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.platform.connections import mongo_client
from notify.adapters.outbox import MailOutbox
from notify.domain.access import APPLICANT
from notify.domain.messages import About, Email
from notify.readmodels.recipients import Recipients

pytestmark = pytest.mark.integration


@pytest.fixture
def db(settings_for, personal):
    settings = settings_for("notify")
    database = mongo_client(settings)[settings.database]
    MailOutbox(database, personal=personal).ensure_schema()
    return database


def queue(outbox: MailOutbox, unique: str, count: int) -> list[str]:
    keys = [f"{unique}:{n}" for n in range(count)]
    for key in keys:
        outbox.queue(
            key, Email(f"{key}@example.se".replace(":", "-"), "Ämne", "x"), About("REF", "t", APPLICANT), None
        )
    return keys


class RacedCollection:
    """The outgoing mails as one dispatcher sees them, another dispatcher leasing everything
    due between its read and its update (the window two round trips leave open)."""

    def __init__(self, collection: Any, rival: MailOutbox) -> None:
        self._collection, self._rival, self.rival_got = collection, rival, []

    def update_many(self, *args: Any, **kwargs: Any) -> Any:
        if not self.rival_got:
            self.rival_got = self._rival.lease(2)
        return self._collection.update_many(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)


def test_a_dispatcher_raced_by_another_between_its_read_and_its_lease_gets_only_the_rest(
    db, unique, personal
):
    mine, rival = MailOutbox(db, personal=personal), MailOutbox(db, personal=personal)
    keys = queue(mine, unique, 5)
    raced = RacedCollection(db["outgoing_mail"], rival)
    mine._mails = raced  # type: ignore[assignment]
    got = [m["_id"] for m in mine.lease(10) if m["_id"].startswith(unique)]
    rival_got = [m["_id"] for m in raced.rival_got if m["_id"].startswith(unique)]
    assert rival_got and not set(got) & set(rival_got)
    assert sorted(got + rival_got) == sorted(keys)
    for mail in db["outgoing_mail"].find({"_id": {"$in": got}}):
        assert mail["status"] == "sending" and mail["attempts"] == 1


def test_a_case_opened_from_the_inquiry_does_not_rewrite_its_recipient_and_a_change_does(db, personal, wire):
    recipients = Recipients(db, personal)
    submitted = Envelope.from_dict(golden_example("intake.inquiry_submitted"))
    recipients.learn(submitted, None)
    key = submitted.data["inquiry_id"]
    before = db["recipients"].find_one({"_id": key})
    opened = golden_example("business_desk.case_opened")
    opened["data"].update(
        case_id=key,
        subject_id=submitted.data["subject_id"],
        reference=submitted.data["reference"],
        case_type=submitted.data["case_type"],
        language=submitted.data["language"],
    )
    opened["data"]["personal"]["contact"] = dict(submitted.data["personal"]["contact"])
    recipients.learn(Envelope.from_dict(opened), None)
    assert db["recipients"].find_one({"_id": key}) == before  # same seal: not written again
    opened["data"]["personal"]["contact"]["name"] = "Ny Kontakt"
    recipients.learn(Envelope.from_dict(opened), None)
    assert recipients.get(key, None)["name"] == "Ny Kontakt"
    assert recipients.get(key, None)["tracking_token"] == submitted.data["personal"]["tracking_token"]
