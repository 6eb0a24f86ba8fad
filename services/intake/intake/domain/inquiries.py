"""Inquiries: what a business owner submits. Pure logic, no I/O."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from catalogue.casetypes import Catalogue
from kernel.eventsourcing.envelope import Envelope, NewEvent

INQUIRY_SUBMITTED = "intake.inquiry_submitted"
TRACKING_LINK_REPLACED = "intake.tracking_link_replaced"
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
    notify_by: str = "email"  # email, sms or email_and_sms


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
    """`<handle>.<secret>`: found by its random handle, checked by its secret (tracking.link_lookup)."""
    return f"{secrets.token_hex(12)}.{secrets.token_urlsafe(24)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def submit_inquiry(
    command: SubmitInquiry,
    catalogue: Catalogue,
    now: datetime,
    reference: str | None = None,
    tracking_token: str | None = None,
    inquiry_id: str | None = None,
) -> Submitted:
    """`inquiry_id`: the one a form sent twice names again (its submission id), so the
    second is refused by the store as the same stream; by default a new one."""
    case_type = catalogue.get(command.case_type)
    received_on = now.date()
    promised = catalogue.calendar.due_date(received_on, case_type.target)
    inquiry_id = inquiry_id or str(uuid.uuid4())
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
            "notify_by": command.notify_by,
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


class LinkNotReplaceable(Exception):
    """The inquiry's tracking link cannot be replaced (its personal data was erased)."""


@dataclass
class Inquiry:
    inquiry_id: str = ""
    reference: str = ""
    subject_id: str = ""
    personal_erased: bool = False

    @classmethod
    def from_history(cls, events: list[Envelope]) -> Inquiry:
        inquiry = cls()
        for event in events:
            if event.type == INQUIRY_SUBMITTED:
                data = event.data
                inquiry.inquiry_id, inquiry.reference = data["inquiry_id"], data["reference"]
                inquiry.subject_id = data["subject_id"]
                inquiry.personal_erased = data["personal"] is None
        return inquiry


def replace_tracking_link(inquiry: Inquiry, requested_by: str, token: str) -> list[NewEvent]:
    """Revoke the tracking link and issue a new one, which only goes to the contact's
    email: whoever holds a leaked link does not get the new one."""
    if not inquiry.inquiry_id:
        raise LookupError("no such inquiry")
    if inquiry.personal_erased:
        raise LinkNotReplaceable("the case's personal data was erased: there is nobody to send a link to")
    return [
        NewEvent(
            TRACKING_LINK_REPLACED,
            {
                "inquiry_id": inquiry.inquiry_id,
                "reference": inquiry.reference,
                "requested_by": requested_by,
                "subject_id": inquiry.subject_id,
                "personal": {"tracking_token": token},
            },
        )
    ]


COMPLETION_ANSWERED = "intake.completion_answered"


class NothingToAnswer(Exception):
    """The case is not waiting for the applicant (or its personal data was erased)."""


def answer_completion(
    inquiry: Inquiry, waiting: bool, answer: str, attachments: list[dict], today: date
) -> list[NewEvent]:
    """The applicant's answer to a request for completion, sent in the portal. The files
    are stored already; the event names them. business_desk registers the reply from it."""
    if not inquiry.inquiry_id:
        raise LookupError("no such inquiry")
    if not waiting or inquiry.personal_erased:
        raise NothingToAnswer("the case is not waiting for an answer from you")
    if not answer.strip() and not attachments:
        raise ValueError("write an answer or attach a file")
    return [
        NewEvent(
            COMPLETION_ANSWERED,
            {
                "inquiry_id": inquiry.inquiry_id,
                "reference": inquiry.reference,
                "answered_on": today.isoformat(),
                "attachment_count": len(attachments),
                "subject_id": inquiry.subject_id,
                "personal": {"answer": answer.strip(), "attachments": attachments},
            },
        )
    ]


# a further document's note: a few lines, no more (the document says the rest)
MAX_NOTE_CHARS = 500


def _same_document(event: Envelope, note: str, attachments: list[dict]) -> bool:
    personal = event.data.get("personal") or {}
    sent = sorted(f.get("sha256", "") for f in personal.get("attachments") or [])
    return personal.get("answer") == note and sent == sorted(f["sha256"] for f in attachments)


