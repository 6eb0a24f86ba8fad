"""The outgoing mail: emails and texts to send, recorded in the consumer's transaction
(one per event and template, so a redelivered event queues nothing new), leased to a
dispatcher (notify.adapters.dispatcher), marked sent, failed or bounced, and forgotten
at erasure. What is personal in them is sealed with their data subject's key
(notify.adapters.letters) and opened only to send or to show them; what is read of them
is notify.readmodels.deliveries.

Over 300 lines for a reason: every change of a message's state is here, together, so
that what makes a message go once (the lease, its grace, the idempotent marks) reads in
one place."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import PyMongoError

from kernel.eventsourcing.transactions import run_in_transaction
from kernel.platform.retry import OUTAGE_BACKOFF
from kernel.privacy.personal import PersonalData, SubjectErased
from notify.adapters.deliverylog import DeliveryLog
from notify.adapters.letters import Letters, WithoutAddresses, own_subject, redact
from notify.domain.access import READ_AFTER_SENDING
from notify.domain.deliverylog import aware
from notify.domain.messages import About, Email
from notify.domain.mime import message_id

log = logging.getLogger(__name__)
log.addFilter(WithoutAddresses())  # whatever the outbox logs about a failure
COLLECTION = "outgoing_mail"
MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)
# An expired lease is taken over only after it has stayed unrecorded this long with the
# store up: a holder that sent and waited out a store outage (retrying at least every
# OUTAGE_BACKOFF.max_s) records its mail within it, a holder that died never does.
RECLAIM_GRACE = timedelta(seconds=3 * OUTAGE_BACKOFF.max_s)


class MailOutbox:
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        personal: PersonalData,
    ) -> None:
        self._mails = db[COLLECTION]
        self._clock = clock
        self._letters = Letters(personal)
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

    def lease(self, limit: int, channels: Sequence[str] = ("email", "sms")) -> list[dict[str, Any]]:
        """Lease up to `limit` messages of these channels that are due, oldest first; a
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
            # a record from before texts has no channel: an email
            "channel": {"$in": [*channels, *([None] if "email" in channels else [])]},
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
        return aware(mail["next_attempt_at"]) - self._clock()

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


# what erasure takes from a message: every sealed part, and texts that may quote the recipient
UNSEALED = {"letter": "", "delivery": "", "last_error": "", "bounce_reason": ""}


def about_of(mail: dict[str, Any]) -> About:
    return About(
        mail["reference"], mail["event_type"], mail["audience"], mail.get("subject_id"), mail.get("case_type")
    )
