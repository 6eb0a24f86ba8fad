"""Use cases of intake: one function per command or consumed event."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.errors import DuplicateKeyError

from intake.adapters import attachments
from intake.bootstrap import Deps
from intake.domain import access
from intake.domain import inquiries as domain
from intake.domain.inquiries import Inquiry, SubmitInquiry, Submitted, submit_inquiry
from intake.domain.tracking import awaits_answer, link_expired, public_view, takes_documents
from intake.i18n import t
from kernel.eventsourcing.envelope import Envelope, Metadata
from kernel.eventsourcing.eventstore import ConcurrencyError, execute
from kernel.platform import telemetry
from kernel.web.auth import Principal
from kernel.web.paging import Page, PageRequest

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, ClientSession | None], None]  # a consumed event, in the inbox's transaction


# the inquiry ids a web form's submission ids stand for (uuid5 in this namespace)
SUBMISSIONS = uuid.UUID("8f6b2c1e-4a7d-4f0e-9c3b-5d2a1e7f6b90")


class AlreadySubmitted(Exception):
    """The form was sent before (a reload, a double click, Back and send): nothing new."""


def inquiry_id_of(submission_id: str | None) -> str | None:
    """The inquiry a form's submission id (a UUID the form page wrote) stands for; None
    for no or a malformed one (the inquiry gets a new id)."""
    try:
        return str(uuid.uuid5(SUBMISSIONS, str(uuid.UUID(submission_id or ""))))
    except ValueError:
        return None


def submit(command: SubmitInquiry, deps: Deps, submission_id: str | None = None) -> Submitted:
    """Store the inquiry. Kafka is not involved: the relay publishes it later, so a
    submission succeeds even while the broker is down. A form sent again with the same
    `submission_id` stores nothing and raises AlreadySubmitted."""
    inquiry_id = inquiry_id_of(submission_id)
    for attempt in range(3):
        submitted = submit_inquiry(command, deps.catalogue, deps.clock(), inquiry_id=inquiry_id)
        try:
            deps.store.append(
                submitted.stream_id, 0, submitted.events, Metadata.new(telemetry.current_traceparent())
            )
            return submitted
        except ConcurrencyError as exc:
            raise AlreadySubmitted(submitted.inquiry_id) from exc
        except DuplicateKeyError:
            # a reference already in use (one in a billion): draw another
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def receipt(submitted: Submitted, deps: Deps) -> dict[str, Any]:
    data = submitted.events[0].data
    return {
        "inquiry_id": submitted.inquiry_id,
        "reference": submitted.reference,
        "case_type": data["case_type"],
        "received_on": data["received_on"],
        "promised_answer_by": data["promised_answer_by"],
        "tracking_url": f"{deps.settings.intake_public_url}/track/{submitted.tracking_token}",
        "status": "submitted",
    }


def replace_tracking_link(deps: Deps, inquiry_id: str, requested_by: str) -> None:
    """The old link stops working at once; notify emails the new one to the contact."""
    token = domain.new_tracking_token()
    execute(
        deps.store,
        domain.stream_id_for(inquiry_id),
        lambda history: domain.replace_tracking_link(Inquiry.from_history(history), requested_by, token),
        Metadata.new(telemetry.current_traceparent()),
    )


class LinkRefused(Exception):
    """A tracking link that leads to no case: `status` 404 (unknown) or 410 (replaced,
    expired), `reason` the message key, `language` the case's when it is known."""

    def __init__(self, status: int, reason: str, language: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.language = status, reason, language


def case_by_link(deps: Deps, token: str) -> dict[str, Any]:
    """The tracking document a link leads to, for the pages and the API alike."""
    doc = deps.tracking.by_token(token)
    if doc is None:
        raise (
            LinkRefused(410, "link_replaced")
            if deps.tracking.revoked(token)
            else LinkRefused(404, "not_found")
        )
    if link_expired(doc, deps.clock().date(), deps.settings.tracking_link_days):
        raise LinkRefused(410, "link_expired", doc["language"])
    return doc


def own_case(deps: Deps, inquiry_id: str, principal: Principal) -> dict[str, Any] | None:
    """A case the signed-in applicant reaches (intake.domain.access), else None (another
    company's case is not told apart from no case at all)."""
    doc = deps.tracking.by_id(inquiry_id)
    return doc if doc is not None and access.reaches(principal, doc) else None


def own_cases(deps: Deps, principal: Principal, page: PageRequest) -> Page[dict[str, Any]]:
    """One page of the cases the signed-in applicant reaches, newest first."""
    return deps.tracking.of_organisations_or_ids(
        principal.organisations, principal.contact_cases, page, lambda doc: access.reaches(principal, doc)
    )


def applicant_view(deps: Deps, doc: dict[str, Any], lang: str) -> dict[str, Any]:
    return public_view(
        doc,
        lang,
        deps.catalogue.get(doc["case_type"]).label(lang),
        t,
        lambda status, language: deps.catalogue.status(status).text(language, applicant=True),
    )


def answer_completion(
    deps: Deps, doc: dict[str, Any], answer: str, uploads: list[attachments.Upload]
) -> None:
    """The applicant answers a request for completion in the portal: the files are
    checked and stored, then one event names them (business_desk registers the reply).
    Raises attachments.Rejected, domain.NothingToAnswer or ValueError (nothing to send)."""
    if not awaits_answer(doc):
        raise domain.NothingToAnswer("the case is not waiting for an answer from you")
    if not answer.strip() and not uploads:
        raise ValueError("write an answer or attach a file")
    _with_files(
        deps,
        doc,
        uploads,
        lambda history, described: domain.answer_completion(
            Inquiry.from_history(history), True, answer, described, deps.clock().date()
        ),
    )


def send_document(deps: Deps, doc: dict[str, Any], note: str, uploads: list[attachments.Upload]) -> None:
    """A further document after the answer (intake.domain.tracking.takes_documents), with a
    short note: the files checked and stored as an answer's are, the same event names them.
    Raises attachments.Rejected, domain.NothingToAnswer or ValueError (no file, a long note)."""
    if not takes_documents(doc):
        raise domain.NothingToAnswer("the case takes no further documents")
    if not uploads:
        raise ValueError("attach a document")
    _with_files(
        deps,
        doc,
        uploads,
        lambda history, described: domain.send_document(history, True, note, described, deps.clock().date()),
    )


def attachment_name(doc: dict[str, Any], attachment_id: str) -> str:
    """The name the applicant gave a file of their case, from the case's (opened) answers;
    a neutral one when the case no longer knows it."""
    for sent in doc.get("answers") or []:
        for file in sent.get("files") or []:
            if file.get("attachment_id") == attachment_id and file.get("filename"):
                return str(file["filename"])
    return "file"


def _with_files(
    deps: Deps,
    doc: dict[str, Any],
    uploads: list[attachments.Upload],
    decide: Callable[[list[Envelope], list[dict[str, Any]]], list[Any]],
) -> None:
    """Check and store the applicant's files, then record the event naming them; a file
    whose event is not recorded is removed again."""
    assert deps.attachments is not None
    checked = attachments.check(uploads, deps.settings.attachment_max_bytes, deps.scanner)
    described = [
        {
            "attachment_id": deps.attachments.put(doc["_id"], file, subject_id=doc["subject_id"]),
            "filename": file.filename,
            "content_type": file.content_type,
            "size": len(file.data),
            "sha256": file.sha256,
            "scan": file.scan,
        }
        for file in checked
    ]
    try:
        recorded = execute(
            deps.store,
            domain.stream_id_for(doc["_id"]),
            lambda history: decide(history, described),
            Metadata.new(telemetry.current_traceparent()),
        )
    except BaseException:
        # not recorded (answered meanwhile, or the store failed): no file without its answer
        deps.attachments.delete([file["attachment_id"] for file in described])
        raise
    if not recorded:  # the same document once more (a double submit): sent once
        deps.attachments.delete([file["attachment_id"] for file in described])


def answer_survey(deps: Deps, doc: dict[str, Any], scores: dict[str, int], comment: str = "") -> None:
    """Raises domain.NothingToAnswer (not closed, or answered) or ValueError (a missing
    answer, a comment too long)."""
    execute(
        deps.store,
        domain.stream_id_for(doc["_id"]),
        lambda history: domain.answer_survey(
            Inquiry.from_history(history),
            doc["status"] == "closed",
            any(e.type == domain.SURVEY_ANSWERED for e in history),
            doc["case_type"],
            scores,
            deps.clock().date(),
            comment,
        ),
        Metadata.new(telemetry.current_traceparent()),
    )


def request_sign_in(deps: Deps, email: str, language: str) -> None:
    """Email a one-time sign-in link, if any case names this address as its contact; the
    caller answers the same either way (nobody learns whose address has cases). The link
    and its email are the personal data of the newest such case's contact: erased with it."""
    email = email.strip()
    cases = deps.tracking.cases_of_contact(email, 1)
    newest = deps.tracking.by_id(cases[0]) if cases else None
    if newest is None:
        return
    assert deps.sign_in_links is not None
    now = deps.clock()
    if deps.sign_in_links.open_for(newest["subject_id"], now) >= domain.MAX_OPEN_SIGN_IN_LINKS:
        log.info("a sign-in link was asked for while %d are open: none sent", domain.MAX_OPEN_SIGN_IN_LINKS)
        return
    token = deps.sign_in_links.issue(newest["subject_id"], email, now)
    stream_id, events = domain.request_sign_in_link(email, language, token, now, newest["subject_id"])
    deps.store.append(stream_id, 0, events, Metadata.new(telemetry.current_traceparent()))


def sign_in_link_shown_as(deps: Deps, token: str) -> str | None:
    """Whom a still valid link signs in (masked), without using it up; None if it does not work."""
    assert deps.sign_in_links is not None
    link = deps.sign_in_links.peek(token, deps.clock())
    return link["shown_as"] if link is not None else None


def redeem_sign_in(deps: Deps, token: str) -> dict[str, Any] | None:
    """The session principal for a valid link: the cases that name the address as their
    contact, each on its own, and no organisation (intake.domain.access)."""
    assert deps.sign_in_links is not None
    link = deps.sign_in_links.redeem(token, deps.clock())
    if link is None:
        return None
    cases = deps.tracking.cases_of_contact(link["email"], access.MAX_CONTACT_CASES)
    return {
        "subject": f"email-link:{secrets.token_hex(12)}",  # a session, not a person
        "roles": ["applicant"],
        "name": link["shown_as"],
        "case_types": [],
        "organisations": [],
        "contact_cases": cases,
        "personal_number": None,
    }


# -- consumed: business_desk's case events --------------------------------------------


def track_case_event(deps: Deps) -> Handler:
    """A case event joins the applicant's tracking view."""

    def track(event: Envelope, session: ClientSession | None) -> None:
        deps.tracking.apply([event], session, consumed_event=True)

    return track


def erase_case_personal_data(deps: Deps) -> Handler:
    """The case's personal data is erased: so are the files the applicant sent and the
    contact's sign-in links."""

    def erase(event: Envelope, session: ClientSession | None) -> None:
        deps.tracking.apply([event], session, consumed_event=True)
        if deps.attachments is not None:
            deps.attachments.delete_for(event.data["case_id"], session)
        if deps.sign_in_links is not None:
            deps.sign_in_links.erase_subject(event.data["subject_id"], session)

    return erase
