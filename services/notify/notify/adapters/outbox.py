"""Emails to send, recorded in the consumer's transaction (one per event and template,
so a redelivered event queues nothing new), then sent over SMTP with retries. What is
personal in them is sealed with their data subject's key (notify.letters) and opened
only to send or to show them."""

from __future__ import annotations

import hashlib
import logging
import random
import smtplib
import ssl
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import requests
from pymongo import ASCENDING, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import PyMongoError

from kernel.eventsourcing.transactions import run_in_transaction
from kernel.platform.connections import personal_data
from kernel.platform.dependencies import SMTP, STORE, TRACKER, DependencyUnavailable, dependency_of, reason_of
from kernel.platform.retry import OUTAGE_BACKOFF, call_through_outages
from kernel.privacy.personal import PersonalData, SubjectErased
from kernel.web.paging import Page, PageRequest, SortKey, mongo_page, sequence_page
from notify import mime
from notify.access import READ_AFTER_SENDING
from notify.deliverylog import DeliveryLog
from notify.letters import Letters, WithoutAddresses, own_subject, redact
from notify.messages import About, Email
from notify.settings import NotifySettings
from notify.sms import SmsGateway, SmsRejected

log = logging.getLogger(__name__)
log.addFilter(WithoutAddresses())  # whatever the dispatcher logs about a failure
MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)
# A dispatcher stops sending its batch this long before the lease runs out: what it sends
# has time to be recorded before anyone may take the lease.
SEND_MARGIN = timedelta(seconds=10)
# An expired lease is taken over only after it has stayed unrecorded this long with the
# store up: a holder that sent and waited out a store outage (retrying at least every
# OUTAGE_BACKOFF.max_s) records its mail within it, a holder that died never does.
RECLAIM_GRACE = timedelta(seconds=3 * OUTAGE_BACKOFF.max_s)
NOTIFICATIONS_ORDER = SortKey.of(("queued_at", -1), ("_id", 1))  # the log: newest first
MESSAGES_ORDER = SortKey.of(("queued_us", 1), ("_id", 1))  # one case's messages: oldest first


def notify_personal_data(db: Database) -> PersonalData:
    """The sealing of personal data on the key vault notify's settings name."""
    return personal_data(NotifySettings.from_env(), db.client)


