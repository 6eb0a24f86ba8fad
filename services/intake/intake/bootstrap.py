"""Wires the store, the tracking read model, the catalogue, the adapters and the clock
into the handlers.

`bootstrap(settings, db)` builds the real ones on the service's database (else on a
client of its own); a unit test passes its fakes as keyword arguments (an in-memory
store with the tracking view its hook keeps, readmodels.fakes) and runs every handler
through the same wiring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pymongo.database import Database

from catalogue import casetypes
from catalogue.casetypes import Catalogue
from intake.adapters.attachments import AttachmentStore, NoScanner, Scanner, scanner_for
from intake.adapters.documents import DocumentFetcher, document_fetcher
from intake.adapters.figures import LiveFigures
from intake.adapters.messages import MessageLog, message_log
from intake.adapters.signin_links import SignInLinks
from intake.domain.upcasters import upcasters
from intake.readmodels.tracking import TrackingReadModel
from intake.settings import IntakeSettings
from kernel.eventsourcing.envelope import utc_now
from kernel.eventsourcing.eventstore import EventStore
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.platform.connections import personal_data, service_database, store_ping


@dataclass
class Deps:
    settings: IntakeSettings
    store: EventStore
    catalogue: Catalogue
    tracking: TrackingReadModel
    figures: LiveFigures | None = None
    attachments: AttachmentStore | None = None
    scanner: Scanner = field(default_factory=NoScanner)
    messages: MessageLog = lambda _reference: None
    # the documents the municipality sent the applicant, fetched from business_desk
    documents: DocumentFetcher = lambda _case_id, _document_id: None
    sign_in_links: SignInLinks | None = None
    clock: Callable[[], datetime] = utc_now
    ping: Callable[[], object] = lambda: None
    db: Database | None = None  # None: in-memory fakes


def bootstrap(
    settings: IntakeSettings,
    db: Database | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    store: EventStore | None = None,
    tracking: TrackingReadModel | None = None,
    catalogue: Catalogue | None = None,
    figures: LiveFigures | None = None,
    attachments: AttachmentStore | None = None,
    scanner: Scanner | None = None,
    messages: MessageLog | None = None,
    sign_in_links: SignInLinks | None = None,
    documents: DocumentFetcher | None = None,
) -> Deps:
    """The handlers' dependencies: on `db` (else a client of their own), or on the `store`
    given with its `tracking` view (fakes, kept by the store's hook: nothing is connected
    but what is not given of figures and messages, which only call out when asked)."""
    ping: Callable[[], object] = Deps.ping
    if store is None:
        db = service_database(settings, db)
        personal = personal_data(settings, db.client)
        tracking = TrackingReadModel(db, personal)
        store = MongoEventStore(
            db, upcasters=upcasters(), hooks=[tracking.apply], personal=personal, clock=clock
        )
        store.ensure_schema()
        tracking.ensure_schema()
        if sign_in_links is None:
            sign_in_links = SignInLinks(db, personal)
            sign_in_links.ensure_schema()
        attachments = attachments or AttachmentStore(db, personal)
        ping = store_ping(db)  # the client this wiring made
    elif tracking is None:
        raise TypeError("a store given needs the tracking view its hook keeps")
    return Deps(
        settings=settings,
        store=store,
        catalogue=catalogue or casetypes.load(settings.case_types_file),
        tracking=tracking,
        figures=figures or LiveFigures(settings.desk_url),
        attachments=attachments,
        scanner=scanner or scanner_for(settings.virus_scan_command),
        messages=messages or message_log(settings),
        documents=documents or document_fetcher(settings),  # its own client: files take longer
        sign_in_links=sign_in_links,
        clock=clock,
        ping=ping,
        db=db,
    )
