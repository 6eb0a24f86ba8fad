"""Crypto-shredding's key vault and seals, on the real MongoDB-protocol store."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.exceptions import InvalidTag

from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.platform.connections import mongo_client
from kernel.privacy.personal import (
    KeyVault,
    PersonalData,
    SubjectErased,
    UnknownSubject,
    master_key_from_env,
    new_master_key,
)

pytestmark = pytest.mark.integration
SUBJECT = "5b0e1c3e-8d0f-4b7a-9a53-2f6d7f0c9e11"


@pytest.fixture
def vault_collection(settings_for):
    settings = settings_for("kernel_personal")
    return mongo_client(settings)[settings.keyvault_database]["subject_keys"]


def test_sealed_data_opens_with_the_subjects_key_and_not_after_erasure(vault_collection):
    codec = PersonalData(KeyVault(vault_collection, master_key_from_env()))
    sealed = codec.seal(SUBJECT, {"name": "Anna Berg"})
    assert "Anna" not in sealed and codec.open(SUBJECT, sealed) == {"name": "Anna Berg"}
    stored = vault_collection.find_one({"_id": SUBJECT})
    assert len(stored["wrapped"]) > 32 and "key" not in stored  # kept wrapped by the master key
    codec.vault.erase(SUBJECT, "test")
    assert codec.open(SUBJECT, sealed) is None
    with pytest.raises(SubjectErased):
        codec.seal(SUBJECT, {"name": "again"})
    tombstone = vault_collection.find_one({"_id": SUBJECT})
    assert set(tombstone) == {"_id", "erased_at", "reason"}


def test_another_process_sees_the_erasure_at_once_when_the_erasure_event_reaches_it(vault_collection):
    master = master_key_from_env()
    writer = PersonalData(KeyVault(vault_collection, master))
    reader = PersonalData(KeyVault(vault_collection, master, cache_ttl_s=3600))
    event = Envelope.from_dict(golden_example("intake.inquiry_submitted", personal=writer))
    assert reader.open_event(event).data["personal"]["company"] == "Kafé Solsidan AB"  # now cached
    writer.vault.erase(event.data["subject_id"], "retention")
    erased = Envelope.from_dict(golden_example("business_desk.personal_data_erased"))
    reader.open_event(erased)
    assert reader.open_event(event).data["personal"] is None


def test_only_the_right_master_key_and_untouched_seals_open(vault_collection):
    codec = PersonalData(KeyVault(vault_collection, master_key_from_env()))
    sealed = codec.seal(SUBJECT, {"x": 1})
    other = PersonalData(KeyVault(vault_collection, __import__("base64").urlsafe_b64decode(new_master_key())))
    with pytest.raises(InvalidTag):
        other.open(SUBJECT, sealed)
    with pytest.raises(InvalidTag):
        codec.open(SUBJECT, sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1])  # a changed byte
    with pytest.raises(InvalidTag):  # a seal moved to another subject does not open
        codec.seal("6c1f2d4f-9e10-4c8b-8b64-3a7e8a1d0f22", {"y": 2})
        codec.open("6c1f2d4f-9e10-4c8b-8b64-3a7e8a1d0f22", sealed)
    with pytest.raises(UnknownSubject):
        codec.open("7d2a3e5a-0f21-4d9c-9c75-4b8f9b2e1a33", sealed)


def test_writers_racing_for_a_new_subject_share_one_key(vault_collection):
    master = master_key_from_env()
    codecs = [PersonalData(KeyVault(vault_collection, master)) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        seals = list(pool.map(lambda c: c.seal(SUBJECT, {"n": id(c)}), codecs))
    assert [json.dumps(codecs[0].open(SUBJECT, s)) for s in seals] == [
        json.dumps({"n": id(c)}) for c in codecs
    ]


def test_the_master_key_comes_from_the_environment_or_a_mounted_file(monkeypatch, tmp_path):
    key = new_master_key()
    monkeypatch.delenv("DATA_MASTER_KEY", raising=False)
    (tmp_path / "key").write_text(key + "\n")
    monkeypatch.setenv("DATA_MASTER_KEY_FILE", str(tmp_path / "key"))
    assert len(master_key_from_env()) == 32
    monkeypatch.delenv("DATA_MASTER_KEY_FILE")
    with pytest.raises(RuntimeError, match="must be set"):
        master_key_from_env()
    monkeypatch.setenv("DATA_MASTER_KEY", "c2hvcnQ")
    with pytest.raises(RuntimeError, match="32 bytes"):
        master_key_from_env()


def test_imported_streams_are_sealed_with_keys_made_in_bulk_and_a_replay_opens_them(
    vault_collection, settings_for
):
    from kernel.eventsourcing.mongo_store import MongoEventStore

    settings = settings_for("kernel_import")
    codec = PersonalData(KeyVault(vault_collection, master_key_from_env()))
    store = MongoEventStore(mongo_client(settings)[settings.database], personal=codec)
    store.ensure_schema()
    events = []
    for n in range(3):
        raw = golden_example("business_desk.case_opened")
        raw["event_id"] = f"00000000-0000-4000-8000-{n:012d}"
        raw["stream_id"] = f"case-{n}"
        raw["version"] = 1
        raw["data"]["subject_id"] = f"00000000-0000-4000-9000-{n:012d}"
        events.append(Envelope.from_dict(raw))
    assert store.import_events(events, batch_size=2) == 3
    stored = list(store._events.find().sort("position", 1))
    assert [d["position"] for d in stored] == [1, 2, 3] and "Anna" not in json.dumps(stored, default=str)
    codec.vault.erase(events[1].data["subject_id"], "test")
    opened = list(store.read_all())
    assert [e.data["personal"] is None for e in opened] == [False, True, False]
    assert opened[0].data["personal"]["contact"]["name"] == "Anna Berg"


def test_a_subject_hash_matches_only_its_subjects_value_and_dies_with_the_key(vault_collection):
    codec = PersonalData(KeyVault(vault_collection, master_key_from_env()))
    other = "0c6f3a52-2f4e-4b7e-8f0a-7b9f3d1e2a44"
    codec.seal(SUBJECT, {"personnummer": "201203152002"})
    codec.seal(other, {"personnummer": "201203152002"})
    digest = codec.subject_hash(SUBJECT, "201203152002")
    assert digest == codec.subject_hash(SUBJECT, "201203152002") and len(digest) == 64
    assert "201203152002" not in digest and digest != codec.subject_hash(SUBJECT, "201203152003")
    assert digest != codec.subject_hash(other, "201203152002")  # the same value, another subject
    with pytest.raises(UnknownSubject):
        codec.subject_hash("9d1f0b6e-0000-4000-8000-000000000000", "201203152002")
    codec.vault.erase(SUBJECT, "test")
    assert codec.subject_hash(SUBJECT, "201203152002") is None
