"""Rebuild notify's read model, the recipients (whom to write to about a case or a
voucher), from the events its consumer kept (kernel.eventsourcing.consumed), a data
subject at a time. Safe on a live system and idempotent (kernel.eventsourcing.rebuild):
`python -m kernel.platform.run notify rebuild [--check]` prints the summary as JSON.

The outgoing mail is not rebuilt: it records what the dispatcher did (sent, bounced,
failed, when, after how many attempts), which no event holds before it happens; its
delivery log is notify's own events (notify.domain.deliverylog)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

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


# rebuild(settings, db=None, check=False): the summary of the recipients' rebuild (`check`: compare)
rebuild = kept_model_rebuild("notify", RecipientsOfSubjects)
