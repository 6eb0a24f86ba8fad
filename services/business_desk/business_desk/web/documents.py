"""Documents a handler attaches for the applicant, to a request for completion or to a
decision: checked as intake checks an applicant's files (kernel.web.uploads: the type by
the file's first bytes, the size, the virus scan), kept in business_desk's GridFS bucket
`documents` under the case's id, and described (never their bytes) in the event.

A decision is previewed before it is recorded: its files are stored at the preview as
*pending* uploads of the case, and the confirm form names them by id; only a pending file
of the same case is taken (another case's id, or one already sent, is ignored). The
applicant downloads them through intake, which fetches them from this service's API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Request

from business_desk.bootstrap import Deps
from kernel.web.uploads import Checked, Rejected, Upload, check

MAX_DOCUMENTS = 5
PENDING, SENT = "pending", "sent"


def uploads_of(request: Request, name: str = "documents") -> list[Upload]:
    return [Upload(f.filename or "file", f.read()) for f in request.files.getlist(name) if f and f.filename]


def checked(d: Deps, uploads: list[Upload], already: int = 0) -> list[Checked]:
    """Raises Rejected (kernel.web.uploads), naming the file."""
    if len(uploads) + already > MAX_DOCUMENTS:
        raise Rejected("attachment.too_many", "")
    return check(uploads, d.settings.document_max_bytes, d.scanner, MAX_DOCUMENTS)


def store(d: Deps, case_id: str, files: list[Checked], uploaded_by: str) -> list[dict[str, Any]]:
    """Each file kept as a pending upload of the case, sealed with the key of the case's
    data subject (the applicant); their descriptions for the event."""
    assert d.documents is not None, "documents need the service's database"
    if not files:
        return []
    case = d.cases.get(case_id)
    assert case is not None, f"no case {case_id}"
    return [
        file.described(
            d.documents.put(
                case_id, file, subject_id=case["subject_id"], state=PENDING, uploaded_by=uploaded_by
            )
        )
        for file in files
    ]


def pending(d: Deps, case_id: str, ids: list[str]) -> list[dict[str, Any]]:
    """The pending uploads of this case the form names, described; others are left out."""
    if d.documents is None:
        return []
    found = []
    for file_id in dict.fromkeys(ids):
        doc = d.documents.describe(case_id, file_id)
        if doc is not None and doc["metadata"].get("state") == PENDING:
            found.append(_described(doc))
    return found[:MAX_DOCUMENTS]


def sent(d: Deps, documents: list[dict[str, Any]]) -> None:
    """Recorded in an event: no longer pending (a later form cannot send them again)."""
    if d.documents is not None and documents:
        d.documents.mark([doc["attachment_id"] for doc in documents], state=SENT)


def discard(d: Deps, documents: list[dict[str, Any]]) -> None:
    """Stored for a step that was then not recorded."""
    if d.documents is not None and documents:
        d.documents.delete([doc["attachment_id"] for doc in documents])


def download(d: Deps, case_id: str, file_id: str) -> tuple[bytes, str, str] | None:
    """A sent document of the case: its bytes, content type and Content-Disposition; None
    for another case's id, a pending upload, or an erased one."""
    if d.documents is None:
        return None
    found = d.documents.get(case_id, file_id, state=SENT)
    if found is None:
        return None
    meta, data = found
    return data, meta["metadata"]["content_type"], f"attachment; filename*=UTF-8''{quote(meta['filename'])}"


def _described(doc: dict[str, Any]) -> dict[str, Any]:
    meta = doc["metadata"]
    return {
        "attachment_id": str(doc["_id"]),
        "filename": doc["filename"],
        "content_type": meta["content_type"],
        "size": doc["length"],
        "sha256": meta["sha256"],
        "scan": meta["scan"],
    }
