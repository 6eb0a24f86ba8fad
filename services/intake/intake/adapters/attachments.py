"""Files an applicant sends with an answer: checked (type by the file's own first bytes,
size, virus scan) and kept in MongoDB GridFS next to the inquiry, by the kernel's one
helper for files people send (kernel.web.uploads), which business_desk's documents to the
applicant use too."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pymongo.database import Database

from kernel.web.uploads import (
    KINDS,
    MAX_NAME_CHARS,
    Checked,
    CommandScanner,
    FileStore,
    NoScanner,
    Rejected,
    Scanner,
    Upload,
    scanner_for,
    sniff,
)
from kernel.web.uploads import check as check_files

__all__ = [
    "KINDS",
    "MAX_FILES",
    "MAX_NAME_CHARS",
    "AttachmentStore",
    "Checked",
    "CommandScanner",
    "NoScanner",
    "Rejected",
    "Scanner",
    "Upload",
    "check",
    "scanner_for",
    "sniff",
]

MAX_FILES = 5


def check(uploads: list[Upload], max_bytes: int, scanner: Scanner) -> list[Checked]:
    return check_files(uploads, max_bytes, scanner, MAX_FILES)


# the name every file is stored under (AttachmentStore.put)
STORED_NAME = "attachment"


class AttachmentStore(FileStore):
    def __init__(self, db: Database) -> None:
        super().__init__(db, "attachments", "inquiry_id")

    def put(self, owner_id: str, file: Checked, **metadata: Any) -> str:
        """Stores the file under a name that says nothing: the applicant's own name for it
        may name a person, and a name written in clear here would outlive the erasure in
        the database's replication log. Its name travels sealed, in the event naming it."""
        return super().put(owner_id, replace(file, filename=STORED_NAME), **metadata)
