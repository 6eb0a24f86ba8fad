"""What the fault suite checks at the end, from what the system itself keeps: each accepted
inquiry has exactly one submitted event, one case, one tracking view with the right
history and one receipt email; each accepted delivery report is redeemed exactly once;
the only dead letters are the ones the suite injected; every read model equals a rebuild."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from devstack import SERVICES
from devstack.mailsink import read_messages
from devstack.stack import Stack
from kernel.platform.settings import REPO_ROOT
from tests.faults.load import Report, Submission

RIGHT_HISTORY = [("submitted", "history.received"), ("registered", "history.registered")]


@dataclass
class Findings:
    accepted: int = 0
    not_accepted: Counter = field(default_factory=Counter)  # by status, or error (no answer)
    recorded_unanswered: int = 0  # not accepted, yet the system has them (an answer lost in a fault)
    lost: dict[str, list[str]] = field(default_factory=dict)  # what -> references missing it
    duplicated: dict[str, list[str]] = field(default_factory=dict)  # what -> references having it twice
    wrong_history: list[str] = field(default_factory=list)
    reports_accepted: int = 0
    reports_lost: list[str] = field(default_factory=list)
    reports_redeemed_twice: list[str] = field(default_factory=list)
    unexpected_dead_letters: list[str] = field(default_factory=list)
    injected_dead_letters_found: int = 0
    rebuild_differs: dict[str, str] = field(default_factory=dict)
    # a receipt delivered again with its Message-ID (notify crashed between SMTP and its mark)
    resent_copies: int = 0
    resent: list[str] = field(default_factory=list)  # the references of such receipts

    @property
    def losses(self) -> int:
        return sum(map(len, self.lost.values())) + len(self.reports_lost)

    @property
    def loss_counts(self) -> dict[str, int]:
        return {what: len(refs) for what, refs in self.lost.items()}

    @property
    def duplicate_counts(self) -> dict[str, int]:
        return {what: len(refs) for what, refs in self.duplicated.items()}

    @property
    def duplicates(self) -> int:
        return sum(map(len, self.duplicated.values())) + len(self.reports_redeemed_twice)


class Ledger:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        env = stack.env()
        self._env = env
        self._prefix = env.get("MONGODB_DATABASE_PREFIX", "")
        self._topic_prefix = env.get("KAFKA_TOPIC_PREFIX", "")
        self._mongo = MongoClient(env["MONGODB_URI"], serverSelectionTimeoutMS=5000, tz_aware=True)

    def close(self) -> None:
        self._mongo.close()

    def db(self, service: str) -> Any:
        return self._mongo[f"{self._prefix}{service}"]

    # -- waiting until everything accepted has gone all the way ------------------------------

    def drain(self, submissions: list[Submission], reports: list[Report], timeout_s: float) -> float:
        """Wait until every accepted inquiry is registered on its tracking page and has its
        receipt sent, and every accepted report is redeemed; returns the seconds waited."""
        started = time.monotonic()
        references = [s.reference for s in submissions if s.accepted]
        report_ids = [r.report_id for r in reports if r.accepted]
        while time.monotonic() - started < timeout_s:
            try:
                registered = self.db("intake")["tracking"].count_documents(
                    {"reference": {"$in": references}, "status": "registered"}
                )
                sent = len(
                    self.db("notify")["outgoing_mail"].distinct(
                        "reference", {"reference": {"$in": references}, "status": "sent"}
                    )
                )
                redeemed = self.db("vouchers")["redemptions"].count_documents(
                    {"report_id": {"$in": report_ids}}
                )
            except PyMongoError:
                time.sleep(1)
                continue
            if registered == sent == len(references) and redeemed >= len(report_ids):
                break
            time.sleep(1)
        return time.monotonic() - started

    # -- the checks -----------------------------------------------------------------------------

    def check(
        self, submissions: list[Submission], reports: list[Report], maildir: Path, injected_dead_letters: int
    ) -> Findings:
        found = Findings()
        accepted = [s for s in submissions if s.accepted]
        found.accepted = len(accepted)
        for s in submissions:
            if not s.accepted:
                found.not_accepted[str(s.status or s.error)] += 1
        references = [s.reference for s in accepted if s.reference]
        self._check_inquiries(found, references)
        self._check_receipts(found, submissions, maildir)
        self._check_reports(found, reports)
        self._check_dead_letters(found, injected_dead_letters)
        self._check_rebuilds(found)
        return found

    def _counts(self, service: str, event_type: str, key: str, values: list[str]) -> Counter:
        pipeline = [
            {"$match": {"type": event_type, f"data.{key}": {"$in": values}}},
            {"$group": {"_id": f"$data.{key}", "n": {"$sum": 1}}},
        ]
        return Counter({d["_id"]: d["n"] for d in self.db(service)["events"].aggregate(pipeline)})

    def _note(self, found: Findings, what: str, counts: Counter, references: list[str]) -> None:
        missing = [r for r in references if counts[r] == 0]
        twice = [r for r in references if counts[r] > 1]
        if missing:
            found.lost[what] = missing
        if twice:
            found.duplicated[what] = twice

    def _check_inquiries(self, found: Findings, references: list[str]) -> None:
        submitted = self._counts("intake", "intake.inquiry_submitted", "reference", references)
        self._note(found, "submitted event", submitted, references)
        opened = self._counts("business_desk", "business_desk.case_opened", "reference", references)
        self._note(found, "case opened", opened, references)
        wanted = {"reference": {"$in": references}}
        cases = Counter(
            d["reference"] for d in self.db("business_desk")["cases"].find(wanted, {"reference": 1})
        )
        self._note(found, "case", cases, references)
        views = list(self.db("intake")["tracking"].find(wanted, {"reference": 1, "history": 1}))
        self._note(found, "tracking view", Counter(v["reference"] for v in views), references)
        found.wrong_history = [
            v["reference"] for v in views if [(h["status"], h["key"]) for h in v["history"]] != RIGHT_HISTORY
        ]

    def _check_receipts(self, found: Findings, submissions: list[Submission], maildir: Path) -> None:
        """One receipt per accepted inquiry (its reference in the subject, to its address),
        counted by Message-ID: a copy with the Message-ID of one already delivered is a
        resend (notify crashed between SMTP taking it and recording it), which a mail
        client shows once; it is counted apart, not as a duplicate. A receipt for one that
        got no 201 means the system took it but the answer was lost."""
        by_address: dict[str, list[dict[str, Any]]] = {}
        for message in read_messages(maildir):
            by_address.setdefault(message["to"], []).append(message)
        counts: Counter = Counter()
        for s in submissions:
            if s.accepted and s.reference:
                receipts = [m for m in by_address.get(s.email, []) if s.reference in m["subject"]]
                counts[s.reference] = len({m["message_id"] for m in receipts})
                if len(receipts) > counts[s.reference]:
                    found.resent_copies += len(receipts) - counts[s.reference]
                    found.resent.append(s.reference)
        self._note(found, "receipt email", counts, list(counts))
        found.recorded_unanswered = sum(1 for s in submissions if not s.accepted and by_address.get(s.email))

    def _check_reports(self, found: Findings, reports: list[Report]) -> None:
        accepted = [r.report_id for r in reports if r.accepted]
        found.reports_accepted = len(accepted)
        counts = self._counts("vouchers", "vouchers.units_redeemed", "report_id", accepted)
        found.reports_lost = [r for r in accepted if counts[r] == 0]
        found.reports_redeemed_twice = [r for r in accepted if counts[r] > 1]

    def _check_dead_letters(self, found: Findings, injected: int) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self._env["KAFKA_BOOTSTRAP_SERVERS"],
            auto_offset_reset="earliest",
            consumer_timeout_ms=5000,
        )
        try:
            topics = [t for t in consumer.topics() if t.startswith(self._topic_prefix) and t.endswith(".dlq")]
            if topics:
                consumer.subscribe(topics)
                letters = [record.value.decode(errors="replace") for record in consumer]
            else:
                letters = []
        finally:
            consumer.close()
        marker = "fault-suite-poison"
        found.injected_dead_letters_found = sum(marker in letter for letter in letters)
        found.unexpected_dead_letters = [letter[:300] for letter in letters if marker not in letter]
        assert injected >= 0

    def _check_rebuilds(self, found: Findings) -> None:
        for service in SERVICES:
            done = subprocess.run(
                [sys.executable, "-m", *rebuild_module(service), "--check"],
                env=self._env,
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0:
                found.rebuild_differs[service] = (done.stdout + done.stderr)[-1500:]


def rebuild_module(service: str) -> list[str]:
    """The service's rebuild: from its declaration where it has one, else its own module."""
    declared = importlib.util.find_spec(f"{service}.service") is not None
    return ["kernel.platform.run", service, "rebuild"] if declared else [f"{service}.rebuild"]
