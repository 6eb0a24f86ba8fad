"""The erasure audit's scanner finds what is there: a value planted in a document that
was deleted again (so only the store's oplog still has it), in a Kafka message and in a
log line, in clear, hashed, escaped or inside a base64 token; and it finds nothing of a
value that was never written."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from urllib.parse import quote

import pytest
from kafka import KafkaProducer

from kernel.platform.settings import REPO_ROOT
from tests.security.erasure_audit import (
    Search,
    keys_derived_from,
    needles,
    scan_logs,
    scan_store,
    scan_topics,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def run() -> str:
    return uuid.uuid4().hex[:10]


def test_a_value_only_the_oplog_still_has_is_found(infra, mongo, run):
    email = f"planted-{run}@example.se"
    collection = mongo[f"audit_{run}"]["things"]
    collection.insert_one({"_id": 1, "nested": [{"deep": {"contact": email.upper()}}]})
    collection.delete_one({"_id": 1})
    assert collection.find_one({"_id": 1}) is None
    search = Search(needles({"email": email}, {}))
    assert scan_store(search, mongo) > 0
    places = {f.where.split(" ")[1] for f in search.findings}
    assert "local.oplog.rs" in places, search.findings


def test_a_hash_the_code_computes_with_a_derived_key_and_a_truncated_digest_are_found(mongo, run):
    personnummer, phone = "194001019999", "070-111 22 33"
    master = hashlib.sha256(run.encode()).digest()
    keys = keys_derived_from(master, [REPO_ROOT / "services", REPO_ROOT / "libs"])
    assert "vouchers.citizen_key" in keys  # read from the code, not listed here
    citizen_key = hmac.new(keys["vouchers.citizen_key"], personnummer.encode(), hashlib.sha256).hexdigest()
    mongo[f"audit_{run}"]["hashes"].insert_many(
        [
            {"_id": "hmac", "key": citizen_key},
            {"_id": "sha", "digest": hashlib.sha256(b"0701112233").hexdigest()[:32]},
            {"_id": "bytes", "raw": personnummer.encode()},
        ]
    )
    search = Search(needles({"personnummer": personnummer, "phone": phone}, keys))
    scan_store(search, mongo)
    mine = {
        (f.where.split(" _id=")[1].split(" ")[0], f.what)
        for f in search.findings
        if f.where.startswith(f"mongo audit_{run}.hashes ")
    }
    assert ("'hmac'", "hmac-sha256[vouchers.citizen_key](personnummer)") in mine
    assert ("'sha'", "sha256(phone)") in mine
    assert ("'bytes'", "personnummer") in mine


def test_a_value_in_a_kafka_message_is_found_in_the_raw_bytes(infra, run):
    name = f"Åsa Plantesson {run}"
    topic = f"audit-{run}"
    producer = KafkaProducer(bootstrap_servers=infra.env()["KAFKA_BOOTSTRAP_SERVERS"])
    payload = json.dumps({"data": {"who": name}}, ensure_ascii=True).encode()  # "\u00c5sa ..."
    producer.send(topic, key=b"k", value=payload).get(timeout=10)
    producer.close()
    search = Search(needles({"name": name}, {}))
    assert scan_topics(search, infra.env()["KAFKA_BOOTSTRAP_SERVERS"]) > 0
    assert any(f.where.startswith(f"kafka {topic}[") and f.what == "name" for f in search.findings), (
        search.findings
    )


def test_a_value_in_a_log_is_found_escaped_or_inside_a_token(tmp_path, run):
    email, personnummer = f"logged-{run}@example.se", "201203152002"
    claims = base64.urlsafe_b64encode(json.dumps({"personnummer": personnummer}).encode()).rstrip(b"=")
    log = tmp_path / "services.log"
    log.write_text(
        "10:00:01 web.1 | GET /health 200\n"
        f"10:00:02 web.1 | GET /find?email={quote(email)} 200\n"
        f"10:00:03 web.1 | Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.{claims.decode()}.c2ln\n",
        encoding="utf-8",
    )
    search = Search(needles({"email": email, "personnummer": personnummer}, {}))
    assert scan_logs(search, [log]) == 3
    assert {(f.where.split(" ")[1], f.what) for f in search.findings} == {
        ("services.log:2", "email"),
        ("services.log:3", "personnummer"),
    }


def test_a_value_never_written_is_not_found(infra, mongo, tmp_path, run):
    log = tmp_path / "clean.log"
    log.write_text("nothing of anybody here\n", encoding="utf-8")
    search = Search(needles({"email": f"never-{run}@example.se", "name": f"Ingen Alls {run}"}, {}))
    scan_store(search, mongo)
    scan_topics(search, infra.env()["KAFKA_BOOTSTRAP_SERVERS"])
    scan_logs(search, [log])
    assert search.findings == []
