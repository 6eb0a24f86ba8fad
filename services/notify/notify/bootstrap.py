"""Wires the store, the key vault, the recipients, the outgoing mail, SMTP, the SMS
gateway and the deployment's wording into notify's handlers, its dispatcher and its web
app.

`bootstrap(settings, db)` builds the real ones on the service's database; a unit test
passes its fakes as keyword arguments (the recipients and the outbox in memory, a key
vault in memory, a recording SMTP sender and SMS gateway) and runs every handler through
the same wiring, with nothing connected."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from catalogue import casetypes, programmes
from catalogue.casetypes import Catalogue
from kernel.platform.connections import personal_data, service_database, store_ping
from kernel.privacy.personal import PersonalData
from notify.adapters.outbox import MailOutbox
from notify.adapters.sms import SmsGateway
from notify.adapters.smtp import SmtpSender
from notify.domain.messages import staff_language
from notify.readmodels.deliveries import Deliveries
from notify.readmodels.providers import ProviderContacts
from notify.readmodels.recipients import Recipients
from notify.settings import NotifySettings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    settings: NotifySettings
    personal: PersonalData  # the key vault: every letter and recipient sealed per subject
    recipients: Recipients
    outbox: Any  # MailOutbox, or a fake with its queue() and forget_subject()
    smtp: Any  # SmtpSender, or a fake with its session()
    sms: Any  # SmsGateway, or a fake with `configured` and send()
    staff_language: str  # the deployment's national language: the staff's emails
    programme_names: Mapping[str, Mapping[str, str]]  # each voucher programme's name by language
    catalogue: Catalogue  # the case types: the municipality and each one's appeal (decision emails)
    deliveries: Deliveries | None = None  # what the web reads of the outgoing mail (None: fakes)
    providers: Any = None  # ProviderContacts, or the fake's: whom to write to at a provider
    clock: Callable[[], datetime] = utc_now
    ping: Callable[[], object] = lambda: None
    db: Database | None = None  # None: in-memory fakes


def bootstrap(
    settings: NotifySettings,
    db: Database | None = None,
    *,
    smtp: Any = None,
    sms: Any = None,
    clock: Callable[[], datetime] = utc_now,
    personal: PersonalData | None = None,
    recipients: Recipients | None = None,
    outbox: Any = None,
    programme_names: Mapping[str, Mapping[str, str]] | None = None,
    providers: Any = None,
) -> Deps:
    """notify's dependencies: on `db` (else a client of their own), or on the `recipients`
    and `outbox` given (fakes, with the `personal` data they seal with: nothing is
    connected). The schema is the dispatcher's to ensure (notify.handlers.dispatch_round)."""
    ping: Callable[[], object] = Deps.ping
    deliveries = None
    if recipients is None or outbox is None:
        db = service_database(settings, db)
        personal = personal or personal_data(settings, db.client)
        recipients = recipients or Recipients(db, personal)
        outbox = outbox or MailOutbox(db, clock, personal=personal)
        deliveries = Deliveries(db, personal)
        providers = providers or ProviderContacts(db)
        ping = store_ping(db)  # the client this wiring made
    elif personal is None:
        raise TypeError("fakes given need the personal data they seal with")
    if providers is None:
        from notify.readmodels.fakes import InMemoryProviderContacts

        providers = InMemoryProviderContacts()  # with the other fakes: nothing is connected
    if programme_names is None:
        programme_names = programmes.load(settings.voucher_programmes_file).names()
    catalogue = casetypes.load(settings.case_types_file)
    return Deps(
        settings=settings,
        personal=personal,
        recipients=recipients,
        outbox=outbox,
        smtp=smtp or SmtpSender(settings),
        sms=sms or SmsGateway(settings),
        staff_language=staff_language(catalogue.country),
        catalogue=catalogue,
        programme_names=programme_names,
        deliveries=deliveries,
        providers=providers,
        clock=clock,
        ping=ping,
        db=db,
    )
