"""Dependencies go away under the real processes and come back, and nobody has to act.

On a store of its own (SecantusDB on disk, its own port), stopped cleanly and then killed,
and restarted on the same storage path each time; then the broker (noida-db) and the
SMTP server. Throughout, intake's web process, intake's relay, notify's consumer (and
its dispatcher) and business_desk's deadline job keep running: each /readyz says 503 and
which dependency is away while it is, 200 once it is back; each logs one line per change
and no traceback; what arrived meanwhile is processed once, and a submission made during
a store outage gets 503 + Retry-After within 2 s (a page in the applicant's language,
JSON on the API), then 201 again."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from conftest import inquiry_form
from devstack.infra import Infra
from devstack.stack import Stack
from intake.settings import IntakeSettings
from notify.settings import NotifySettings
from tests.e2e.conftest import mails_to, wait_for
from tests.faults.processes import Process

pytestmark = pytest.mark.faults

WORKERS = ("intake_relay", "notify_consumer", "business_desk_deadlines")

INQUIRY = inquiry_form(
    company="Kafé Avbrottet AB", contact_name="Eva Ek", phone="08-123 456 78", case_type="outdoor_seating"
)


@dataclass
class System:
    infra: Infra
    web: Process
    workers: dict[str, Process]
    env: dict[str, str]

    @property
    def intake(self) -> str:
        return f"http://127.0.0.1:{self.web.web_port}"

    @property
    def everyone(self) -> list[Process]:
        return [self.web, *self.workers.values()]

    def submit(self, email: str) -> tuple[requests.Response, float]:
        started = time.monotonic()
        inquiry = {**INQUIRY, "email": email}
        response = requests.post(f"{self.intake}/api/v1/inquiries", json=inquiry, timeout=30)
        return response, time.monotonic() - started


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    root = tmp_path_factory.mktemp("outages")
    infra = Infra(root / "infra")  # its own store on disk, broker, SMTP sink, OpenID provider
    assert not infra.external, "the fault tests start their own servers"
    infra.start()
    stack = Stack(root / "stack", infra=infra, owns_infra=False)
    env = {
        **stack.env(),
        "DEADLINES_INTERVAL_S": "1",
        "RATE_LIMIT_SUBMIT": "10000/minute",
        "RATE_LIMIT_ADDRESS": "100000/minute",
    }
    logs = root / "logs"
    web = Process("intake", env, logs / "intake.log", web_port=stack.ports["intake"])
    workers = {name: Process(name, env, logs / f"{name}.log") for name in WORKERS}
    processes = [web, *workers.values()]
    here = pytest.MonkeyPatch()  # the test itself seals events and reads notify's outbox
    for name in ("MONGODB_URI", "KAFKA_BOOTSTRAP_SERVERS", "DATA_MASTER_KEY_FILE"):
        here.setenv(name, env[name])
    here.delenv("DATA_MASTER_KEY", raising=False)
    here.delenv("MONGODB_DATABASE_PREFIX", raising=False)
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_ready(90)
        yield System(infra, web, workers, env)
        for process in processes:
            assert process.alive, f"{process.name} exited:\n{process.log()[-3000:]}"
    finally:
        for process in processes:
            process.stop()
        infra.stop()
        here.undo()


def wait_readyz(processes: list[Process], status: int, away: str | None, timeout_s: float = 30) -> None:
    """Until every process answers /readyz with `status` (and names `away` as failing)."""

    def all_say_so() -> bool:
        for process in processes:
            assert process.alive, f"{process.name} exited:\n{process.log()[-3000:]}"
            code, body = process.readyz()
            if code != status:
                return False
            if away is not None and not body["checks"].get(away, "").startswith("failing"):
                return False
        return True

    wait_for(all_say_so, timeout_s, f"/readyz {status}" + (f" with {away} away" if away else ""))


def sealed_inquiry_events(count: int) -> tuple[list[bytes], list[str]]:
    """Inquiries as intake's relay publishes them (personal data sealed with new subjects'
    keys, made now while the store is up), and the contact address of each."""
    from kernel.eventsourcing.contracts import golden_example
    from kernel.eventsourcing.envelope import Envelope
    from kernel.platform.connections import mongo_client, personal_data

    settings = IntakeSettings.from_env()
    client = mongo_client(settings)
    personal = personal_data(settings, client)
    events, addresses = [], []
    for _ in range(count):
        raw = golden_example("intake.inquiry_submitted")
        inquiry_id = str(uuid.uuid4())
        address = f"meanwhile-{uuid.uuid4().hex[:8]}@example.se"
        raw.update(event_id=str(uuid.uuid4()), stream_id=f"inquiry-{inquiry_id}")
        raw["data"].update(
            inquiry_id=inquiry_id,
            subject_id=str(uuid.uuid4()),
            reference=f"BUS-2026-M{uuid.uuid4().hex[:5].upper()}",
        )
        raw["data"]["personal"]["contact"]["email"] = address
        events.append(personal.seal_event(Envelope.from_dict(raw)).to_json())
        addresses.append(address)
    client.close()
    return events, addresses


def publish(system: System, topic: str, values: list[bytes]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=system.infra.kafka_bootstrap, acks="all")
    for value in values:
        producer.send(topic, value=value)
    producer.flush(timeout=30)
    producer.close()


def one_mail_each(system: System, addresses: list[str], timeout_s: float = 90) -> None:
    for address in addresses:
        wait_for(lambda a=address: mails_to(system.infra.mail_url, a), timeout_s, f"the mail to {address}")
    time.sleep(2)  # a duplicate would come within a dispatch round or two
    assert [len(mails_to(system.infra.mail_url, a)) for a in addresses] == [1] * len(addresses)


def assert_page_in(system: System, language: str, title: str) -> None:
    """The form, posted while the store is away: a 503 page in the applicant's language."""
    from conftest import csrf_token

    browser = requests.Session()
    browser.headers["Accept-Language"] = language
    form = browser.get(f"{system.intake}/", timeout=10)
    assert form.status_code == 200  # the form itself needs no store
    fields = {**INQUIRY, "email": "page@example.se", "language": language, "notify_by": "email"}
    started = time.monotonic()
    page = browser.post(f"{system.intake}/", data={**fields, "csrf_token": csrf_token(form.text)}, timeout=30)
    took = time.monotonic() - started
    assert page.status_code == 503 and took < 2.0, (page.status_code, took)
    assert int(page.headers["Retry-After"]) > 0 and page.headers["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}">' in page.text and title in page.text


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_every_process_rides_through_a_store_outage_and_a_submission_meanwhile_gets_503(system, how):
    unreachable_before = {p.name: len(p.lines("store unreachable")) for p in system.everyone}
    back_before = {p.name: len(p.lines("store back after")) for p in system.workers.values()}
    deadlines = system.workers["business_desk_deadlines"]
    rounds_before = deadlines.metric("job_rounds_total", job="business_desk-deadlines", outcome="done")
    response, _ = system.submit(f"before-{uuid.uuid4().hex[:8]}@example.se")
    assert response.status_code == 201
    meanwhile, addresses = sealed_inquiry_events(3)

    store = system.infra.processes["mongo"]
    store.stop() if how == "SIGTERM" else store.kill()
    outage_started = time.monotonic()
    try:
        publish(system, system.env.get("KAFKA_TOPIC_PREFIX", "") + "intake.inquiry.v1", meanwhile)
        for _ in range(3):
            response, took = system.submit(f"during-{uuid.uuid4().hex[:8]}@example.se")
            assert response.status_code == 503 and took < 2.0, (response.status_code, took, response.text)
            assert int(response.headers["Retry-After"]) > 0
            body = response.json()  # the API's error shape
            assert body["code"] == 503 and body["status"] == "Service Unavailable" and body["message"]
        assert_page_in(system, "sv", "Tjänsten är tillfälligt otillgänglig")
        assert_page_in(system, "en", "The service is temporarily unavailable")
        wait_readyz(system.everyone, 503, away="store")
        time.sleep(max(0.0, 8 - (time.monotonic() - outage_started)))  # an outage of 8 s or more
        assert all(p.alive for p in system.everyone)
    finally:
        store.start()

    wait_readyz(system.everyone, 200, away=None, timeout_s=60)
    back, _ = system.submit(f"after-{uuid.uuid4().hex[:8]}@example.se")
    assert back.status_code == 201, back.text
    one_mail_each(system, addresses)  # consumed while the store was away, processed once after
    wait_for(
        lambda: (
            deadlines.metric("job_rounds_total", job="business_desk-deadlines", outcome="done")
            > rounds_before + 1
        ),
        30,
        "the deadline job's rounds to go on",
    )
    for process in system.workers.values():
        assert len(process.lines("store unreachable")) == unreachable_before[process.name] + 1, process.name
        assert len(process.lines("store back after")) == back_before[process.name] + 1, process.name
        assert not process.lines("Traceback|round failed|dead-lettering"), process.log()[-3000:]
    # the web process: one line per gunicorn worker at most (each worker is a process)
    assert 1 <= len(system.web.lines("store unreachable")) - unreachable_before["intake"] <= 2
    assert not system.web.lines("Traceback")


def test_a_relay_and_a_consumer_ride_through_a_broker_outage(system):
    relay, consumer = system.workers["intake_relay"], system.workers["notify_consumer"]
    before = {p.name: len(p.lines("broker unreachable")) for p in (relay, consumer)}
    broker = system.infra.processes["kafka"]
    broker.stop()
    try:
        addresses = [f"broker-{uuid.uuid4().hex[:8]}@example.se" for _ in range(3)]
        for address in addresses:
            response, _ = system.submit(address)  # the store is the system of record: accepted
            assert response.status_code == 201
        wait_readyz([relay, consumer], 503, away="broker")
        time.sleep(3)
        assert relay.alive and consumer.alive
    finally:
        broker.start()
    wait_readyz([relay, consumer], 200, away=None, timeout_s=60)
    one_mail_each(system, addresses, timeout_s=120)
    for process in (relay, consumer):
        assert len(process.lines("broker unreachable")) == before[process.name] + 1, process.name
        assert process.lines("broker back after"), process.name
        assert not process.lines("Traceback"), process.log()[-3000:]


def test_notifys_dispatcher_rides_through_an_smtp_outage_and_spends_no_attempt(system):
    consumer = system.workers["notify_consumer"]
    before = len(consumer.lines("smtp unreachable"))
    system.infra.stop_server("smtp")
    try:
        addresses = [f"smtp-{uuid.uuid4().hex[:8]}@example.se" for _ in range(3)]
        for address in addresses:
            response, _ = system.submit(address)
            assert response.status_code == 201
        wait_readyz([consumer], 503, away="smtp", timeout_s=60)
        time.sleep(3)
        mails = queued_mails(system, addresses)
        assert [(m["status"], m["attempts"]) for m in mails] == [("queued", 0)] * len(addresses)
    finally:
        system.infra.start_server("smtp")
    wait_readyz([consumer], 200, away=None, timeout_s=60)
    one_mail_each(system, addresses)
    assert len(consumer.lines("smtp unreachable")) == before + 1
    assert consumer.lines("smtp back after")
    assert not consumer.lines("Traceback")


def queued_mails(system: System, addresses: list[str]) -> list[dict]:
    """notify's outbox records of the mails to these addresses (opened to find them)."""
    from kernel.platform.connections import mongo_client, personal_data
    from kernel.web.paging import PageRequest
    from notify.readmodels.deliveries import Deliveries

    settings = NotifySettings.from_env()
    client = mongo_client(settings)
    try:
        deliveries = Deliveries(client[settings.database], personal_data(settings, client))
        recent = deliveries.recent({}, None, PageRequest(limit=200)).items
        found = [m for m in recent if m.get("to") in addresses]
    finally:
        client.close()
    return sorted(found, key=lambda m: addresses.index(m["to"]))


def test_the_readyz_bodies_say_which_dependency_is_away(system):
    """What an operator reads (the README's table): every check by name, 'ok' or why not."""
    for process in system.everyone:
        status, body = process.readyz()
        assert status == 200 and body["status"] == "ready", (process.name, body)
        assert body["checks"].get("store") == "ok", (process.name, body)
    for name in ("intake_relay", "notify_consumer"):
        assert system.workers[name].readyz()[1]["checks"].get("broker") == "ok"
    json.dumps([p.readyz()[1] for p in system.everyone])  # plain JSON
