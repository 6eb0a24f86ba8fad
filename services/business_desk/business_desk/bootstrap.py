"""Wires the store, read model, catalogue, clock and the other services' clients into the
handlers, or the fakes a unit test gives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.database import Database

from business_desk.adapters.attachments import AttachmentFetcher, attachment_fetcher
from business_desk.adapters.deliveries import delivery_figures as delivery_figures_of
from business_desk.adapters.deliveries import delivery_log
from business_desk.domain.upcasters import upcasters
from business_desk.readmodels.cases import CaseReadModel
from business_desk.readmodels.satisfaction import Satisfaction
from business_desk.settings import DeskSettings
from catalogue import casetypes
from catalogue.casetypes import Catalogue
from kernel.eventsourcing.envelope import utc_now
from kernel.eventsourcing.eventstore import EventStore
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.platform.connections import personal_data, service_database, store_ping
from kernel.platform.service_client import ServiceClient
from kernel.privacy.audit import AuditLog
from kernel.privacy.personal import PersonalData
from kernel.web.uploads import FileStore, NoScanner, Scanner, scanner_for


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
    # the documents handlers attach for the applicant (GridFS bucket `documents`, by case id)
    documents: FileStore | None = None
    scanner: Scanner = field(default_factory=NoScanner)
    delivery_figures: Callable[[], dict[str, Any] | None] = lambda: None
    clock: Callable[[], datetime] = utc_now
    ping: Callable[[], object] = lambda: None
    db: Database | None = None  # the service's database (None: wired with in-memory fakes)


def bootstrap(
    settings: DeskSettings,
    db: Database | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    store: EventStore | None = None,
    cases: CaseReadModel | None = None,
    catalogue: Catalogue | None = None,
    audit: AuditLog | None = None,
    satisfaction: Satisfaction | None = None,
    deliveries: Callable[[str], list[dict[str, Any]] | None] | None = None,
    delivery_figures: Callable[[], dict[str, Any] | None] | None = None,
    attachments: AttachmentFetcher | None = None,
    personal: PersonalData | None = None,
    documents: FileStore | None = None,
    scanner: Scanner | None = None,
) -> Deps:
    """The handlers' dependencies: on `db` (else a client of their own), or on the `store`
    given with the `cases` view its hook keeps (fakes: readmodels.fakes). What is not given
    of notify's delivery log and figures and intake's attachments is a client that only
    calls out when asked."""
    catalogue = catalogue or casetypes.load(settings.case_types_file).for_issuer(settings.oidc_issuer)
    ping: Callable[[], object] = Deps.ping
    if store is None:
        db = service_database(settings, db)
        personal = personal_data(settings, db.client)
        cases = CaseReadModel(db, catalogue, personal)
        store = MongoEventStore(db, upcasters=upcasters(), hooks=[cases.apply], personal=personal)
        store.ensure_schema()
        cases.ensure_schema()
        audit = audit or AuditLog(db)
        audit.ensure_schema()
        satisfaction = satisfaction or Satisfaction(db)
        satisfaction.ensure_schema()
        documents = documents or FileStore(db, "documents", "case_id", personal)
        ping = store_ping(db)  # the client this wiring made
    elif cases is None:
        raise TypeError("a store given needs the case view its hook keeps")
    if deliveries is None or delivery_figures is None:
        notify = ServiceClient(settings, "notify")  # one token session for both calls to notify
        deliveries = deliveries or delivery_log(settings, notify)
        delivery_figures = delivery_figures or delivery_figures_of(settings, notify)
    return Deps(
        settings=settings,
        store=store,
        catalogue=catalogue,
        cases=cases,
        audit=audit,
        personal=personal,
        deliveries=deliveries,
        attachments=attachments or attachment_fetcher(settings),  # its own client: files take longer
        satisfaction=satisfaction,
        documents=documents,
        scanner=scanner or scanner_for(settings.virus_scan_command),
        delivery_figures=delivery_figures,
        clock=clock,
        ping=ping,
        db=db,
    )
