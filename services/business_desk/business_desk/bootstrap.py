"""Wires the store, read model, catalogue and clock into the handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.database import Database

from business_desk.adapters.attachments import AttachmentFetcher, attachment_fetcher
from business_desk.adapters.deliveries import delivery_figures, delivery_log
from business_desk.domain.upcasters import upcasters
from business_desk.readmodels.cases import CaseReadModel
from business_desk.readmodels.satisfaction import Satisfaction
from business_desk.settings import DeskSettings
from catalogue import casetypes
from catalogue.casetypes import Catalogue
from kernel.eventsourcing.envelope import utc_now
from kernel.eventsourcing.eventstore import EventStore
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.platform.connections import mongo_client, personal_data
from kernel.platform.service_client import ServiceClient
from kernel.privacy.audit import AuditLog
from kernel.privacy.personal import PersonalData


@dataclass
class Deps:
    settings: DeskSettings
    store: EventStore
    catalogue: Catalogue
    cases: CaseReadModel | None = None
    audit: AuditLog | None = None
    personal: PersonalData | None = None
    deliveries: Callable[[str], list[dict[str, Any]] | None] = lambda _reference: None
    attachments: AttachmentFetcher = lambda _case_id, _attachment_id: None
    satisfaction: Satisfaction | None = None
    delivery_figures: Callable[[], dict[str, Any] | None] = lambda: None
    clock: Callable[[], datetime] = utc_now
    ping: Callable[[], object] = lambda: None
    db: Database | None = None  # the service's database (None: wired with in-memory fakes)


def bootstrap(settings: DeskSettings, db: Database | None = None) -> Deps:
    if db is None:
        db = mongo_client(settings)[settings.database]
    client = db.client
    catalogue = casetypes.load(settings.case_types_file).for_issuer(settings.oidc_issuer)
    personal = personal_data(settings, client)
    cases = CaseReadModel(db, catalogue, personal)
    store = MongoEventStore(db, upcasters=upcasters(), hooks=[cases.apply], personal=personal)
    store.ensure_schema()
    cases.ensure_schema()
    audit = AuditLog(db)
    audit.ensure_schema()
    notify = ServiceClient(settings, "notify")  # one token session for both calls to notify
    satisfaction = Satisfaction(db)
    satisfaction.ensure_schema()
    return Deps(
        settings=settings,
        store=store,
        catalogue=catalogue,
        cases=cases,
        audit=audit,
        personal=personal,
        deliveries=delivery_log(settings, notify),
        attachments=attachment_fetcher(settings),  # its own client: files take longer
        satisfaction=satisfaction,
        delivery_figures=delivery_figures(settings, notify),
        ping=lambda: client.admin.command("ping"),
        db=db,
    )
