"""Wires the store, read models, programmes and clock into the handlers."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pymongo.database import Database

from catalogue import programmes as programme_config
from catalogue.programmes import Programmes
from kernel.eventsourcing.envelope import utc_now
from kernel.eventsourcing.eventstore import EventStore, MongoEventStore
from kernel.platform.connections import mongo_client, personal_data
from kernel.privacy.personal import PersonalData, master_key_from_env
from vouchers.domain.upcasters import upcasters
from vouchers.projections import ReadModels
from vouchers.settings import VouchersSettings


@dataclass
class Deps:
    settings: VouchersSettings
    store: EventStore
    programmes: Programmes
    read: ReadModels
    citizen_secret: bytes  # keys the hash whose first digits are a citizen's vouchers' bucket
    clock: Callable[[], datetime] = utc_now
    ping: Callable[[], object] = lambda: None
    personal: PersonalData | None = None  # the key vault: erasing destroys a citizen's key


def citizen_secret(master_key: bytes) -> bytes:
    """Derived from the personal-data master key every process already shares."""
    return hmac.new(master_key, b"vouchers.citizen_key", hashlib.sha256).digest()


def bootstrap(
    settings: VouchersSettings, clock: Callable[[], datetime] = utc_now, db: Database | None = None
) -> Deps:
    """The handlers' dependencies, on `db` (else a client of their own)."""
    if db is None:
        db = mongo_client(settings)[settings.database]
    client = db.client
    personal = personal_data(settings, client)
    read = ReadModels(db, personal)
    store = MongoEventStore(db, upcasters=upcasters(), hooks=[read.apply], personal=personal, clock=clock)
    store.ensure_schema()
    read.ensure_schema()
    return Deps(
        settings=settings,
        store=store,
        programmes=programme_config.load(settings.voucher_programmes_file),
        read=read,
        citizen_secret=citizen_secret(master_key_from_env()),
        clock=clock,
        ping=lambda: client.admin.command("ping"),
        personal=personal,
    )
