"""Entrypoint: turn events into emails and send them."""

import threading
from collections.abc import Callable

from pymongo.database import Database

from kernel.platform.connections import personal_data
from kernel.platform.runners import run_consumer
from notify.handlers import build_handlers
from notify.outbox import MailOutbox, SmtpSender, dispatch
from notify.recipients import Recipients
from notify.settings import NotifySettings
from notify.sms import SmsGateway

TOPICS = [
    "intake.inquiry.v1",
    "intake.signin.v1",
    "business_desk.case.v1",
    "vouchers.voucher.v1",
    "vouchers.payment.v1",
]


def main() -> None:
    settings = NotifySettings.from_env()

    def sender(db: Database, stop: threading.Event) -> Callable[[], None]:
        personal = personal_data(settings, db.client)
        outbox = MailOutbox(db, personal=personal)
        outbox.ensure_schema()
        Recipients(db, personal).ensure_schema()
        smtp, sms = SmtpSender(settings), SmsGateway(settings)
        return lambda: dispatch(outbox, smtp, settings.mail_from, sms=sms, stop=stop) and None

    run_consumer(
        settings,
        TOPICS,
        lambda db: build_handlers(
            db,
            settings.intake_public_url,
            settings.desk_public_url,
            settings.vouchers_public_url,
            personal_data(settings, db.client),
        ),
        after_batch=sender,
    )


if __name__ == "__main__":
    main()
