"""What is read of the outgoing mail (notify.adapters.outbox writes it): the delivery
log a caller may read, one case's messages as the applicant got them, and the delivery
figures per channel. The letters are opened for the reader (notify.adapters.letters)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from kernel.privacy.personal import PersonalData
from kernel.web.paging import Page, PageRequest, SortKey, mongo_page, sequence_page
from notify.adapters.letters import Letters
from notify.adapters.outbox import COLLECTION
from notify.domain.deliverylog import aware

NOTIFICATIONS_ORDER = SortKey.of(("queued_at", -1), ("_id", 1))  # the log: newest first
MESSAGES_ORDER = SortKey.of(("queued_us", 1), ("_id", 1))  # one case's messages: oldest first


class Deliveries:
    def __init__(self, db: Database, personal: PersonalData) -> None:
        self._mails = db[COLLECTION]
        self._letters = Letters(personal)

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
                        (aware(mail["sent_at"]) - aware(mail["queued_at"])).total_seconds()
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


def _percentile(samples: list[float], share: float) -> float | None:
    if not samples:
        return None
    return round(samples[min(len(samples) - 1, int(share * len(samples)))], 3)
