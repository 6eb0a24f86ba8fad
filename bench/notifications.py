"""Notification benchmark, in one run against the same SMTP sink (aiosmtpd):

1. baseline: a plain smtplib loop sending N messages, one connection each;
2. notify: N receipt events through notify's consumer handlers (sealed, as they come
   from Kafka; the inbox and the mail outbox in one transaction on the real store),
   then the outbox dispatched over SMTP until every mail is sent: mails/s for each
   step and end to end;
and prints the ratio notify mails/s / plain smtplib messages/s.

Usage: .local/venv/bin/python bench/notifications.py [--mails 500]
"""

from __future__ import annotations

import argparse
import os
import smtplib
import tempfile
import time
import uuid
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

from devstack.infra import Infra
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client, personal_data
from kernel.privacy.personal import new_master_key
from notify.adapters.dispatcher import dispatch
from notify.bootstrap import bootstrap
from notify.handlers import handlers
from notify.settings import NotifySettings


def plain_smtplib(host: str, port: int, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = (
            "bench@kommun.example",
            f"plain{n}@example.se",
            "Bench",
        )
        message.set_content("A plain message of about the size of a receipt. " * 8)
        with smtplib.SMTP(host, port, timeout=10) as smtp:
            smtp.send_message(message)
    return count / (time.perf_counter() - started)


def through_notify(settings: NotifySettings, count: int) -> tuple[float, float, float]:
    """(events handled per second, mails sent per second, end to end mails per second)."""
    client = mongo_client(settings)
    db = client[settings.database]
    personal = personal_data(settings, client)
    # notify wired as its consumer is (notify.service), its links to intake at http://intake
    deps = bootstrap(replace(settings, intake_public_url="http://intake"), db, personal=personal)
    processor = MessageProcessor(MongoInbox(db, "notify"), handlers(deps), personal=personal)
    outbox = deps.outbox
    outbox.ensure_schema()
    messages = []
    for n in range(count):
        raw = golden_example("intake.inquiry_submitted")
        raw["event_id"] = str(uuid.uuid4())
        raw["data"]["inquiry_id"] = str(uuid.uuid4())
        raw["data"]["subject_id"] = str(uuid.uuid4())
        raw["data"]["personal"]["contact"]["email"] = f"notify{n}@example.se"
        messages.append(personal.seal_event(Envelope.from_dict(raw)).to_json())
    started = time.perf_counter()
    for message in messages:
        assert processor.process(message) is None
    handled = time.perf_counter()
    sender, sent = deps.smtp, 0
    while sent < count:
        sent += dispatch(outbox, sender, settings.mail_from, limit=count)
    done = time.perf_counter()
    return count / (handled - started), count / (done - handled), count / (done - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mails", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp, Infra(Path(tmp)) as infra:
        os.environ.update(infra.env())
        os.environ.update(
            MONGODB_DATABASE_PREFIX=f"b{uuid.uuid4().hex[:6]}_", DATA_MASTER_KEY=new_master_key()
        )
        settings = NotifySettings.from_env()
        baseline = plain_smtplib(settings.smtp_host, settings.smtp_port, args.mails)
        print(
            f"plain smtplib loop:            {baseline:8.0f} messages/s ({args.mails}, one connection each)"
        )
        handled, sent, end_to_end = through_notify(settings, args.mails)
        print(
            f"notify, events -> outbox:      {handled:8.0f} events/s (inbox + outbox, one transaction each)"
        )
        print(f"notify, outbox -> SMTP:        {sent:8.0f} mails/s (text + HTML, lease, mark sent)")
        print(f"notify, end to end:            {end_to_end:8.0f} mails/s")
        print(f"  ratio notify SMTP mails/s / plain smtplib: {sent / baseline:.2f}")
        print(f"  ratio notify end to end / plain smtplib:   {end_to_end / baseline:.2f}")


if __name__ == "__main__":
    main()
