"""Rebuild intake's read model, the applicants' tracking view (which the My
cases lists read too), from what intake keeps: its own events and the case events of
business_desk its consumer kept (kernel.eventsourcing.consumed). Safe on a live system and idempotent
(kernel.eventsourcing.rebuild): `python -m kernel.platform.run intake rebuild` prints the summary as JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pymongo.client_session import ClientSession
from pymongo.database import Database

from intake.domain.inquiries import INQUIRY_SUBMITTED, stream_id_for
from intake.domain.upcasters import upcasters
from intake.readmodels.tracking import TrackingReadModel
from intake.settings import IntakeSettings
from kernel.eventsourcing.consumed import ConsumedEvents, Kept, group_of
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.eventsourcing.rebuild import UNREPRODUCIBLE, Doc, Unreproducible, kept_model_rebuild
from kernel.platform.connections import personal_data


class TrackingSources:
    """The tracking view as a rebuildable model: keyed by inquiry (= case) id."""

    name = "intake.tracking"

    def __init__(self, db: Database, settings: IntakeSettings) -> None:
        personal = personal_data(settings, db.client)
        self._db = db
        self._tracking = TrackingReadModel(db, personal)
        self._store = MongoEventStore(db, upcasters=upcasters(), personal=personal)
        self._kept = ConsumedEvents(db, group_of(settings), personal)
        self._kept.ensure_index("data.case_id")
        self.collection = self._tracking.collection

    def keys(self) -> Iterable[str]:
        submitted = self._db["events"].find({"type": INQUIRY_SUBMITTED}, {"data.inquiry_id": 1})
        yield from (e["data"]["inquiry_id"] for e in submitted)
        yield from (d["_id"] for d in self.collection.find({}, {"_id": 1}))

    def rebuilt(
        self, keys: list[str], live: Mapping[str, Doc], session: ClientSession
    ) -> Mapping[str, Doc | Unreproducible | None]:
        own = self._store.load_many([stream_id_for(k) for k in keys], session)
        kept: dict[str, list[Kept]] = {k: [] for k in keys}
        for item in self._kept.find({"data.case_id": {"$in": keys}}, session):
            kept[item.envelope.data["case_id"]].append(item)
        rebuilt: dict[str, Doc | Unreproducible | None] = {}
        for key in keys:
            sources = {e.event_id for e in own[stream_id_for(key)]} | {k.envelope.event_id for k in kept[key]}
            applied = set(live[key].get("applied", [])) if key in live else set()
            # a case event consumed before events were kept: the rebuild would lose it
            rebuilt[key] = (
                UNREPRODUCIBLE
                if applied - sources
                else self._tracking.fold(own[stream_id_for(key)], kept[key])
            )
        return rebuilt

    def comparable(self, stored: Doc) -> Doc:
        return self._tracking.comparable(stored)

    def unkept(self) -> int:
        return self._kept.unkept()


# rebuild(settings, db=None, check=False): the summary of the tracking view's rebuild (`check`: compare)
rebuild = kept_model_rebuild("intake", TrackingSources)
