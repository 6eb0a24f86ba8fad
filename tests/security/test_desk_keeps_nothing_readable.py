"""Finding 3 of issue 16, business_desk's side, against the real processes: the reasons
of extensions, closings and reopenings were in clear in the case events and history
lines, and every value of the case read model (contact, company, description, answers,
notes) stayed readable in the store's replication log after erasure. Now business_desk
writes nothing of the applicant in clear, neither before nor after the erasure: its
collections, the oplog entries of its database, the topics it publishes and its
processes' log lines hold none of their values, in clear or as any hash that survives
the erasure (the erasure audit's search)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date, timedelta

import pytest
import requests
from kafka import KafkaConsumer
from pymongo import MongoClient

from kernel.platform.settings import REPO_ROOT
from tests.e2e.conftest import case_by_reference, wait_for
from tests.security.applicant import submit_inquiry
from tests.security.erasure_audit import Search, keys_derived_from, master_key_of, needles

pytestmark = pytest.mark.e2e
SERVICE = "business_desk"


def readable(stack, values: dict[str, str], service: str = SERVICE) -> list[str]:
    """Where the service (business_desk unless told) wrote any of the values: its database's
    documents and their oplog entries, its topics' messages and its processes' log lines."""
    env = stack.env()
    keys = keys_derived_from(master_key_of(env), [REPO_ROOT / "services", REPO_ROOT / "libs"])
    keys["SECRET_KEY"] = env["SECRET_KEY"].encode()
    search = Search(needles(values, keys))
    database = f"{env['MONGODB_DATABASE_PREFIX']}{service}"
    with MongoClient(env["MONGODB_URI"]) as client:
        names = client[database].list_collection_names()
        assert "events" in names
        for name in names:
            for doc in client[database][name].find():
                search.value(doc, f"mongo {database}.{name}")
        for entry in client.local["oplog.rs"].find({"ns": {"$regex": f"^{database}\\."}}):
            search.value(entry, f"oplog {entry['ns']}")
    prefix = f"{env['KAFKA_TOPIC_PREFIX']}{service}."
    consumer = KafkaConsumer(
        bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    topics = [t for t in consumer.topics() if t.startswith(prefix)]
    assert topics, f"{service} published nothing"
    consumer.subscribe(topics)
    for record in consumer:
        search.bytes(record.value, f"kafka {record.topic}@{record.offset}")
    consumer.close()
    for log in stack.service_logs(service):  # one log per process: service, its relay, consumer, ...
        for number, line in enumerate(log.read_text("utf-8", "replace").splitlines(), start=1):
            search.text(line, f"log {log.name}:{number}")
    return sorted({f"{f.what} in {f.where}" for f in search.findings})


@pytest.fixture(scope="module")
def worked(stack, tokens) -> dict[str, str]:
    """A case worked through every step that takes a free text, decided and closed."""
    run = uuid.uuid4().hex[:8]
    values = {
        "email": f"greta.{run}@example.se",
        "name": f"Greta Glömsk {run}",
        "phone": f"070-{run[:3].translate(str.maketrans('abcdef', '123456'))} 66 77",
        "company": f"Glömska {run} AB",
        "description": f"Uteservering vid kajen {run}.",
        "message": f"Skicka planritningen över kajen {run}.",
        "reply": f"Planritningen skickas med posten {run}.",
        "note": f"Ringde Greta om kajen {run}.",
        "extension": f"Polisens yttrande om kajen dröjer {run}.",
        "delay": f"Länsstyrelsen har kajen på remiss {run}.",
        "answer": f"Serveringstillstånd vid kajen beviljas {run}.",
        "closing": f"Beslutet om kajen har vunnit laga kraft {run}.",
    }
    reference = submit_inquiry(stack.url("intake"), values)["reference"]
    auth = tokens.header("case_handler", "business_desk")
    case = wait_for(lambda: case_by_reference(stack, reference, auth), 20, "the case")
    url = f"{stack.url('business_desk')}/api/v1/cases/{case['id']}"
    later = (date.today() + timedelta(days=60)).isoformat()
    for step, body in [
        ("claim", None),
        ("completion-request", {"message": values["message"]}),
        ("applicant-reply", {"reply": values["reply"]}),
        ("notes", {"note": values["note"]}),
        ("extension", {"reason": values["extension"]}),
        ("delay-notice", {"reason": values["delay"], "expected_by": later}),
        ("decision", {"outcome": "granted", "answer": values["answer"]}),
        ("close", {"reason": values["closing"]}),
    ]:
        response = requests.post(f"{url}/{step}", json=body, headers=auth, timeout=10)
        assert response.status_code == 200, (step, response.text)
    shown = case_by_reference(stack, reference, auth)
    assert (
        shown["closed"]["reason"] == values["closing"] and shown["extension"]["reason"] == values["extension"]
    )
    assert (
        shown["contact"]["email"] == values["email"] and shown["history"][-1]["detail"] == values["closing"]
    )
    return {**values, "reference": reference}


def test_business_desk_keeps_the_applicants_values_sealed_at_rest(stack, worked):
    """Before any erasure, nothing of the applicant is in clear in what business_desk wrote."""
    values = {k: v for k, v in worked.items() if k != "reference"}
    assert readable(stack, values) == []


def test_after_erasure_nothing_of_the_applicant_is_readable_in_what_business_desk_wrote(
    stack, tokens, worked
):
    env = {**stack.env(), "RETENTION_DAYS": "0"}
    erased = subprocess.run(
        [sys.executable, "-m", "business_desk.retention", "--once"],
        env={**os.environ, **env},
        capture_output=True,
        timeout=60,
    )
    assert erased.returncode == 0, erased.stderr.decode()
    case = case_by_reference(stack, worked["reference"], tokens.header("case_handler", "business_desk"))
    assert case["personal_erased_on"] and case["contact"] is None and case["closed"]["reason"] is None
    assert all(h["detail"] is None for h in case["history"])
    values = {k: v for k, v in worked.items() if k != "reference"}
    assert readable(stack, values) == []
