"""Inquiries: what a business owner submits. Pure logic, no I/O."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from kernel.casetypes import Catalogue
from kernel.envelope import NewEvent

INQUIRY_SUBMITTED = "intake.inquiry_submitted"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread


@dataclass(frozen=True)
class SubmitInquiry:
    organisation_number: str  # already validated and in its compact form
    organisation_country: str  # SE or DK
    company: str
    contact_name: str
    email: str
    phone: str
    case_type: str
    description: str
    language: str


@dataclass(frozen=True)
class Submitted:
    inquiry_id: str
    stream_id: str
    reference: str
    tracking_token: str
    events: list[NewEvent]


def stream_id_for(inquiry_id: str) -> str:
    return f"inquiry-{inquiry_id}"


def new_reference(now: datetime) -> str:
    suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"BUS-{now.year}-{suffix}"


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def submit_inquiry(
    command: SubmitInquiry,
    catalogue: Catalogue,
    now: datetime,
    reference: str | None = None,
    tracking_token: str | None = None,
) -> Submitted:
    case_type = catalogue.get(command.case_type)
    received_on = now.date()
    promised = catalogue.calendar.due_date(received_on, case_type.target)
    inquiry_id = str(uuid.uuid4())
    subject_id = str(uuid.uuid4())  # the contact person: their data is sealed with its own key
    reference = reference or new_reference(now)
    tracking_token = tracking_token or new_tracking_token()
    event = NewEvent(
        INQUIRY_SUBMITTED,
        {
            "inquiry_id": inquiry_id,
            "reference": reference,
            "organisation_country": command.organisation_country,
            "case_type": case_type.id,
            "language": command.language,
            "received_on": received_on.isoformat(),
            "promised_answer_by": promised.isoformat(),
            "subject_id": subject_id,
            "personal": {
                "organisation_number": command.organisation_number,
                "company": command.company,
                "contact": {"name": command.contact_name, "email": command.email, "phone": command.phone},
                "description": command.description,
                "tracking_token": tracking_token,
            },
        },
        schema_version=2,
    )
    return Submitted(inquiry_id, stream_id_for(inquiry_id), reference, tracking_token, [event])
