"""Sending what is due: a round leases the due messages (notify.adapters.outbox), sends
the emails over one SMTP session and the texts through the SMS gateway, records each as
sent the moment it was taken (through a store outage if need be), fails alone what
cannot go, and puts back what it had no time or server for. The consumer runs a round
after each batch (notify.handlers.dispatch_round)."""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import requests
from pymongo.errors import PyMongoError

from kernel.platform.dependencies import (
    SMS_GATEWAY,
    SMTP,
    STORE,
    TRACKER,
    DependencyUnavailable,
    dependency_of,
)
from kernel.platform.retry import call_through_outages
from notify.adapters.letters import WithoutAddresses, redact
from notify.adapters.outbox import MailOutbox
from notify.adapters.sms import SmsGateway, SmsRejected
from notify.adapters.smtp import SmtpSender
from notify.domain.mime import Unsendable, to_message

log = logging.getLogger(__name__)
log.addFilter(WithoutAddresses())  # whatever the dispatcher logs about a failure
# A dispatcher stops sending its batch this long before the lease runs out: what it sends
# has time to be recorded before anyone may take the lease.
SEND_MARGIN = timedelta(seconds=10)


def dispatch(
    outbox: MailOutbox,
    sender: SmtpSender,
    mail_from: str,
    limit: int = 100,
    sms: SmsGateway | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Send what is due: emails over one SMTP connection, SMS through the gateway.
    Returns how many were sent. Each message is recorded as sent as soon as it is
    taken; through a store outage that waits (until `stop` is set: Stopped), since a
    message whose mark is lost is sent again once its lease is taken over. Their sent
    events are logged at the end of the round, in one transaction."""
    stop = stop or threading.Event()
    outages = _still_away(sender, sms)
    closed = {channel for channel, outage in outages.items() if outage is not None}
    open_channels = [channel for channel in CHANNELS if channel not in closed]
    mails = outbox.lease(limit, channels=open_channels) if open_channels else []
    emails = [m for m in mails if m.get("channel", "email") == "email"]
    texts = [m for m in mails if m.get("channel") == "sms"]
    sent = 0
    met = [outage for outage in outages.values() if outage is not None]
    for send in (
        lambda: _send_emails(outbox, sender, mail_from, emails, stop),
        lambda: _send_texts(outbox, sms, texts, stop),
    ):
        try:
            sent += send()
        except DependencyUnavailable as exc:  # the SMTP server is away: the texts still go
            met.append(exc)
    for outage in met[1:]:
        TRACKER.report(outage)
    if met:
        raise met[0]  # the caller waits its backoff before the next round
    outbox.log_sent()
    return sent


CHANNELS = ("email", "sms")


def _still_away(sender: SmtpSender, sms: SmsGateway | None) -> dict[str, DependencyUnavailable | None]:
    """Per channel, the outage that still holds it (None: open). A server already known to
    be away is asked first (its probe), so that no round leases what it cannot send:
    its messages stay queued, untried, however many rounds the outage lasts."""
    servers: dict[str, tuple[str, object]] = {"email": (SMTP, sender), "sms": (SMS_GATEWAY, sms)}
    still: dict[str, DependencyUnavailable | None] = {}
    for channel, (dependency, server) in servers.items():
        probe = getattr(server, "probe", None)
        still[channel] = None
        if probe is None or not TRACKER.is_away(dependency):
            continue
        try:
            probe()
        except DependencyUnavailable as exc:
            still[channel] = exc
    return still


def _record_sent(outbox: MailOutbox, mail: dict[str, Any], stop: threading.Event) -> None:
    """Record a message the server took, however long the store is away."""
    call_through_outages(lambda: outbox.mark_sent(mail), stop)


def _recorded_at_once(outbox: MailOutbox, mail: dict[str, Any]) -> bool:
    """Record a message the server took; False if the store is away (told to the tracker)."""
    try:
        outbox.mark_sent(mail)
    except PyMongoError as exc:
        if dependency_of(exc) != STORE:
            raise
        TRACKER.report(exc)
        return False
    return True


def _send_emails(
    outbox: MailOutbox,
    sender: SmtpSender,
    mail_from: str,
    mails: list[dict[str, Any]],
    stop: threading.Event,
) -> int:
    """Each mail is sent and recorded at once, or failed alone (it cannot be an email, or
    the server refused it: for good, or for now and it is tried again later), or, when
    the server goes away or the lease nears its end, tried again later with the rest of
    the batch. When the store is away as a sent mail is recorded, the session ends and the
    mark waits for the store (an idle SMTP session would not outlast the outage)."""
    if not mails:
        return 0
    sent = 0
    untried = list(mails)
    current: dict[str, Any] | None = None  # handed to the server, no outcome yet
    unrecorded: dict[str, Any] | None = None
    try:
        with sender.session() as send:
            while untried and outbox.lease_left(untried[0]) > SEND_MARGIN:
                current = mail = untried.pop(0)
                taken = _send_one(outbox, send, mail_from, mail)
                current = None
                if not taken:
                    continue
                sent += 1
                if not _recorded_at_once(outbox, mail):
                    unrecorded = mail
                    break
    except DependencyUnavailable:
        outbox.release(mails)  # none was tried: no attempt is spent on an outage
        raise
    except (OSError, smtplib.SMTPException) as exc:
        if current is None and len(untried) == len(mails):
            current = untried.pop(0)  # the session failed before the first mail: it is that one's attempt
        if current is not None:
            reason = redact(repr(exc), [current.get("to")])
            log.warning("mail %s not sent (attempt %d): %s", current["_id"], current["attempts"], reason)
            outbox.mark_failed(current, repr(exc))
        # the server is likely down: the rest wait for the next round
    if unrecorded is not None:
        _record_sent(outbox, unrecorded, stop)
    call_through_outages(lambda: outbox.release(untried), stop)
    return sent


def _send_one(
    outbox: MailOutbox,
    send: Callable[[EmailMessage], object],
    mail_from: str,
    mail: dict[str, Any],
) -> bool:
    """Send one mail (True once the server took it), or fail it alone (False); raise what
    ends the session (the server went away, or refuses the sender: every mail would fare
    the same)."""
    try:
        send(to_message(mail, mail_from))
    except (Unsendable, smtplib.SMTPNotSupportedError) as exc:
        log.warning("mail %s cannot be sent: %s", mail["_id"], redact(repr(exc), [mail.get("to")]))
        outbox.mark_failed(mail, repr(exc), final=True)
        return False
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        log.warning("mail %s: recipient refused: %s", mail["_id"], redact(repr(exc), [mail.get("to")]))
        outbox.mark_failed(mail, repr(exc), final=all(code >= 500 for code in codes))
        return False
    except smtplib.SMTPDataError as exc:
        if exc.smtp_code == SERVICE_CLOSING:
            raise
        reason = redact(repr(exc), [mail.get("to")])
        log.warning("mail %s refused (%d): %s", mail["_id"], exc.smtp_code, reason)
        outbox.mark_failed(mail, repr(exc), final=exc.smtp_code >= 500)
        return False
    except (OSError, smtplib.SMTPException):
        raise
    except Exception as exc:  # a bug or a corrupt record: this mail only
        log.error("mail %s failed: %s", mail["_id"], redact(repr(exc), [mail.get("to")]))
        outbox.mark_failed(mail, repr(exc), final=True)
        return False
    return True


SERVICE_CLOSING = 421  # the server ends the session: not a refusal of this one mail


def _send_texts(
    outbox: MailOutbox, sms: SmsGateway | None, texts: list[dict[str, Any]], stop: threading.Event
) -> int:
    """Each text is sent and recorded at once (waiting for the store if it is away)."""
    sent = 0
    for index, text in enumerate(texts):
        if sms is None or not sms.configured:
            outbox.mark_failed(text, "no SMS gateway configured", final=True)  # its email goes instead
            continue
        if outbox.lease_left(text) <= SEND_MARGIN:
            call_through_outages(lambda rest=texts[index:]: outbox.release(rest), stop)
            break
        try:
            sms.send(text["to"], text["body"], text["reference"])
        except DependencyUnavailable:
            outbox.release(texts[index:])  # the gateway is away: no attempt is spent
            raise
        except SmsRejected as exc:
            outbox.mark_failed(text, repr(exc), final=True)
            continue
        except (OSError, requests.RequestException) as exc:
            reason = redact(repr(exc), [text.get("to")])
            log.warning("SMS %s not sent (attempt %d): %s", text["_id"], text["attempts"], reason)
            outbox.mark_failed(text, repr(exc))
            outbox.release(texts[index + 1 :])
            break
        except Exception as exc:  # a bug or a corrupt record: this text only (its email goes instead)
            log.error("SMS %s failed: %s", text["_id"], redact(repr(exc), [text.get("to")]))
            outbox.mark_failed(text, repr(exc), final=True)
            continue
        _record_sent(outbox, text, stop)
        sent += 1
    return sent