def send_document(
    history: list[Envelope], may_send: bool, note: str, attachments: list[dict], today: date
) -> list[NewEvent]:
    """A further document the applicant sends after answering a completion request, while
    the case is open and undecided: the same event as an answer (business_desk keeps it
    with the case, as a note with its files, since no reply is awaited). The same note and
    files again right after (a double submit) send nothing more."""
    inquiry = Inquiry.from_history(history)
    if not inquiry.inquiry_id:
        raise LookupError("no such inquiry")
    if not may_send or inquiry.personal_erased:
        raise NothingToAnswer("the case takes no further documents")
    if not attachments:
        raise ValueError("attach a document")
    if len(note) > MAX_NOTE_CHARS:
        raise ValueError("the note is too long")
    last = next((e for e in reversed(history) if e.type == COMPLETION_ANSWERED), None)
    if last is not None and _same_document(last, note.strip(), attachments):
        return []
    return answer_completion(inquiry, True, note, attachments, today)


SURVEY_ANSWERED = "intake.survey_answered"
SURVEY_QUESTIONS = ("overall", "expectations", "ideal")  # SKR Insikt's three NKI questions, 1-10
MAX_SURVEY_COMMENT_CHARS = 1000  # the survey's optional free-text comment


def nki(scores: dict[str, int]) -> float:
    """Nöjd-Kund-Index: the mean of the three answers on 1-10, put on 0-100."""
    mean = sum(scores[q] for q in SURVEY_QUESTIONS) / len(SURVEY_QUESTIONS)
    return round((mean - 1) / 9 * 100, 1)


def answer_survey(
    inquiry: Inquiry,
    closed: bool,
    already_answered: bool,
    case_type: str,
    scores: dict[str, int],
    today: date,
    comment: str = "",
) -> list[NewEvent]:
    """The satisfaction survey after a case is closed: once per case. The scores count
    per case type, not per person; the optional comment may name people, so it is the
    contact's personal data (sealed with their key, erased with the case)."""
    if not inquiry.inquiry_id:
        raise LookupError("no such inquiry")
    if not closed or already_answered:
        raise NothingToAnswer("the survey opens when the case is closed, once")
    if set(scores) != set(SURVEY_QUESTIONS) or not all(
        isinstance(v, int) and 1 <= v <= 10 for v in scores.values()
    ):
        raise ValueError("answer each question on the scale 1-10")
    if len(comment.strip()) > MAX_SURVEY_COMMENT_CHARS:
        raise ValueError("the comment is too long")
    return [
        NewEvent(
            SURVEY_ANSWERED,
            {
                "inquiry_id": inquiry.inquiry_id,
                "reference": inquiry.reference,
                "case_type": case_type,
                "answered_on": today.isoformat(),
                "scores": {q: scores[q] for q in SURVEY_QUESTIONS},
                "nki": nki(scores),
                "subject_id": inquiry.subject_id,
                "personal": None if inquiry.personal_erased else {"comment": comment.strip()},
            },
            schema_version=2,
        )
    ]


SIGN_IN_LINK_REQUESTED = "intake.sign_in_link_requested"
SIGN_IN_LINK_MINUTES = 15
# Links to one address that may be open at once: anyone can ask for a link to any contact
# address, so without a bound per recipient one client (or many) could make the
# municipality mail an applicant without end. A request beyond it sends nothing.
MAX_OPEN_SIGN_IN_LINKS = 3


def request_sign_in_link(
    email: str, language: str, token: str, now: datetime, subject_id: str
) -> tuple[str, list[NewEvent]]:
    """A one-time sign-in link to My cases, emailed (by notify) to a contact of a case;
    sealed with that contact's key (`subject_id`), so it is erased with them."""
    request_id = str(uuid.uuid4())
    return f"signin-{request_id}", [
        NewEvent(
            SIGN_IN_LINK_REQUESTED,
            {
                "request_id": request_id,
                "language": language,
                "requested_at": now.isoformat(),
                "valid_minutes": SIGN_IN_LINK_MINUTES,
                "subject_id": subject_id,
                "personal": {"email": email, "token": token},
            },
        )
    ]