class MailOutbox:
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        personal: PersonalData | None = None,
    ) -> None:
        self._mails = db["outgoing_mail"]
        self._clock = clock
        self._letters = Letters(personal or notify_personal_data(db))
        self.log = DeliveryLog(db)

    def ensure_schema(self) -> None:
        self.log.ensure_schema()
        self._mails.create_index("message_id_header")
        self._mails.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
        self._mails.create_index("reference")
        self._mails.create_index("unlogged", sparse=True)
        self._mails.create_index("subject_id")
        self._mails.create_index([("audience", ASCENDING), ("case_type", ASCENDING), ("queued_at", -1)])
        self._mails.create_index([("queued_at", -1), ("_id", ASCENDING)])

    def queue(
        self,
        key: str,
        email: Email,
        about: About,
        session: ClientSession | None,
        channel: str = "email",
        fallback: Email | None = None,
    ) -> None:
        """`channel`: email, or sms (`email.to` a phone number, `email.body` the text);
        `fallback`: the email to send instead if the SMS cannot be delivered. `key`: one
        per event and message, made of ids only (it is logged and published). Nothing is
        queued for a subject whose data was erased meanwhile."""
        reference, event_type = about.reference, about.event_type
        subject_id = about.subject_id or own_subject(key)
        try:
            sealed = self._letters.seal(subject_id, email, fallback)
        except SubjectErased:
            return
        now = self._clock()
        result = self._mails.update_one(
            {"_id": key},
            {
                "$setOnInsert": {
                    **sealed,
                    "subject_id": subject_id,
                    "language": email.language,
                    "channel": channel,
                    "message_id_header": message_id(key),
                    "reference": reference,
                    "event_type": event_type,
                    "audience": about.audience,
                    "case_type": about.case_type,
                    "status": "queued",
                    "attempts": 0,
                    "queued_at": now,
                    # BSON dates keep milliseconds: this keeps mails queued together in order
                    "queued_us": int(now.timestamp() * 1_000_000),
                    "next_attempt_at": now,
                }
            },
            upsert=True,
            session=session,
        )
        if result.upserted_id is not None:
            self.log.queued(
                {"_id": key, "reference": reference, "channel": channel, "event_type": event_type}, session
            )

    def lease(self, limit: int) -> list[dict[str, Any]]:
        """Lease up to `limit` emails that are due, oldest first, in two round trips; a
        lease that expires (a crash mid-send) makes its email due again RECLAIM_GRACE
        later (_hold_expired_leases). Two dispatchers never lease the same email: each
        takes only those still due when it updates.
        They come opened (`to`, `subject`, `body`, `fallback`); one whose subject was
        erased meanwhile is not sent but marked erased."""
        now = self._clock()
        self._hold_expired_leases(now)
        self._give_up_abandoned(now)
        due = {
            "$or": [{"status": "queued"}, {"status": "sending", "reclaimable": True}],
            "next_attempt_at": {"$lte": now},
        }
        ids = [
            doc["_id"]
            for doc in self._mails.find(due, {"_id": 1})
            .sort([("next_attempt_at", ASCENDING), ("queued_us", ASCENDING)])
            .limit(limit)
        ]
        if not ids:
            return []
        token = uuid.uuid4().hex
        self._mails.update_many(
            {"_id": {"$in": ids}, **due},
            {
                "$set": {"status": "sending", "lease": token, "next_attempt_at": now + LEASE},
                "$unset": {"reclaimable": ""},
                "$inc": {"attempts": 1},
            },
        )
        leased = {doc["_id"]: doc for doc in self._mails.find({"_id": {"$in": ids}, "lease": token})}
        self._letters.prefetch(leased.values())
        opened, erased = [], []
        for doc in (leased[i] for i in ids if i in leased):
            try:
                mail = self._letters.for_sending(doc)
            except PyMongoError:
                raise
            except Exception as exc:  # a letter that cannot be opened (corrupt, tampered): it alone fails
                log.error("mail %s: its letter cannot be opened: %r", doc["_id"], exc)
                self.mark_failed(doc, f"the letter cannot be opened: {exc!r}", final=True)
                continue
            (erased if mail is None else opened).append(mail or doc)
        if erased:
            self._mails.update_many(
                {"_id": {"$in": [m["_id"] for m in erased]}},
                {"$set": {"status": "erased", "personal_erased": True}, "$unset": UNSEALED},
            )
        return opened

    def _hold_expired_leases(self, now: datetime) -> None:
        """An expired lease is not taken at once: its holder may have handed the mail to
        SMTP and be waiting out a store outage to record it (the lease ran out meanwhile).
        This write, made while the store answers, starts RECLAIM_GRACE, within which such
        a holder records it; only then is it due again (as after a crash mid-send)."""
        self._mails.update_many(
            {"status": "sending", "next_attempt_at": {"$lte": now}, "reclaimable": {"$ne": True}},
            {"$set": {"reclaimable": True, "next_attempt_at": now + RECLAIM_GRACE}},
        )

    def _give_up_abandoned(self, now: datetime) -> None:
        """A mail whose every lease ran out without an outcome (the dispatcher died while
        sending it, each time) is failed for good, so it cannot hold the queue forever."""
        abandoned = {
            "status": "sending",
            "reclaimable": True,
            "next_attempt_at": {"$lte": now},
            "attempts": {"$gte": MAX_ATTEMPTS},
        }
        for doc in self._mails.find(abandoned).limit(100):
            mail = self._opened_or_as_is(doc)  # opened: an SMS given up sends its email
            log.error("mail %s given up: %d leases ran out without an outcome", mail["_id"], mail["attempts"])
            self.mark_failed(
                mail, f"abandoned: {mail['attempts']} attempts ended without an outcome", final=True
            )

    def _opened_or_as_is(self, doc: dict[str, Any]) -> dict[str, Any]:
        try:
            return self._letters.for_sending(doc) or doc
        except PyMongoError:
            raise
        except Exception:
            return doc

    def release(self, mails: Sequence[dict[str, Any]]) -> None:
        """Put leased emails back, untried (the server went away before their turn), each
        only while its lease is still this one's."""
        for lease in {m.get("lease") for m in mails}:
            ids = [m["_id"] for m in mails if m.get("lease") == lease]
            self._mails.update_many(
                {"_id": {"$in": ids}, "status": "sending", "lease": lease},
                {"$set": {"status": "queued", "next_attempt_at": self._clock()}, "$inc": {"attempts": -1}},
            )

    def lease_left(self, mail: dict[str, Any]) -> timedelta:
        """How long the lease of a leased mail still runs."""
        return _aware(mail["next_attempt_at"]) - self._clock()

    def mark_sent(self, mail: dict[str, Any]) -> None:
        """Sent (SMTP or the gateway took it), whoever holds its lease now: one write,
        which changes nothing when done again, so it can be retried until the store
        answers. The text with its personal link is not kept, nor a letter nobody may
        read after sending. Its sent event follows with log_sent."""
        unread = {} if mail.get("audience") in READ_AFTER_SENDING else {"letter": ""}
        self._mails.update_one(
            {"_id": mail["_id"], "status": {"$in": ["queued", "sending"]}},
            {
                "$set": {"status": "sent", "sent_at": self._clock(), "unlogged": True},
                "$unset": {"delivery": "", "lease": "", "reclaimable": "", **unread},
            },
        )

    def log_sent(self, limit: int = 500) -> None:
        """The sent events of messages marked sent and not yet logged (this round's, or
        a dead dispatcher's), in one transaction with taking their `unlogged` note: each
        is logged once, whichever dispatcher comes first."""

        def log(session: ClientSession) -> None:
            marked = list(self._mails.find({"unlogged": True}, session=session).limit(limit))
            if marked:
                ids = [m["_id"] for m in marked]
                self._mails.update_many({"_id": {"$in": ids}}, {"$unset": {"unlogged": ""}}, session=session)
                self.log.sent(marked, session)

        if self._mails.find_one({"unlogged": True}, {"_id": 1}) is not None:  # mostly none: no transaction
            run_in_transaction(self._mails.database.client, log)

    def _forget_unreadable(self, ids: list[str]) -> None:
        """A finished message nobody may read (a citizen's or provider's letter, a sign-in
        email) keeps no letter: only that it went, when, and how."""
        self._mails.update_many(
            {"_id": {"$in": ids}, "audience": {"$nin": list(READ_AFTER_SENDING)}}, {"$unset": {"letter": ""}}
        )

    def mark_bounced(self, message_id_header: str, reason: str) -> dict[str, Any] | None:
        """The receiving side bounced a sent email (a provider's webhook says so). The
        reason is kept without the recipient's address (providers quote it)."""
        found = self._mails.find_one({"message_id_header": message_id_header})
        if found is None:
            return None
        letter = self._letters.letter(found) or {}
        reason = redact(reason, [letter.get("to")])
        mail = self._mails.find_one_and_update(
            {"_id": found["_id"]},
            {"$set": {"status": "bounced", "bounce_reason": reason}},
            return_document=ReturnDocument.AFTER,
        )
        if mail is None:
            return None
        self.log.bounced(mail, reason)
        return {**mail, **letter}

    def mark_failed(self, mail: dict[str, Any], error: str, final: bool = False) -> None:
        """Try again later (exponential backoff with full jitter), or give up after the
        last attempt, or at once when `final`; an SMS given up on sends its fallback email.
        The error is kept and published without the recipient's address or number.
        `mail` as leased (opened), or as stored (it is opened here)."""
        if "to" not in mail:
            mail = self._opened_or_as_is(mail)
        error = redact(error, [mail.get("to")])
        give_up = final or mail["attempts"] >= MAX_ATTEMPTS
        # exponential backoff with full jitter: retries after an outage do not arrive together
        delay = timedelta(seconds=random.uniform(0.5, 1.0) * min(2 ** mail["attempts"], 300))
        self._mails.update_one(
            {"_id": mail["_id"]},
            {
                "$set": {
                    "status": "failed" if give_up else "queued",
                    "last_error": error,
                    "next_attempt_at": self._clock() + delay,
                },
                **({"$unset": {"delivery": ""}} if give_up else {}),
            },
        )
        if give_up:
            self._forget_unreadable([mail["_id"]])
            self.log.failed(mail, error)
        if give_up and mail.get("fallback"):
            self.queue(f"{mail['_id']}:fallback", Email(**mail["fallback"]), about_of(mail), None)

    def forget_subject(self, subject_id: str, reference: str | None, session: ClientSession | None) -> None:
        """Keep the delivery record (when, which event, whether sent), not the letter, its
        errors or its bounce: every message sealed with the subject's key, and those about
        its case or voucher (from before sealing)."""
        about = [{"subject_id": subject_id}] + ([{"reference": reference}] if reference else [])
        self._mails.update_many(
            {"$or": about},
            {"$set": {"personal_erased": True}, "$unset": UNSEALED},
            session=session,
        )
        self._mails.update_many(
            {"$or": about, "status": {"$in": ["queued", "sending"]}},
            {"$set": {"status": "erased"}},
            session=session,
        )

    def figures(self, since: datetime) -> dict[str, Any]:
        """Delivery figures of what was queued since then, per channel: how many were sent,
        failed for good or are still on their way, and the latency from queued to sent."""
        channels: dict[str, dict[str, Any]] = {}
        latencies: dict[str, list[float]] = {}
        fields = {"status": 1, "channel": 1, "queued_at": 1, "sent_at": 1}
        for mail in self._mails.find({"queued_at": {"$gte": since}}, fields):
            channel = mail.get("channel") or "email"
            tally = channels.setdefault(channel, {"queued": 0, "sent": 0, "failed": 0, "pending": 0})
            tally["queued"] += 1
            status = mail["status"]
            if status == "sent":
                tally["sent"] += 1
                if mail.get("sent_at"):
                    latencies.setdefault(channel, []).append(
                        (_aware(mail["sent_at"]) - _aware(mail["queued_at"])).total_seconds()
                    )
            elif status == "failed":
                tally["failed"] += 1
            elif status != "erased":  # its subject erased before it was sent: never will be
                tally["pending"] += 1
        for channel, tally in channels.items():
            samples = sorted(latencies.get(channel, []))
            tally["latency_s_p50"] = _percentile(samples, 0.5)
            tally["latency_s_p95"] = _percentile(samples, 0.95)
        return {"since": since.isoformat(), "channels": channels}

    def messages_for(
        self, reference: str, readable: dict[str, Any], page: PageRequest
    ) -> Page[dict[str, Any]]:
        """One page of what the applicant was sent about a case, oldest first
        (MESSAGES_ORDER), once per notification (the email, or the SMS where no email
        went); `readable`: the caller's scope. One case's messages are few: chosen in
        memory, then paged."""
        found = list(
            self._mails.find(
                {"$and": [{"reference": reference, "personal_erased": {"$ne": True}}, readable]},
                {"delivery": 0, "lease": 0},
            ).sort("queued_us", ASCENDING)
        )
        self._letters.prefetch(found)
        by_notification: dict[str, dict[str, Any]] = {}
        for stored in found:
            letter = self._letters.letter(stored)
            if letter is None:
                continue
            mail = {**stored, **letter}
            key = mail["_id"].removesuffix(":fallback").removesuffix(":sms")
            chosen = by_notification.get(key)
            if chosen is None or (mail.get("channel", "email") == "email" and chosen.get("channel") == "sms"):
                by_notification[key] = mail
        return sequence_page(by_notification.values(), page, MESSAGES_ORDER)

    def recent(
        self, readable: dict[str, Any], reference: str | None, page: PageRequest
    ) -> Page[dict[str, Any]]:
        """One page of the messages within `readable` (the caller's scope), newest first."""
        query = {"$and": [readable, {"reference": reference}]} if reference else readable

        def opened(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
            self._letters.prefetch(found)
            return [self._shown(mail) for mail in found]

        return mongo_page(self._mails, query, NOTIFICATIONS_ORDER, page, {"delivery": 0}, opened=opened)

    def _shown(self, mail: dict[str, Any]) -> dict[str, Any]:
        """The record with its recipient and subject line opened (None once erased)."""
        letter = self._letters.letter(mail) or {}
        return {**mail, "to": letter.get("to"), "subject": letter.get("subject")}


# what erasure takes from a message: every sealed part, and texts that may quote the recipient
UNSEALED = {"letter": "", "delivery": "", "last_error": "", "bounce_reason": ""}


def about_of(mail: dict[str, Any]) -> About:
    return About(
        mail["reference"], mail["event_type"], mail["audience"], mail.get("subject_id"), mail.get("case_type")
    )


def _aware(moment: datetime) -> datetime:
    """BSON dates come back naive (UTC) unless the client is tz-aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _percentile(samples: list[float], share: float) -> float | None:
    if not samples:
        return None
    return round(samples[min(len(samples) - 1, int(share * len(samples)))], 3)


def message_id(key: str) -> str:
    """A valid Message-ID made from the mail's key (the key's colons are not allowed in one)."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@notify.kommun.example>"


