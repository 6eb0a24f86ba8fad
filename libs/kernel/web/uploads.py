"""Files people send through a page (an applicant's answer in intake, a handler's
documents to the applicant in business_desk), checked one way for every service: the type
by the file's own first bytes (and its name agreeing), the size limited, scanned for viruses
when a scanner is configured; kept in MongoDB GridFS, each file under the id of what owns it
(an inquiry, a case), so a file asked for under another owner's id is not found.

Each file is sealed with its data subject's key (kernel.privacy.personal, the applicant's):
its content, its name and its sha256, so erasing the subject leaves nothing readable of it
even in MongoDB's oplog; GridFS's own `filename` is a neutral word. In clear stay what
queries need: the owner's and the subject's ids, the content type, the size, the scan's
result. A file of an erased subject reads as gone (None). Files stored in clear before
sealing (no `metadata.sealed`) are read as they are.

A refusal is `Rejected` with a message key (`attachment.type`, `attachment.too_large`, ...):
each service says it in the page's language from its own catalogue."""

from __future__ import annotations

import hashlib
import logging
import shlex
import subprocess
from dataclasses import dataclass
from typing import Any, Protocol

import gridfs
from bson import ObjectId
from bson.errors import InvalidId
from gridfs.errors import NoFile
from pymongo.client_session import ClientSession
from pymongo.database import Database

from kernel.privacy.personal import InMemoryKeyVault, PersonalData
from kernel.web.fields import SINGLE_LINE_FORBIDDEN, without_control

log = logging.getLogger(__name__)

# A file's name is free text its sender chose: one line, no control characters (pages, the
# history and the download's header show it), of a name's usual length.
MAX_NAME_CHARS = 255
# content type -> (the bytes a file of that type starts with, the file name endings allowed)
KINDS: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04", (".docx",)),
}
# the message keys a refusal may carry (each service's catalogue has them)
REFUSALS = (
    "attachment.too_many",
    "attachment.name",
    "attachment.too_large",
    "attachment.empty",
    "attachment.type",
    "attachment.infected",
    "attachment.scan_failed",
)


class Rejected(ValueError):
    """A file that is not accepted; the message key says why (for the sender's language)."""

    def __init__(self, key: str, filename: str) -> None:
        super().__init__(key)
        self.key, self.filename = key, filename


def sniff(filename: str, head: bytes) -> str:
    """The file's content type, from its first bytes and its name agreeing."""
    name = filename.lower()
    for content_type, (magic, endings) in KINDS.items():
        if head.startswith(magic) and name.endswith(endings):
            return content_type
    raise Rejected("attachment.type", filename)


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    filename: str
    content_type: str
    data: bytes
    sha256: str
    scan: str  # "clean", or "not_scanned" when no scanner is configured

    def described(self, file_id: str) -> dict[str, Any]:
        """What an event says of the file once stored: never its bytes."""
        return {
            "attachment_id": file_id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": len(self.data),
            "sha256": self.sha256,
            "scan": self.scan,
        }


class Scanner(Protocol):
    def scan(self, data: bytes) -> str:
        """'clean', or raise Rejected('attachment.infected')."""
        ...


class NoScanner:
    def scan(self, data: bytes) -> str:
        return "not_scanned"


class CommandScanner:
    """Runs a virus scanner that reads the file on standard input and exits 0 when it is
    clean and 1 when it found something (ClamAV's `clamdscan --no-summary -` does)."""

    def __init__(self, command: str, timeout_s: float = 60.0) -> None:
        self._argv = shlex.split(command)
        self._timeout_s = timeout_s

    def scan(self, data: bytes) -> str:
        result = subprocess.run(
            self._argv, input=data, capture_output=True, timeout=self._timeout_s, check=False
        )
        if result.returncode == 0:
            return "clean"
        if result.returncode == 1:
            raise Rejected("attachment.infected", "")
        log.error("virus scanner failed (exit %s): %s", result.returncode, result.stderr[:500])
        raise Rejected("attachment.scan_failed", "")


def scanner_for(command: str) -> Scanner:
    return CommandScanner(command) if command.strip() else NoScanner()


