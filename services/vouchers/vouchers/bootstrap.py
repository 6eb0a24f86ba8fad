"""Wires the store, read models, programmes, key vault and clock into the handlers.

`bootstrap(settings, db)` builds the real ones on the service's database; a unit test
passes its fakes as keyword arguments (an in-memory store, read models and key vault)
and runs every handler through the same wiring."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pymongo.database import Database

from catalogue import casetypes
from catalogue import programmes as programme_config
from catalogue.programmes import Programmes
from kernel.eventsourcing.envelope import utc_now
from kernel.eventsourcing.eventstore import EventStore
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.platform.connections import personal_data, service_database, store_ping
from kernel.privacy.personal import PersonalData, master_key_from_env
from vouchers.domain.upcasters import upcasters
from vouchers.readmodels.projections import ReadModels
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
    db: Database | None = None  # None: in-memory fakes
    country: str = "SE"  # the deployment's (its case-type file's): the pages' languages, its money


def citizen_secret(master_key: bytes) -> bytes:
    """Derived from the personal-data master key every process already shares."""
    return hmac.new(master_key, b"vouchers.citizen_key", hashlib.sha256).digest()


def bootstrap(
    settings: VouchersSettings,
    db: Database | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    store: EventStore | None = None,
    read: ReadModels | None = None,
    personal: PersonalData | None = None,
    programmes: Programmes | None = None,
    master_key: bytes | None = None,
    country: str | None = None,
) -> Deps:
    """The handlers' dependencies: on `db` (else a client of their own), or on the `store`
    given with its `read` models (fakes, the read models kept by the store's hook: nothing
    is connected)."""
    ping: Callable[[], object] = Deps.ping
    if store is None:
        db = service_database(settings, db)
        personal = personal or personal_data(settings, db.client)
        read = ReadModels(db, personal)
        store = MongoEventStore(db, upcasters=upcasters(), hooks=[read.apply], personal=personal, clock=clock)
        store.ensure_schema()
        read.ensure_schema()
        ping = store_ping(db)  # the client this wiring made
    elif read is None:
        raise TypeError("a store given needs the read models its hook keeps")
    return Deps(
        settings=settings,
        store=store,
        programmes=programmes or programme_config.load(settings.voucher_programmes_file),
        read=read,
        citizen_secret=citizen_secret(master_key or master_key_from_env()),
        clock=clock,
        ping=ping,
        personal=personal,
        db=db,
        country=country or casetypes.load(settings.case_types_file).country,
    )
