"""notify sends each message once, though the store goes away after the SMTP server (or
the SMS gateway) took it and before it is recorded as sent. On a store of its own
(SecantusDB on disk, restarted on the same storage), next to the real SMTP sink and a
recording SMS gateway; a second dispatcher (the other notify consumer of the group) comes
along once the lease has run out."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devstack.infra import Process, store_process
from devstack.mailsink import mails_to
from devstack.ports import free_port
from kernel.platform.connections import mongo_client, personal_data
from kernel.platform.retry import Stopped
from notify.adapters.dispatcher import dispatch
from notify.adapters.outbox import LEASE, RECLAIM_GRACE, MailOutbox
from notify.adapters.sms import SmsGateway
from notify.adapters.smtp import SmtpSender
from notify.domain.messages import About, Email
from notify.domain.mime import to_message
from notify.settings import NotifySettings

pytestmark = pytest.mark.integration


@pytest.fixture
def store(isolated_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Process]:
    """A store of this test's own, which it may stop; notify's settings point at it."""
    port = free_port()
    process = store_process(port, str(tmp_path / "store"), tmp_path / "store.log")
    process.start()
    monkeypatch.setenv("MONGODB_URI", f"mongodb://127.0.0.1:{port}/?replicaSet=secantus")
    yield process
    process.kill()


class Outage:
    """Takes the store away (a clean stop or a SIGKILL) and brings it back `away_s` later."""

    def __init__(self, store: Process, how: str, away_s: float = 2.0) -> None:
        self._store, self._how, self._away_s = store, how, away_s
        self._back = threading.Thread(target=lambda: (time.sleep(self._away_s), self._store.start()))
        self._began = threading.Event()

    def begin(self) -> None:
        self._store.stop() if self._how == "SIGTERM" else self._store.kill()
        self._back.start()
        self._began.set()

    def wait_until_back(self) -> None:
        assert self._began.wait(30), "the outage never began"
        self._back.join(60)


class TakenThen(SmtpSender):
    """SMTP as it is, and `then()` once, right after the server took the first mail."""

    def __init__(self, settings: NotifySettings, then: Callable[[], None]) -> None:
        super().__init__(settings)
        self._then: Callable[[], None] | None = then

    @contextmanager
    def session(self) -> Iterator[Callable[[Any], object]]:
        with super().session() as send:

            def send_then(message: Any) -> object:
                taken = send(message)
                then, self._then = self._then, None
                if then:
                    then()
                return taken

            yield send_then


class TextTakenThen(SmsGateway):
    def __init__(self, settings: NotifySettings, then: Callable[[], None]) -> None:
        super().__init__(settings)
        self._then: Callable[[], None] | None = then

    def send(self, to: str, message: str, reference: str) -> None:
        super().send(to, message, reference)
        then, self._then = self._then, None
        if then:
            then()


class Later:
    """A clock `ahead` of now (a dispatcher that comes along that much later)."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


def queue(outbox: MailOutbox, to: str, channel: str = "email") -> str:
    key = f"test:{uuid.uuid4().hex}"
    email = Email(to=to, subject="Kvitto: ärende BUS-2026-ONCE01", body="Vi har tagit emot din ansökan.")
    outbox.queue(key, email, About("BUS-2026-ONCE01", "intake.inquiry_submitted", "applicant"), None, channel)
    return key


def outboxes(settings: NotifySettings) -> tuple[MailOutbox, MailOutbox, Later]:
    """The first dispatcher's outbox, and another's on the same store with a clock of its own."""
    db = mongo_client(settings)[settings.database]
    personal = personal_data(settings, db.client)
    first = MailOutbox(db, personal=personal)
    first.ensure_schema()
    later = Later()
    return first, MailOutbox(db, clock=later, personal=personal), later


def run_in_thread(work: Callable[[], int]) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def take_over(other: MailOutbox, later: Later, send: Callable[[], int]) -> int:
    """The other dispatcher's rounds once the lease has run out, and once the grace is over."""
    later.ahead = LEASE + timedelta(seconds=1)
    sent = send()
    later.ahead = LEASE + RECLAIM_GRACE + timedelta(seconds=2)
    return sent + send()


def sent_events(outbox: MailOutbox, key: str) -> int:
    return outbox._mails.database["events"].count_documents(
        {"type": "notify.message_sent", "data.message_id": key}
    )


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_a_store_fault_after_smtp_took_the_mail_does_not_send_it_again(infra, store, unique, how):
    settings = NotifySettings.from_env()
    first, other, later = outboxes(settings)
    taken, untried = f"taken-{unique}@example.se", f"untried-{unique}@example.se"
    keys = [queue(first, taken), queue(first, untried)]
    outage = Outage(store, how)

    holder, outcome = run_in_thread(
        lambda: dispatch(first, TakenThen(settings, outage.begin), settings.mail_from)
    )
    outage.wait_until_back()
    holder.join(60)
    taken_over = take_over(other, later, lambda: dispatch(other, SmtpSender(settings), settings.mail_from))

    assert len(mails_to(infra.mail_url, taken)) == 1, "sent twice: its mark was lost to the store fault"
    assert len(mails_to(infra.mail_url, untried)) == 1
    assert outcome == [1], "the holder waits for the store, records the mail it sent, sends no other"
    assert taken_over == 1  # the one the holder put back untried
    assert {m["status"] for m in first._mails.find({"_id": {"$in": keys}})} == {"sent"}
    assert [sent_events(first, key) for key in keys] == [1, 1]


