"""The case documents at rest. What the applicant wrote or is named by (company, contact,
description, the free texts of the history, notes, answers and reasons, the files' names)
is stored sealed with the applicant's own data key (kernel.privacy.personal), in two parts: a small
`summary` the queues and exports open, and the `detail` only a case page opens. Destroying
the key makes every copy unreadable: the document, each earlier write of it in the store's
replication log, and every backup. Everything else (dates, phases, clocks, who handled it,
the search tokens, see the README) stays in clear for the queues' sort and filters.

The rest of business_desk sees only opened documents: `seal` on the way in, `open_doc`
on the way out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kernel.privacy.personal import PersonalData, SubjectErased

SUMMARY = ("company", "organisation_number", "contact")
SUMMARY_FIELD, DETAIL_FIELD = "sealed_summary", "sealed_detail"


def _detail(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": doc.get("description"),
        "waiting_for": doc.get("waiting_for"),
        "answer": (doc.get("decision") or {}).get("answer"),
        "extension": (doc.get("extension") or {}).get("reason"),
        "closed": (doc.get("closed") or {}).get("reason"),
        "delays": [n.get("reason") for n in doc["delay_notices"]],
        "notes": [n.get("note") for n in doc["notes"]],
        "history": [
            [h.get("detail"), h.get("attachments") or [], h.get("documents") or []] for h in doc["history"]
        ],
        # the handler's documents for the applicant (names, sha256), as the files are sealed
        "decision_documents": (doc.get("decision") or {}).get("documents") or [],
    }


def _without(part: dict[str, Any] | None, key: str) -> dict[str, Any] | None:
    return None if part is None else {k: v for k, v in part.items() if k != key}


def _stripped(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with its personal values taken out."""
    skip = {*SUMMARY, "description", "waiting_for"}
    out = {k: v for k, v in doc.items() if k not in skip}
    out.update(
        decision=_without(_without(doc.get("decision"), "answer"), "documents"),
        extension=_without(doc.get("extension"), "reason"),
        closed=_without(doc.get("closed"), "reason"),
        delay_notices=[_without(n, "reason") for n in doc["delay_notices"]],
        notes=[_without(n, "note") for n in doc["notes"]],
        history=[
            {k: v for k, v in h.items() if k not in ("detail", "attachments", "documents")}
            for h in doc["history"]
        ],
    )
    return out


class CaseSealing:
    def __init__(self, personal: PersonalData) -> None:
        self._personal = personal

    def seal(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The document as stored. A subject erased (its key destroyed) has nothing to seal:
        its personal values are gone already, and are stored as nothing."""
        stored = _stripped(doc)
        stored[SUMMARY_FIELD] = stored[DETAIL_FIELD] = None
        if doc.get("personal_erased_on") is None:
            try:
                stored[SUMMARY_FIELD] = self._personal.seal(
                    doc["subject_id"], {k: doc.get(k) for k in SUMMARY}
                )
                stored[DETAIL_FIELD] = self._personal.seal(doc["subject_id"], _detail(doc))
            except SubjectErased:
                stored[SUMMARY_FIELD] = stored[DETAIL_FIELD] = None
        return stored

    def prefetch_for_writing(self, docs: Iterable[dict[str, Any]]) -> None:
        """The keys to seal many documents with, in one round trip (a rebuild)."""
        self._personal.vault.prefetch(d["subject_id"] for d in docs if d.get("personal_erased_on") is None)

    def prefetch(self, docs: Iterable[dict[str, Any]]) -> None:
        """The keys of many documents' subjects in one round trip (a page of a queue)."""
        self._personal.vault.prefetch(d["subject_id"] for d in docs if d.get(SUMMARY_FIELD))

    def open_doc(self, stored: dict[str, Any], detail: bool = True) -> dict[str, Any]:
        """The document as read, its personal values None once erased. Without `detail`,
        only the summary is opened (and the document must have been read without it)."""
        doc = {k: v for k, v in stored.items() if k not in (SUMMARY_FIELD, DETAIL_FIELD)}
        summary = self._open(doc["subject_id"], stored.get(SUMMARY_FIELD)) or {}
        doc.update({k: summary.get(k) for k in SUMMARY})
        if not detail:
            return doc
        opened = self._open(doc["subject_id"], stored.get(DETAIL_FIELD)) or {}
        doc["description"], doc["waiting_for"] = opened.get("description"), opened.get("waiting_for")
        for part, key, value in (
            ("decision", "answer", opened.get("answer")),
            ("extension", "reason", opened.get("extension")),
            ("closed", "reason", opened.get("closed")),
        ):
            if doc.get(part) is not None:
                doc[part] = {**doc[part], key: value}
        if doc.get("decision") is not None:  # documents stored in clear before sealing read as they are
            doc["decision"]["documents"] = opened.get(
                "decision_documents", doc["decision"].get("documents", [])
            )
        doc["delay_notices"] = [
            {**n, "reason": r}
            for n, r in zip(
                doc["delay_notices"], _padded(opened.get("delays"), doc["delay_notices"]), strict=True
            )
        ]
        doc["notes"] = [
            {**n, "note": t}
            for n, t in zip(doc["notes"], _padded(opened.get("notes"), doc["notes"]), strict=True)
        ]
        history = _padded(opened.get("history"), doc["history"], [None, [], []])
        doc["history"] = [
            {
                **h,
                "detail": kept[0],
                "attachments": kept[1],
                "documents": kept[2] if len(kept) > 2 else h.get("documents", []),
            }
            for h, kept in zip(doc["history"], history, strict=True)
        ]
        return doc

    def _open(self, subject_id: str, sealed: str | None) -> dict[str, Any] | None:
        return self._personal.open(subject_id, sealed) if sealed else None


def _padded(values: list | None, like: list, blank: Any = None) -> list:
    """The opened values, or blanks when there are none (erased)."""
    return list(values) if values is not None and len(values) == len(like) else [blank] * len(like)