def check(uploads: list[Upload], max_bytes: int, scanner: Scanner, max_files: int) -> list[Checked]:
    """Every file accepted, or Rejected for the first one that is not (named)."""
    if len(uploads) > max_files:
        raise Rejected("attachment.too_many", "")
    checked = []
    for upload in uploads:
        if len(upload.filename) > MAX_NAME_CHARS or SINGLE_LINE_FORBIDDEN.search(upload.filename):
            raise Rejected("attachment.name", without_control(upload.filename)[:MAX_NAME_CHARS])
        if len(upload.data) > max_bytes:
            raise Rejected("attachment.too_large", upload.filename)
        if not upload.data:
            raise Rejected("attachment.empty", upload.filename)
        content_type = sniff(upload.filename, upload.data[:16])
        try:
            scan = scanner.scan(upload.data)
        except Rejected as rejected:
            raise Rejected(rejected.key, upload.filename) from None
        digest = hashlib.sha256(upload.data).hexdigest()
        checked.append(Checked(upload.filename, content_type, upload.data, digest, scan))
    return checked


# GridFS's `filename` of a sealed file: the real name is in the sealed part
NEUTRAL_NAME = "file"


class _Sealing:
    """How a file's description and content are sealed and opened, for both stores."""

    def __init__(self, owner_key: str, personal: PersonalData) -> None:
        self._owner_key = owner_key
        self._personal = personal

    def metadata(
        self, owner_id: str, subject_id: str, file: Checked, extra: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            self._owner_key: owner_id,
            "subject_id": subject_id,
            "sealed": True,
            "personal": self._personal.seal(subject_id, {"filename": file.filename, "sha256": file.sha256}),
            "content_type": file.content_type,
            "size": len(file.data),
            "scan": file.scan,
            **extra,
        }

    def content(self, subject_id: str, file: Checked) -> bytes:
        return self._personal.seal_bytes(subject_id, file.data)

    def opened(self, doc: dict[str, Any] | None) -> dict[str, Any] | None:
        """The file's description as it was sent (its name, length and sha256), None once
        its subject was erased; a file stored in clear before sealing as it is."""
        if doc is None or not doc.get("metadata", {}).get("sealed"):
            return doc
        meta = dict(doc["metadata"])
        personal = self._personal.open(meta["subject_id"], meta.pop("personal"))
        if personal is None:
            return None
        meta["sha256"] = personal["sha256"]
        return {**doc, "filename": personal["filename"], "length": meta["size"], "metadata": meta}

    def opened_content(self, doc: dict[str, Any], stored: bytes) -> bytes | None:
        if not doc["metadata"].get("sealed"):
            return stored
        return self._personal.open_bytes(doc["metadata"]["subject_id"], stored)


