"""Files an applicant sends with an answer: checked (type by the file's own first bytes,
size, virus scan) and kept in MongoDB GridFS next to the inquiry, by the kernel's one
helper for files people send (kernel.web.uploads), which business_desk's documents to the
applicant use too."""

from __future__ import annotations

from pymongo.database import Database

from kernel.privacy.personal import PersonalData
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


class AttachmentStore(FileStore):
    """An inquiry's files, sealed with its contact's key (`put(..., subject_id=...)`)."""

    def __init__(self, db: Database, personal: PersonalData) -> None:
        super().__init__(db, "attachments", "inquiry_id", personal)
