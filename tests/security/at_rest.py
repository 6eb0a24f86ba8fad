"""What one service wrote, searched for an applicant's values (the erasure audit's search,
tests.security.erasure_audit), and the erasure run now: the shared part of the
test_<service>_keeps_nothing_readable tests."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from kafka import KafkaConsumer
from pymongo import MongoClient

from devstack.stack import Stack
from kernel.platform.settings import REPO_ROOT
from tests.security.erasure_audit import Search, keys_derived_from, master_key_of, needles


def readable(stack: Stack, values: dict[str, str], service: str, stored: str | None = "events") -> list[str]:
    """Where the service wrote any of the values (in their written forms, in clear or as any
    digest or HMAC under a key that survives erasure): its database's documents and their
    oplog entries, its topics' messages and its processes' log lines. `stored`: a
    collection its database must have (so that an empty search proves something)."""
    env = stack.env()
    keys = keys_derived_from(master_key_of(env), [REPO_ROOT / "services", REPO_ROOT / "libs"])
    keys["SECRET_KEY"] = env["SECRET_KEY"].encode()
    search = Search(needles(values, keys))
    database = f"{env['MONGODB_DATABASE_PREFIX']}{service}"
    with MongoClient(env["MONGODB_URI"]) as client:
        names = client[database].list_collection_names()
        assert stored is None or stored in names, (service, names)
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


def erase_now(stack: Stack) -> None:
    """business_desk's retention job once, keeping nothing: every decided case's applicant
    is erased (and the erasure reaches intake and notify through the topics)."""
    env = {**os.environ, **stack.env(), "RETENTION_DAYS": "0"}
    erased = subprocess.run(
        [sys.executable, "-m", "kernel.platform.run", "business_desk", "retention", "--once"],
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert erased.returncode == 0, erased.stderr.decode()


def file_values(run: str, label: str, name: str) -> tuple[dict[str, str], bytes]:
    """A PDF of the applicant's story, unique to the run: the values the audit must not find
    of it once erased (its name, a marker inside its content, its sha256) and its bytes."""
    marker = f"{label.upper().replace(' ', '-')}-MARKER-{run}"
    content = b"%PDF-1.4\n% " + marker.encode() + b"\n%%EOF\n"
    values = {
        f"{label} name": name,
        f"{label} content marker": marker,
        f"{label} sha256": hashlib.sha256(content).hexdigest(),
    }
    return values, content
