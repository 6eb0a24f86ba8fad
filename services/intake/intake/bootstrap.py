"""Wires the store, read model, catalogue and clock into the handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from catalogue import casetypes
from catalogue.casetypes import Catalogue
from intake.adapters.attachments import AttachmentStore, NoScanner, Scanner, scanner_for
from intake.adapters.figures import LiveFigures
from intake.adapters.messages import MessageLog, message_log
from intake.adapters.signin_links import SignInLinks
from intake.readmodels.tracking import TrackingReadModel
from intake.settings import IntakeSettings
from kernel.eventsourcing.envelope import utc_now
from kernel.eventsourcing.eventstore import EventStore
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.platform.connections import mongo_client, personal_data


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
    sign_in_links: SignInLinks | None = None
    clock: Callable[[], datetime] = utc_now
    ping: Callable[[], object] = lambda: None


def bootstrap(settings: IntakeSettings) -> Deps:
    client = mongo_client(settings)
    db = client[settings.database]
    personal = personal_data(settings, client)
    tracking = TrackingReadModel(db, personal)
    store = MongoEventStore(db, hooks=[tracking.apply], personal=personal)
    store.ensure_schema()
    tracking.ensure_schema()
    sign_in_links = SignInLinks(db, personal)
    sign_in_links.ensure_schema()
    return Deps(
        settings=settings,
        store=store,
        catalogue=casetypes.load(settings.case_types_file),
        tracking=tracking,
        figures=LiveFigures(settings.desk_url),
        attachments=AttachmentStore(db),
        scanner=scanner_for(settings.virus_scan_command),
        messages=message_log(settings),
        sign_in_links=sign_in_links,
        ping=lambda: client.admin.command("ping"),
    )
