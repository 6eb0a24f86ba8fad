"""Who read or changed which record, when: reads of case files are recorded, not only
writes (the events already say who changed what)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import has_request_context, request
from pymongo import DESCENDING
from pymongo.database import Database

from kernel.web.auth import Principal
from kernel.web.paging import Page, PageRequest, SortKey, mongo_page

AUDIT_ORDER = SortKey.of(("at", -1), ("_id", 1))  # newest first; entries of one instant by id


class AuditLog:
    def __init__(self, db: Database, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._entries = db["audit_log"]
        self._clock = clock

    def ensure_schema(self) -> None:
        self._entries.create_index([("record_id", 1), ("at", DESCENDING), ("_id", 1)])

    def record(self, principal: Principal, action: str, record_type: str, record_id: str) -> None:
        in_request = has_request_context()
        self._entries.insert_one(
            {
                "at": self._clock(),
                "action": action,
                "record_type": record_type,
                "record_id": record_id,
                "actor": principal.actor_id,  # who: issuer and subject
                "subject": principal.subject,
                "name": principal.name,  # for showing
                "roles": sorted(principal.roles),
                "address": request.remote_addr if in_request else None,
                "via": f"{request.method} {request.path}" if in_request else None,
            }
        )

    def for_record(self, record_id: str, page: PageRequest) -> Page[dict[str, Any]]:
        """One page of the record's entries, newest first."""
        return mongo_page(self._entries, {"record_id": record_id}, AUDIT_ORDER, page)