def to_message(mail: dict[str, Any], sender: str) -> EmailMessage:
    """The email of a queued mail; Unsendable if it cannot be one."""
    return mime.to_message(mail, sender, message_id(mail["_id"]))


class SmtpSender:
    """SMTP with STARTTLS (SMTP_STARTTLS=1, the server's certificate verified) and login
    (SMTP_USERNAME / SMTP_PASSWORD or SMTP_PASSWORD_FILE) where the relay needs them."""

    def __init__(self, settings: NotifySettings, smtp_class: type[smtplib.SMTP] = smtplib.SMTP) -> None:
        self._settings = settings
        self._smtp_class = smtp_class

    def send(self, message: EmailMessage) -> None:
        with self.session() as send:
            send(message)

    @contextmanager
    def session(self) -> Iterator[Callable[[EmailMessage], object]]:
        """One connection for a batch of emails. DependencyUnavailable if the server cannot
        be reached or refuses the session (then no mail was tried)."""
        with self._connected(timeout_s=10) as smtp:
            yield smtp.send_message

    @contextmanager
    def _connected(self, timeout_s: float) -> Iterator[smtplib.SMTP]:
        s = self._settings
        try:
            smtp = self._smtp_class(s.smtp_host, s.smtp_port, timeout=timeout_s)
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
        except (OSError, smtplib.SMTPException) as exc:
            raise DependencyUnavailable(SMTP, reason_of(exc), probe=self.probe) from exc
        TRACKER.back(SMTP)
        with smtp:
            yield smtp

    def probe(self) -> None:
        """Raises while the server cannot be reached (or refuses the session)."""
        with self._connected(timeout_s=2) as smtp:
            smtp.noop()


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
    mails = outbox.lease(limit)
    emails = [m for m in mails if m.get("channel", "email") == "email"]
    texts = [m for m in mails if m.get("channel") == "sms"]
    sent, outages = 0, []
    for send in (
        lambda: _send_emails(outbox, sender, mail_from, emails, stop),
        lambda: _send_texts(outbox, sms, texts, stop),
    ):
        try:
            sent += send()
        except DependencyUnavailable as exc:  # the SMTP server is away: the texts still go
            outages.append(exc)
    for outage in outages[1:]:
        TRACKER.report(outage)
    if outages:
        raise outages[0]  # the caller waits its backoff before the next round
    outbox.log_sent()
    return sent


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
    except (mime.Unsendable, smtplib.SMTPNotSupportedError) as exc:
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
