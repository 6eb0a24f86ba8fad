"""The traffic the fault suite keeps up while it injects faults: inquiries at a steady
rate, and providers' delivery reports (each possibly sent twice, as a provider's system
retrying would). Every request and its answer is recorded, for the ledger to check."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import requests

from conftest import inquiry_form

ANSWER_TIMEOUT_S = 30  # about as long as a person waits for a form's answer


@dataclass
class Submission:
    n: int
    email: str
    started: float
    status: int | None = None  # None: no answer (connection refused, timeout)
    answered: float | None = None
    reference: str | None = None
    tracking_url: str | None = None
    error: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == 201 and self.reference is not None

    @property
    def latency_s(self) -> float | None:
        return None if self.answered is None else self.answered - self.started


def inquiry(email: str, n: int) -> dict[str, str]:
    return inquiry_form(
        email=email,
        company=f"Felsäker {n} AB",
        case_type="general_business_advice",
        description=f"Fråga nummer {n} under fel.",
    )


class InquiryLoad:
    """`count` inquiries at `rate` per second, each from its own address, on a thread."""

    def __init__(self, intake_url: str, run: str, rate: float, count: int, clients: int = 32) -> None:
        self.intake_url = intake_url
        self.run = run
        self.rate = rate
        self.count = count
        self.clients = clients
        self.submissions: list[Submission] = []
        self._lock = threading.Lock()
        self._sessions = threading.local()
        self._thread = threading.Thread(target=self._submit_all, daemon=True)

    def start(self) -> InquiryLoad:
        self._thread.start()
        return self

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def submit(self, n: int) -> Submission:
        """One inquiry (also the injector's probe: n < 0)."""
        email = f"{self.run}-{n if n >= 0 else 'p' + str(-n)}@example.se"
        submission = Submission(n=n, email=email, started=time.monotonic())
        if not hasattr(self._sessions, "session"):
            self._sessions.session = requests.Session()
        try:
            response = self._sessions.session.post(
                f"{self.intake_url}/api/v1/inquiries", json=inquiry(email, n), timeout=ANSWER_TIMEOUT_S
            )
            submission.answered = time.monotonic()
            submission.status = response.status_code
            if response.status_code == 201:
                body = response.json()
                submission.reference, submission.tracking_url = body["reference"], body["tracking_url"]
            else:
                submission.error = response.text[:200]
        except requests.RequestException as exc:
            submission.error = type(exc).__name__
        with self._lock:
            self.submissions.append(submission)
        return submission

    def _submit_all(self) -> None:
        start = time.monotonic()

        def one(n: int) -> None:
            delay = start + n / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.submit(n)

        with ThreadPoolExecutor(max_workers=self.clients) as pool:
            list(pool.map(one, range(self.count)))

    def probe(self) -> str | None:
        """The injector's probe: an inquiry like the others, counted with them."""
        with self._lock:
            n = -1 - sum(1 for s in self.submissions if s.n < 0)
        return self.submit(n).reference


@dataclass
class Report:
    report_id: str
    voucher_id: str
    answers: list[int | None] = field(default_factory=list)  # each attempt's status (None: no answer)

    @property
    def accepted(self) -> bool:
        return any(status in (200, 201) for status in self.answers)


class DeliveryLoad:
    """Delivery reports of one unit against the vouchers, at `rate` per second; a report
    is sent again when it got no good answer (up to three times), and sometimes once more
    after a good one (a double click): each must be redeemed exactly once."""

    def __init__(
        self,
        vouchers_url: str,
        auth: Callable[[], dict[str, str]],
        voucher_ids: list[str],
        run: str,
        rate: float,
        count: int,
        seed: int,
    ) -> None:
        self.vouchers_url = vouchers_url
        self._auth = auth
        self.voucher_ids = voucher_ids
        self.run = run
        self.rate = rate
        self.count = count
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._sessions = threading.local()
        self.reports: list[Report] = []
        self._thread = threading.Thread(target=self._report_all, daemon=True)

    def start(self) -> DeliveryLoad:
        self._thread.start()
        return self

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    def _send(self, report: Report) -> None:
        if not hasattr(self._sessions, "session"):
            self._sessions.session = requests.Session()
        try:
            response = self._sessions.session.post(
                f"{self.vouchers_url}/api/v1/vouchers/{report.voucher_id}/deliveries",
                json={"report_id": report.report_id, "units": 1, "delivered_on": date.today().isoformat()},
                headers=self._auth(),
                timeout=ANSWER_TIMEOUT_S,
            )
            report.answers.append(response.status_code)
        except requests.RequestException:
            report.answers.append(None)

    def _report(self, report: Report, again: bool) -> None:
        for _attempt in range(3):
            self._send(report)
            if report.accepted:
                break
            time.sleep(1.0)
        if report.accepted and again:
            self._send(report)

    def _report_all(self) -> None:
        """At a steady rate whatever the answers' latency: a few reports in flight at once
        (as several providers' systems would send them)."""
        start = time.monotonic()

        def one(n: int) -> None:
            delay = start + n / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            report = Report(f"{self.run}-r{n}", self.voucher_ids[n % len(self.voucher_ids)])
            with self._lock:
                self.reports.append(report)
                again = self._rng.random() < 0.3
            self._report(report, again)

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(one, range(self.count)))
