"""FileStore on the real MongoDB-protocol store: what GridFS holds of a file is sealed with
its subject's key, read back as it was sent, and gone once the subject is erased; a file
stored in clear before sealing is still read."""

from __future__ import annotations

import gridfs
import pytest

from kernel.platform.connections import mongo_client
from kernel.privacy.personal import KeyVault, PersonalData, master_key_from_env
from kernel.web.uploads import NEUTRAL_NAME, FileStore, NoScanner, Upload, check

pytestmark = pytest.mark.integration
PDF = b"%PDF-1.7\nFILESTORE-MARKER-0815\n"


@pytest.fixture
def db(settings_for):
    settings = settings_for("kernel_file_store")
    client = mongo_client(settings)
    yield (
        client[settings.database],
        PersonalData(KeyVault(client[settings.keyvault_database]["subject_keys"], master_key_from_env())),
    )


def test_gridfs_holds_nothing_readable_and_the_owner_reads_it_until_erasure(db):
    database, personal = db
    store = FileStore(database, "sealtest", "case_id", personal)
    [file] = check([Upload("Erik Lunds intyg.pdf", PDF)], 1000, NoScanner(), 1)
    file_id = store.put("case-1", file, subject_id="subject-fs-1", state="sent")
    stored = database["sealtest.files"].find_one({"metadata.case_id": "case-1"})
    chunks = b"".join(c["data"] for c in database["sealtest.chunks"].find({"files_id": stored["_id"]}))
    assert stored["filename"] == NEUTRAL_NAME and b"FILESTORE-MARKER" not in chunks
    assert "Erik" not in repr(stored) and file.sha256 not in repr(stored)
    doc, data = store.get("case-1", file_id, state="sent")  # type: ignore[misc]
    assert data == PDF and doc["filename"] == "Erik Lunds intyg.pdf" and doc["length"] == len(PDF)
    assert doc["metadata"]["sha256"] == file.sha256
    assert store.get("case-2", file_id) is None
    personal.vault.erase("subject-fs-1", "test")
    assert store.get("case-1", file_id) is None and store.describe("case-1", file_id) is None


def test_a_file_stored_in_clear_before_sealing_is_still_read(db):
    database, personal = db
    meta = {"case_id": "case-old", "content_type": "application/pdf", "sha256": "ab", "scan": "clean"}
    oid = gridfs.GridFSBucket(database, bucket_name="sealtest").upload_from_stream(
        "gammal.pdf", PDF, metadata=meta
    )
    store = FileStore(database, "sealtest", "case_id", personal)
    doc, data = store.get("case-old", str(oid))  # type: ignore[misc]
    assert data == PDF and doc["filename"] == "gammal.pdf" and doc["metadata"]["sha256"] == "ab"
    assert store.describe("case-old", str(oid))["length"] == len(PDF)  # type: ignore[index]