class FileStore:
    """Checked files in a GridFS bucket, each under its owner's id (`metadata.<owner_key>`),
    sealed with its data subject's key (`put(..., subject_id=...)`)."""

    def __init__(self, db: Database, bucket_name: str, owner_key: str, personal: PersonalData) -> None:
        self._bucket = gridfs.GridFSBucket(db, bucket_name=bucket_name)
        self._files = db[f"{bucket_name}.files"]
        self._chunks = db[f"{bucket_name}.chunks"]
        self._owner_key = owner_key
        self._sealing = _Sealing(owner_key, personal)

    def put(self, owner_id: str, file: Checked, *, subject_id: str, **metadata: Any) -> str:
        """Store the file sealed with the key of `subject_id` (the person it is about: the
        inquiry's or the case's subject); erasing that subject makes it unreadable."""
        file_id = self._bucket.upload_from_stream(
            NEUTRAL_NAME,
            self._sealing.content(subject_id, file),
            metadata=self._sealing.metadata(owner_id, subject_id, file, metadata),
        )
        return str(file_id)

    def get(self, owner_id: str, file_id: str, **metadata: Any) -> tuple[dict[str, Any], bytes] | None:
        """The file's description and content, if it belongs to that owner (and has the
        metadata given); None for an erased subject's file."""
        try:
            oid = ObjectId(file_id)
        except (InvalidId, TypeError):
            return None
        query = {"_id": oid, f"metadata.{self._owner_key}": owner_id}
        query.update({f"metadata.{key}": value for key, value in metadata.items()})
        stored = self._files.find_one(query)
        doc = self._sealing.opened(stored)
        if stored is None or doc is None:
            return None
        try:
            data = self._sealing.opened_content(stored, self._bucket.open_download_stream(oid).read())
        except NoFile:  # erased meanwhile
            return None
        return None if data is None else (doc, data)

    def describe(self, owner_id: str, file_id: str) -> dict[str, Any] | None:
        """The file's description (no content), if it belongs to that owner; None for an
        erased subject's file."""
        try:
            oid = ObjectId(file_id)
        except (InvalidId, TypeError):
            return None
        return self._sealing.opened(
            self._files.find_one({"_id": oid, f"metadata.{self._owner_key}": owner_id})
        )

    def mark(self, file_ids: list[str], **metadata: Any) -> None:
        """Set metadata on stored files (a pending upload become part of a record)."""
        oids = [ObjectId(f) for f in file_ids]
        if oids:
            values = {f"metadata.{key}": value for key, value in metadata.items()}
            self._files.update_many({"_id": {"$in": oids}}, {"$set": values})

    def delete_for(self, owner_id: str, session: ClientSession | None = None) -> int:
        """Erase an owner's files (personal data retention)."""
        found = self._files.find({f"metadata.{self._owner_key}": owner_id}, {"_id": 1}, session=session)
        ids = [doc["_id"] for doc in found]
        self._delete(ids, session)
        return len(ids)

    def count_for(self, owner_id: str) -> int:
        return self._files.count_documents({f"metadata.{self._owner_key}": owner_id})

    def delete(self, file_ids: list[str]) -> None:
        """Remove files stored for something that was then not recorded."""
        self._delete([ObjectId(a) for a in file_ids], None)

    def _delete(self, ids: list[ObjectId], session: ClientSession | None) -> None:
        # GridFS's own delete refuses a transaction: its two collections directly, files first
        if ids:
            self._files.delete_many({"_id": {"$in": ids}}, session=session)
            self._chunks.delete_many({"files_id": {"$in": ids}}, session=session)


class MemoryFileStore:
    """FileStore's fake for unit tests: the same calls, in a dict, sealed the same way
    (`files` holds what FileStore would write)."""

    def __init__(self, owner_key: str, personal: PersonalData | None = None) -> None:
        self._owner_key = owner_key
        self.personal = personal or PersonalData(InMemoryKeyVault())
        self._sealing = _Sealing(owner_key, self.personal)
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}

    def put(self, owner_id: str, file: Checked, *, subject_id: str, **metadata: Any) -> str:
        file_id = str(ObjectId())
        sealed = self._sealing.content(subject_id, file)
        meta = self._sealing.metadata(owner_id, subject_id, file, metadata)
        self.files[file_id] = (
            {"_id": file_id, "filename": NEUTRAL_NAME, "length": len(sealed), "metadata": meta},
            sealed,
        )
        return file_id

    def get(self, owner_id: str, file_id: str, **metadata: Any) -> tuple[dict[str, Any], bytes] | None:
        found = self.files.get(file_id)
        if found is None or found[0]["metadata"][self._owner_key] != owner_id:
            return None
        if any(found[0]["metadata"].get(key) != value for key, value in metadata.items()):
            return None
        doc = self._sealing.opened(found[0])
        data = self._sealing.opened_content(found[0], found[1]) if doc is not None else None
        return None if doc is None or data is None else (doc, data)

    def describe(self, owner_id: str, file_id: str) -> dict[str, Any] | None:
        found = self.files.get(file_id)
        if found is None or found[0]["metadata"][self._owner_key] != owner_id:
            return None
        return self._sealing.opened(found[0])

    def mark(self, file_ids: list[str], **metadata: Any) -> None:
        for file_id in file_ids:
            self.files[file_id][0]["metadata"].update(metadata)

    def delete_for(self, owner_id: str, session: ClientSession | None = None) -> int:
        ids = [i for i, (doc, _) in self.files.items() if doc["metadata"][self._owner_key] == owner_id]
        self.delete(ids)
        return len(ids)

    def count_for(self, owner_id: str) -> int:
        return sum(1 for doc, _ in self.files.values() if doc["metadata"][self._owner_key] == owner_id)

    def delete(self, file_ids: list[str]) -> None:
        for file_id in file_ids:
            self.files.pop(file_id, None)
