"""Steady traffic for the fault tests: applicants submitting inquiries through intake's
API at a fixed rate, and a case handler claiming and deciding some of the cases as they
reach business_desk (so a case's stream has several events whose order matters)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

import requests

from conftest import inquiry_form


def inquiry(email: str, n: int) -> dict:
    return inquiry_form(email=email, description=f"Serveringstillstånd för restaurang nummer {n}.")


@dataclass
class Submission:
    n: int
    email: str
    inquiry_id: str
    reference: str
    accepted_at: float  # time.time(): comparable with the stores' and the mail sink's clocks
    decide: bool


@dataclass
class Applicants:
    """Submits `rate_per_s` inquiries a second for `duration_s`; every `decide_every`-th
    is marked for the case handler."""

    intake_url: str
    rate_per_s: float
    duration_s: float
    decide_every: int
    accepted: list[Submission] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    handed_over: deque[Submission] = field(default_factory=deque)

    def run(self) -> None:
        run = uuid.uuid4().hex[:6]
        session = requests.Session()
        started = time.monotonic()
        n = 0
        while (due := started + n / self.rate_per_s) < started + self.duration_s:
            time.sleep(max(0.0, due - time.monotonic()))
            email = f"rebalance-{run}-{n}@example.se"
            try:
                response = session.post(
                    f"{self.intake_url}/api/v1/inquiries", json=inquiry(email, n), timeout=30
                )
            except requests.RequestException as exc:
                self.refused.append(f"{n}: {exc!r}")
            else:
                if response.status_code == 201:
                    receipt = response.json()
                    submission = Submission(
                        n,
                        email,
                        receipt["inquiry_id"],
                        receipt["reference"],
                        time.time(),
                        n % self.decide_every == 0,
                    )
                    self.accepted.append(submission)
                    if submission.decide:
                        self.handed_over.append(submission)
                else:
                    self.refused.append(f"{n}: {response.status_code} {response.text[:200]}")
            n += 1


@dataclass
class CaseHandler:
    """Claims and decides the cases handed over, each once it has reached business_desk."""

    desk_url: str
    auth: dict[str, str]
    queue: deque[Submission]
    decided: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def run(self, applicants_done: threading.Event, give_up_at: float) -> None:
        session = requests.Session()
        session.headers.update(self.auth)
        claimed: set[str] = set()
        while time.monotonic() < give_up_at:
            if not self.queue:
                if applicants_done.is_set():
                    return
                time.sleep(0.1)
                continue
            submission = self.queue.popleft()
            if self._work(session, submission, claimed):
                self.decided.append(submission.inquiry_id)
            else:
                self.queue.append(submission)  # not there yet: later
                time.sleep(0.05)
        self.failed.extend(f"{s.reference}: not decided in time" for s in self.queue)

    def _work(self, session: requests.Session, submission: Submission, claimed: set[str]) -> bool:
        url = f"{self.desk_url}/api/v1/cases/{submission.inquiry_id}"
        if submission.inquiry_id not in claimed:
            response = session.post(f"{url}/claim", timeout=30)
            if response.status_code == 404:
                return False
            if response.status_code != 200:
                self.failed.append(f"{submission.reference}: claim {response.status_code}")
                return True
            claimed.add(submission.inquiry_id)
        response = session.post(
            f"{url}/decision",
            json={"outcome": "granted", "answer": "Serveringstillstånd beviljas."},
            timeout=30,
        )
        if response.status_code != 200:
            self.failed.append(
                f"{submission.reference}: decision {response.status_code} {response.text[:200]}"
            )
        return True
