"""The one check of files people send (kernel.web.uploads), as intake's answers and
business_desk's documents for the applicant both use it."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from kernel.privacy.personal import InMemoryKeyVault, PersonalData
from kernel.web.uploads import NEUTRAL_NAME, MemoryFileStore, NoScanner, Rejected, Upload, check

PDF = b"%PDF-1.7\n..."


class Infected:
    def scan(self, data: bytes) -> str:
        raise Rejected("attachment.infected", "")


def refusal(uploads: list[Upload], max_bytes: int = 100, scanner=None, max_files: int = 2) -> tuple[str, str]:
    with pytest.raises(Rejected) as refused:
        check(uploads, max_bytes, scanner or NoScanner(), max_files)
    return refused.value.key, refused.value.filename


def test_a_pdf_is_accepted_described_without_its_bytes():
    [file] = check([Upload("Ritning.PDF", PDF)], 100, NoScanner(), 2)
    assert (file.content_type, file.scan) == ("application/pdf", "not_scanned")
    described = file.described("0" * 24)
    assert described["size"] == len(PDF) and described["filename"] == "Ritning.PDF"
    assert PDF not in described.values()


@pytest.mark.parametrize(
    ("uploads", "why"),
    [
        ([Upload("a.pdf", PDF)] * 3, ("attachment.too_many", "")),
        ([Upload("a.pdf", PDF * 20)], ("attachment.too_large", "a.pdf")),
        ([Upload("a.pdf", b"")], ("attachment.empty", "a.pdf")),
        ([Upload("a.exe.pdf", b"MZ\x90\x00")], ("attachment.type", "a.exe.pdf")),  # the bytes decide
        ([Upload("a.png", PDF)], ("attachment.type", "a.png")),  # and the name must agree
        ([Upload("a\nb.pdf", PDF)], ("attachment.name", "ab.pdf")),
        ([Upload("x" * 300 + ".pdf", PDF)], ("attachment.name", "x" * 255)),
    ],
)
def test_what_is_refused_names_the_file(uploads, why):
    assert refusal(uploads) == why


def test_the_scanner_refuses_an_infected_file_by_name():
    assert refusal([Upload("a.pdf", PDF)], scanner=Infected()) == ("attachment.infected", "a.pdf")


def test_a_file_is_found_only_under_its_owner_and_with_its_metadata():
    store = MemoryFileStore("case_id")
    [file] = check([Upload("a.pdf", PDF)], 100, NoScanner(), 2)
    file_id = store.put("case-1", file, subject_id="subject-1", state="pending")
    assert store.get("case-2", file_id) is None
    assert store.get("case-1", file_id, state="sent") is None
    store.mark([file_id], state="sent")
    assert store.get("case-1", file_id, state="sent")[1] == PDF  # type: ignore[index]
    assert store.delete_for("case-1") == 1 and store.get("case-1", file_id) is None


def test_seal_bytes_opens_with_the_subjects_key_and_not_after_erasure():
    personal = PersonalData(InMemoryKeyVault())
    sealed = personal.seal_bytes("subject-1", PDF + b"MARKER-4711")
    assert b"MARKER-4711" not in sealed and isinstance(sealed, bytes)
    assert personal.open_bytes("subject-1", sealed) == PDF + b"MARKER-4711"
    personal.vault.key_for_writing("subject-2")
    with pytest.raises(InvalidTag):  # another subject's key does not open it
        personal.open_bytes("subject-2", sealed)
    personal.vault.erase("subject-1", "test")
    assert personal.open_bytes("subject-1", sealed) is None


def test_a_stored_file_keeps_its_content_name_and_sha256_sealed_and_reads_as_gone_once_erased():
    store = MemoryFileStore("case_id")
    [file] = check([Upload("Anna Bergs ritning.pdf", PDF + b"MARKER-4711")], 100, NoScanner(), 2)
    file_id = store.put("case-1", file, subject_id="subject-1", state="sent")
    stored, data = store.files[file_id]
    clear = repr(stored) + repr(data)
    assert "Anna" not in clear and "MARKER-4711" not in clear and file.sha256 not in clear
    assert stored["filename"] == NEUTRAL_NAME and stored["metadata"]["size"] == len(file.data)
    doc, opened = store.get("case-1", file_id)  # type: ignore[misc]
    assert opened == file.data and doc["filename"] == "Anna Bergs ritning.pdf"
    assert doc["metadata"]["sha256"] == file.sha256 and doc["length"] == len(file.data)
    assert "personal" not in doc["metadata"]
    assert store.describe("case-1", file_id)["filename"] == "Anna Bergs ritning.pdf"  # type: ignore[index]
    store.personal.vault.erase("subject-1", "test")
    assert store.get("case-1", file_id) is None and store.describe("case-1", file_id) is None


def test_a_file_stored_in_clear_before_sealing_is_still_read():
    store = MemoryFileStore("case_id")
    meta = {"case_id": "case-1", "content_type": "application/pdf", "sha256": "ab", "scan": "clean"}
    store.files["old"] = ({"_id": "old", "filename": "gammal.pdf", "length": len(PDF), "metadata": meta}, PDF)
    doc, data = store.get("case-1", "old")  # type: ignore[misc]
    assert data == PDF and doc["filename"] == "gammal.pdf" and doc["metadata"]["sha256"] == "ab"
