"""Files people send through a page (an applicant's answer in intake, a handler's
documents to the applicant in business_desk), checked one way for every service: the type
by the file's own first bytes (and its name agreeing), the size limited, scanned for viruses
when a scanner is configured; kept in MongoDB GridFS, each file under the id of what owns it
(an inquiry, a case), so a file asked for under another owner's id is not found.

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
from pymongo.client_session import ClientSession
from pymongo.database import Database

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


class FileStore:
    """Checked files in a GridFS bucket, each under its owner's id (`metadata.<owner_key>`)."""

    def __init__(self, db: Database, bucket_name: str, owner_key: str) -> None:
        self._bucket = gridfs.GridFSBucket(db, bucket_name=bucket_name)
        self._files = db[f"{bucket_name}.files"]
        self._chunks = db[f"{bucket_name}.chunks"]
        self._owner_key = owner_key

    def put(self, owner_id: str, file: Checked, **metadata: Any) -> str:
        file_id = self._bucket.upload_from_stream(
            file.filename,
            file.data,
            metadata={
                self._owner_key: owner_id,
                "content_type": file.content_type,
                "sha256": file.sha256,
                "scan": file.scan,
                **metadata,
            },
        )
        return str(file_id)

    def get(self, owner_id: str, file_id: str, **metadata: Any) -> tuple[dict[str, Any], bytes] | None:
        """The file's description and content, if it belongs to that owner (and has the
        metadata given)."""
        try:
            oid = ObjectId(file_id)
        except (InvalidId, TypeError):
            return None
        query = {"_id": oid, f"metadata.{self._owner_key}": owner_id}
        query.update({f"metadata.{key}": value for key, value in metadata.items()})
        doc = self._files.find_one(query)
        if doc is None:
            return None
        return doc, self._bucket.open_download_stream(oid).read()

    def describe(self, owner_id: str, file_id: str) -> dict[str, Any] | None:
        """The file's description (no content), if it belongs to that owner."""
        try:
            oid = ObjectId(file_id)
        except (InvalidId, TypeError):
            return None
        return self._files.find_one({"_id": oid, f"metadata.{self._owner_key}": owner_id})

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
    """FileStore's fake for unit tests: the same calls, in a dict."""

    def __init__(self, owner_key: str) -> None:
        self._owner_key = owner_key
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}

    def put(self, owner_id: str, file: Checked, **metadata: Any) -> str:
        file_id = str(ObjectId())
        meta = {self._owner_key: owner_id, "content_type": file.content_type, "sha256": file.sha256}
        doc = {"_id": file_id, "filename": file.filename, "length": len(file.data)}
        self.files[file_id] = ({**doc, "metadata": {**meta, "scan": file.scan, **metadata}}, file.data)
        return file_id

    def get(self, owner_id: str, file_id: str, **metadata: Any) -> tuple[dict[str, Any], bytes] | None:
        found = self.files.get(file_id)
        if found is None or found[0]["metadata"][self._owner_key] != owner_id:
            return None
        if any(found[0]["metadata"].get(key) != value for key, value in metadata.items()):
            return None
        return found

    def describe(self, owner_id: str, file_id: str) -> dict[str, Any] | None:
        found = self.get(owner_id, file_id)
        return found[0] if found else None

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