def test_a_text_the_gateway_took_before_a_store_fault_is_not_sent_again(infra, store, gateway, unique):
    settings = NotifySettings.from_env()
    first, other, later = outboxes(settings)
    number = f"070-{int(unique, 16) % 10**7:07d}"
    key = queue(first, number, channel="sms")
    outage = Outage(store, "SIGTERM")

    holder, outcome = run_in_thread(
        lambda: dispatch(
            first, SmtpSender(settings), settings.mail_from, sms=TextTakenThen(settings, outage.begin)
        )
    )
    outage.wait_until_back()
    holder.join(60)
    sms, smtp = SmsGateway(settings), SmtpSender(settings)
    taken_over = take_over(other, later, lambda: dispatch(other, smtp, settings.mail_from, sms=sms))
    assert len(gateway.to(number)) == 1, "sent twice: its mark was lost to the store fault"
    assert outcome == [1] and taken_over == 0
    assert first._mails.find_one({"_id": key})["status"] == "sent" and sent_events(first, key) == 1


def test_an_expired_lease_is_taken_over_only_after_its_holder_had_the_time_to_record(infra, store, unique):
    """The lease runs out while its holder waits out a long store outage: the other
    dispatcher holds off for RECLAIM_GRACE after the store is back, and the holder's mark
    lands within it."""
    settings = NotifySettings.from_env()
    first, other, later = outboxes(settings)
    key = queue(first, f"slow-{unique}@example.se")
    [leased] = first.lease(10)
    later.ahead = LEASE + timedelta(seconds=1)
    assert other.lease(10) == []
    first.mark_sent(leased)
    later.ahead = LEASE + RECLAIM_GRACE + timedelta(seconds=2)
    assert other.lease(10) == []
    assert first._mails.find_one({"_id": key})["status"] == "sent"


def test_a_dispatcher_killed_between_smtp_and_the_mark_is_followed_by_a_resend_with_the_same_message_id(
    infra, store, unique
):
    """What cannot be made exactly once: the process dies after the server took the mail,
    before the mark. The mail goes again once the lease is taken over, with the same
    Message-ID (a mail client shows it once)."""
    settings = NotifySettings.from_env()
    first, other, later = outboxes(settings)
    address = f"killed-{unique}@example.se"
    queue(first, address)
    [leased] = first.lease(10)
    SmtpSender(settings).send(to_message(leased, settings.mail_from))  # and then it was killed

    assert take_over(other, later, lambda: dispatch(other, SmtpSender(settings), settings.mail_from)) == 1
    copies = mails_to(infra.mail_url, address)
    assert len(copies) == 2
    assert copies[0]["message_id"] == copies[1]["message_id"] == leased["message_id_header"]


def test_a_stop_ends_the_wait_for_the_mark(infra, store, unique):
    """SIGTERM while the store is away: the dispatcher stops waiting (Stopped) and the
    mail is resent, once its lease is taken over, as after a crash."""
    settings = NotifySettings.from_env()
    first, _, _ = outboxes(settings)
    key = queue(first, f"stopped-{unique}@example.se")
    stop = threading.Event()
    holder, outcome = run_in_thread(
        lambda: dispatch(first, TakenThen(settings, store.stop), settings.mail_from, stop=stop)
    )
    time.sleep(1.5)
    assert holder.is_alive(), "it waits for the store"
    asked = time.monotonic()
    stop.set()
    holder.join(10)
    assert not holder.is_alive() and time.monotonic() - asked < 3
    assert len(outcome) == 1 and isinstance(outcome[0], Stopped)
    store.start()
    assert first._mails.find_one({"_id": key})["status"] == "sending"


def test_a_mark_whose_round_died_before_its_sent_event_is_logged_by_the_next_round_once(infra, store, unique):
    settings = NotifySettings.from_env()
    first, other, _ = outboxes(settings)
    key = queue(first, f"logged-{unique}@example.se")
    [leased] = first.lease(10)
    first.mark_sent(leased)  # and then the dispatcher was killed, before its round's log
    first.mark_sent(leased)  # (or marked it again after a lost answer: no matter)
    assert sent_events(first, key) == 0
    assert dispatch(other, SmtpSender(settings), settings.mail_from) == 0
    other.log_sent()
    assert sent_events(first, key) == 1
    [event] = first._mails.database["events"].find({"type": "notify.message_sent", "data.message_id": key})
    assert event["data"]["attempts"] == 1 and event["data"]["reference"] == "BUS-2026-ONCE01"
    assert len(mails_to(infra.mail_url, f"logged-{unique}@example.se")) == 0  # it was marked, never resent
