"""The one check of files people send (kernel.web.uploads), as intake's answers and
business_desk's documents for the applicant both use it."""

from __future__ import annotations

import pytest

from kernel.web.uploads import MemoryFileStore, NoScanner, Rejected, Upload, check

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
    file_id = store.put("case-1", file, state="pending")
    assert store.get("case-2", file_id) is None
    assert store.get("case-1", file_id, state="sent") is None
    store.mark([file_id], state="sent")
    assert store.get("case-1", file_id, state="sent")[1] == PDF  # type: ignore[index]
    assert store.delete_for("case-1") == 1 and store.get("case-1", file_id) is None
