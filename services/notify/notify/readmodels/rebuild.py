"""Rebuild notify's read models from the events its consumer kept
(kernel.eventsourcing.consumed): the recipients (whom to write to about a case or a
voucher), a data subject at a time, and the providers' contact addresses. Safe on a
live system and idempotent (kernel.eventsourcing.rebuild):
`python -m kernel.platform.run notify rebuild [--check]` prints the summary as JSON.

The outgoing mail is not rebuilt: it records what the dispatcher did (sent, bounced,
failed, when, after how many attempts), which no event holds before it happens; its
delivery log is notify's own events (notify.domain.deliverylog)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from kernel.eventsourcing.consumed import ConsumedEvents, group_of
from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.rebuild import (
    UNREPRODUCIBLE,
    Doc,
    Unreproducible,
    kept_model_rebuild,
    opened,
)
from kernel.platform.connections import personal_data
from notify.readmodels.providers import LEARNT_FROM, contact_of
from notify.readmodels.recipients import Recipients
from notify.settings import NotifySettings

# the events that teach or erase a recipient (notify.readmodels.recipients.learnt_from)
TYPES = [
    "intake.inquiry_submitted",
    "intake.tracking_link_replaced",
    "business_desk.case_opened",
    "vouchers.voucher_granted",
    "business_desk.personal_data_erased",
    "vouchers.personal_data_erased",
]


class RecipientsOfSubjects:
    """The recipients, chunked by data subject (an erasure forgets all of a subject's)."""

    name = "notify.recipients"

    def __init__(self, db: Database, settings: NotifySettings) -> None:
        self._personal = personal_data(settings, db.client)
        self._recipients = Recipients(db, self._personal)
        self._kept = ConsumedEvents(db, group_of(settings), self._personal)
        self._kept.ensure_index("data.subject_id")
        self.collection = self._recipients.collection
        self._unkept = 0

    def keys(self) -> Iterable[str]:
        self._unkept = self._kept.unkept()  # once per rebuild: such marks are never written again
        yield from self._kept.values("data.subject_id", {"type": {"$in": TYPES}})
        yield from self.collection.distinct("subject_id")

    def live(self, subjects: list[str], session: ClientSession) -> dict[str, Doc]:
        return {d["_id"]: d for d in self.collection.find({"subject_id": {"$in": subjects}}, session=session)}

    def rebuilt(
        self, subjects: list[str], live: Mapping[str, Doc], session: ClientSession
    ) -> Mapping[str, Doc | Unreproducible | None]:
        if self._unkept:
            # messages consumed before events were kept may have taught these records
            return dict.fromkeys(live, UNREPRODUCIBLE)
        events: dict[str, list[Envelope]] = defaultdict(list)
        for kept in self._kept.find({"data.subject_id": {"$in": subjects}, "type": {"$in": TYPES}}, session):
            events[kept.envelope.data["subject_id"]].append(kept.envelope)
        rebuilt: dict[str, Doc | Unreproducible | None] = {}
        for subject in subjects:
            rebuilt.update(self._recipients.fold(events[subject]))
        return rebuilt

    def comparable(self, stored: Doc) -> Doc:
        return opened(stored, self._personal, ("personal",))

    def unkept(self) -> int:
        return self._kept.unkept()


class ProviderContactsOfApplications:
    """The providers' addresses (notify.readmodels.providers), each its provider's last
    application's, by provider id."""

    name = "notify.provider_contacts"

    def __init__(self, db: Database, settings: NotifySettings) -> None:
        self._kept = ConsumedEvents(db, group_of(settings), personal_data(settings, db.client))
        self._kept.ensure_index("data.provider_id")
        self.collection = db["provider_contacts"]

    def keys(self) -> Iterable[str]:
        yield from self._kept.values("data.provider_id", {"type": LEARNT_FROM})
        yield from self.collection.distinct("_id")

    def rebuilt(
        self, keys: list[str], live: Mapping[str, Doc], session: ClientSession
    ) -> Mapping[str, Doc | Unreproducible | None]:
        if self._kept.unkept():
            return dict.fromkeys(live, UNREPRODUCIBLE)
        rebuilt: dict[str, Doc | Unreproducible | None] = dict.fromkeys(keys)
        for kept in self._kept.find({"data.provider_id": {"$in": keys}, "type": LEARNT_FROM}, session):
            rebuilt[kept.envelope.data["provider_id"]] = contact_of(kept.envelope)  # the last one stays
        return rebuilt

    def comparable(self, stored: Doc) -> Doc:
        return stored

    def unkept(self) -> int:
        return self._kept.unkept()


_recipients = kept_model_rebuild("notify", RecipientsOfSubjects)
_provider_contacts = kept_model_rebuild("notify", ProviderContactsOfApplications)


def rebuild(settings: NotifySettings, db: Database | None = None, check: bool = False) -> dict[str, Any]:
    """The summary of the recipients' and the provider contacts' rebuild (`check`: compare)."""
    models = [
        *_recipients(settings, db, check)["models"],
        *_provider_contacts(settings, db, check)["models"],
    ]
    return {"service": "notify", "models": models}
