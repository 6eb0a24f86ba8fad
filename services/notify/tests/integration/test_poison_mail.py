"""A message that cannot be sent as it is fails alone, with its reason; the mail behind
it goes out. On the real store and SMTP sink."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from devstack.mailsink import mails_to
from kernel.eventsourcing.contracts import golden_example
from notify.adapters.dispatcher import dispatch
from notify.adapters.outbox import MAX_ATTEMPTS, RECLAIM_GRACE, MailOutbox
from notify.adapters.smtp import SmtpSender
from notify.domain.access import APPLICANT
from notify.domain.messages import About, Email

pytestmark = pytest.mark.integration


@pytest.fixture
def notify(wired_notify):
    deps, processor = wired_notify()
    return deps.settings, processor, deps.outbox, deps.db


def provider_chosen(wire, provider_name: str, provider_email: str) -> bytes:
    raw = golden_example("vouchers.provider_chosen")
    raw["event_id"] = str(uuid.uuid4())
    raw["data"].update(provider_name=provider_name, provider_email=provider_email)
    return wire(raw)


def test_a_carriage_return_in_a_providers_name_cannot_reach_the_header_block(infra, notify, wire, unique):
    settings, processor, outbox, _ = notify
    first, second = f"first-{unique}@example.se", f"second-{unique}@example.se"
    assert processor.process(provider_chosen(wire, "Omsorg AB\rBcc: victim@example.se", first)) is None
    assert processor.process(provider_chosen(wire, "Vård AB", second)) is None
    assert dispatch(outbox, SmtpSender(settings), settings.mail_from) == 2
    [injected] = mails_to(infra.mail_url, first)
    assert "\r" not in injected["subject"] and "bcc" not in injected["header_names"]
    assert injected["subject"].startswith("Ny brukare hos Omsorg AB Bcc: victim [at] example.se")
    assert len(mails_to(infra.mail_url, second)) == 1


@pytest.mark.parametrize(
    ("to", "body"),
    [
        ("a@example.se\r\nBcc: victim@example.se", "text"),  # a header in the address
        ("one@example.se, two@example.se", "text"),  # a list where one address goes
        ("not an address", "text"),
        ("fine@example.se", None),  # a corrupt record: its sealed letter tampered with
    ],
    ids=["crlf-address", "address-list", "no-address", "tampered-letter"],
)
def test_a_mail_that_cannot_be_an_email_fails_alone_and_the_next_is_sent(infra, notify, unique, to, body):
    settings, _, outbox, db = notify
    behind = f"behind-{unique}@example.se"
    outbox.queue(
        f"{unique}:bad", Email(to, "Ämne", body or ""), About("REF-1", "test.poison", APPLICANT), None
    )
    if body is None:
        sealed = db["outgoing_mail"].find_one({"_id": f"{unique}:bad"})["letter"]
        tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
        db["outgoing_mail"].update_one({"_id": f"{unique}:bad"}, {"$set": {"letter": tampered}})
    outbox.queue(
        f"{unique}:good", Email(behind, "Ämne", "Hej"), About("REF-1", "test.poison", APPLICANT), None
    )
    assert dispatch(outbox, SmtpSender(settings), settings.mail_from) == 1
    bad = db["outgoing_mail"].find_one({"_id": f"{unique}:bad"})
    assert bad["status"] == "failed" and ("Unsendable" in bad["last_error"] or "opened" in bad["last_error"])
    assert len(mails_to(infra.mail_url, behind)) == 1
    assert dispatch(outbox, SmtpSender(settings), settings.mail_from) == 0  # never leased again


def test_a_mail_whose_every_lease_ran_out_is_given_up_not_leased_forever(notify, personal, unique):
    _, _, outbox, db = notify
    outbox.queue(
        f"{unique}:crashes",
        Email(f"c-{unique}@example.se", "Ämne", "x"),
        About("REF-2", "test", APPLICANT),
        None,
    )
    past = outbox._clock() - timedelta(minutes=5)
    db["outgoing_mail"].update_one(
        {"_id": f"{unique}:crashes"},
        {"$set": {"status": "sending", "attempts": MAX_ATTEMPTS, "next_attempt_at": past}},
    )
    assert outbox.lease(10) == []
    held = db["outgoing_mail"].find_one({"_id": f"{unique}:crashes"})
    assert held["status"] == "sending"  # its holder may still record it: held for RECLAIM_GRACE
    later = lambda: outbox._clock() + RECLAIM_GRACE + timedelta(seconds=1)  # noqa: E731
    after_the_grace = MailOutbox(db, clock=later, personal=personal)
    assert after_the_grace.lease(10) == []
    mail = db["outgoing_mail"].find_one({"_id": f"{unique}:crashes"})
    assert mail["status"] == "failed" and mail["last_error"].startswith("abandoned")


def test_a_refusal_of_one_recipient_does_not_hold_the_rest(infra, notify, unique):
    settings, _, outbox, db = notify

    class RefusingSender(SmtpSender):
        """The real SMTP sink, refusing one address for good as a real server would."""

        def session(self):  # type: ignore[no-untyped-def]
            import smtplib
            from contextlib import contextmanager

            @contextmanager
            def refusing():
                with SmtpSender.session(self) as send:

                    def send_or_refuse(message):  # type: ignore[no-untyped-def]
                        if message["To"].startswith("refused-"):
                            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})
                        return send(message)

                    yield send_or_refuse

            return refusing()

    refused, behind = f"refused-{unique}@example.se", f"after-{unique}@example.se"
    outbox.queue(f"{unique}:refused", Email(refused, "Ämne", "x"), About("REF-3", "test", APPLICANT), None)
    outbox.queue(f"{unique}:after", Email(behind, "Ämne", "x"), About("REF-3", "test", APPLICANT), None)
    assert dispatch(outbox, RefusingSender(settings), settings.mail_from) == 1
    assert db["outgoing_mail"].find_one({"_id": f"{unique}:refused"})["status"] == "failed"
    assert len(mails_to(infra.mail_url, behind)) == 1
