"""notify's handlers, one per consumed event, each `name(deps, event, session)`: who
gets which email (or text) for which event, and what notify learns or forgets of its
recipients. `handlers(deps)` binds them for the consumer; `dispatch_round(deps, stop)`
is the consumer's work after each batch: sending what is due."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pymongo.client_session import ClientSession

from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.processor import Handler
from notify.bootstrap import Deps
from notify.domain.access import APPLICANT, SIGN_IN, STAFF
from notify.domain.messages import (
    EMAILS,
    PROVIDER_NAMED_BY,
    VOUCHER_EMAILS,
    About,
    Email,
    delay_notice_copies,
    email_for,
    sms_text,
    staff_emails,
    voucher_emails,
)
from notify.readmodels.recipients import Learnt, learnt_from

Session = ClientSession | None
# Every service's announcement that a data subject's key was destroyed: notify forgets
# what it kept of the subject (its letters are sealed with that key already).
ERASURES = ("business_desk.personal_data_erased", "vouchers.personal_data_erased")


def case_event(deps: Deps, event: Envelope, session: Session) -> None:
    """A step of the applicant's case (a request for completion, a decision...): the
    applicant hears of it, by the channel they chose."""
    if "personal" in event.data and event.data["personal"] is None:
        return  # the applicant's data was erased since: there is nobody to write to
    case_id = event.data.get("case_id") or event.data["inquiry_id"]
    recipient = deps.recipients.get(case_id, session)
    if recipient is None:
        raise LookupError(f"no contact details yet for case {case_id}")
    if not recipient.get("erased"):
        _write_to_applicant(deps, recipient, event, session)


def inquiry_submitted(deps: Deps, event: Envelope, session: Session) -> None:
    """The receipt, to the contact details the inquiry carries (learnt for what follows)."""
    learnt = learnt_from(event)
    if not isinstance(learnt, Learnt):
        return
    deps.recipients.learn(event, session)
    _write_to_applicant(deps, {**learnt.fields, "subject_id": learnt.subject_id}, event, session)


def case_opened(deps: Deps, event: Envelope, session: Session) -> None:
    deps.recipients.learn(event, session)


def tracking_link_replaced(deps: Deps, event: Envelope, session: Session) -> None:
    """The applicant's new tracking link, to them (and kept for the emails that follow)."""
    if event.data["personal"] is None:
        return
    inquiry_id = event.data["inquiry_id"]
    recipient = deps.recipients.get(inquiry_id, session)
    if recipient is None:
        raise LookupError(f"no contact details yet for inquiry {inquiry_id}")
    if recipient.get("erased"):
        return
    new_link = {"tracking_token": event.data["personal"]["tracking_token"]}
    deps.recipients.learn(event, session)
    _write_to_applicant(deps, {**recipient, **new_link}, event, session)


def deadline_warning_issued(deps: Deps, event: Envelope, session: Session) -> None:
    """A warning to each of the staff the event names."""
    emails = staff_emails(event, deps.settings.desk_public_url, deps.staff_language)
    _write_to_staff(deps, emails, event, session)


def delay_notice_sent(deps: Deps, event: Envelope, session: Session) -> None:
    """The applicant hears of the delay, the team lead gets a copy."""
    case_event(deps, event, session)
    copies = delay_notice_copies(event, deps.settings.desk_public_url, deps.staff_language)
    _write_to_staff(deps, copies, event, session)


def personal_data_erased(deps: Deps, event: Envelope, session: Session) -> None:
    """Forget every copy: the recipients, and the letters (and SMS texts, bounces and
    errors) sealed with the subject's key, by their subject or the case they are about."""
    data = event.data
    deps.recipients.learn(event, session)
    deps.outbox.forget_subject(data["subject_id"], data.get("reference") or data.get("voucher_id"), session)


def voucher_event(deps: Deps, event: Envelope, session: Session) -> None:
    """Customer choice: the citizen hears of a grant, a switch and its cancellation; the
    provider of a new choice, of a citizen leaving it, of a switch to it cancelled and of
    a payment."""
    data = event.data
    citizen = _citizen_of(deps, event, session)
    reference = data.get("payment_id") or data["voucher_id"]
    # a letter about a voucher is about its citizen, the provider's too: their key seals it
    subject_id = citizen.get("subject_id") if citizen else None
    _queue_voucher_emails(deps, event, citizen, reference, subject_id, session)


def provider_applied(deps: Deps, event: Envelope, session: Session) -> None:
    """Where to write to the provider: the address its application gives."""
    deps.providers.learn(event, session)


# An approval older than this when notify first reads it (a deployment reading the
# providers' topic from its start) is no news to the provider: it is not mailed.
APPROVAL_NEWS_DAYS = 7


def provider_approved(deps: Deps, event: Envelope, session: Session) -> None:
    """The provider hears that its application is approved."""
    occurred = datetime.fromisoformat(event.occurred_at)
    if deps.clock() - occurred > timedelta(days=APPROVAL_NEWS_DAYS):
        return
    _queue_voucher_emails(deps, event, None, event.data["provider_id"], None, session)


def _queue_voucher_emails(
    deps: Deps,
    event: Envelope,
    citizen: dict[str, Any] | None,
    reference: str,
    subject_id: str | None,
    session: Session,
) -> None:
    data = event.data
    named = {data[field] for field in PROVIDER_NAMED_BY.values() if data.get(field)}
    providers = {provider_id: deps.providers.get(provider_id, session) for provider_id in named}
    audience_of = {template: who for who, template in VOUCHER_EMAILS[event.type]}
    emails = voucher_emails(
        event,
        citizen,
        deps.settings.vouchers_public_url,
        deps.programme_names,
        providers,
        deps.catalogue.country,
    )
    for email in emails:
        about = About(reference, event.type, audience_of[email.template], subject_id)
        deps.outbox.queue(f"{event.event_id}:{email.template}", email, about, session)


def sign_in_link_requested(deps: Deps, event: Envelope, session: Session) -> None:
    """The sign-in link, to the address it was asked for (nobody else may read it)."""
    personal = event.data["personal"]
    if personal is None:
        return
    language = event.data["language"]
    recipient = {"email": personal["email"], "language": language}
    link = f"{deps.settings.intake_public_url}/sign-in/{personal['token']}?lang={language}"
    email = email_for(event, recipient, link, deps.catalogue)
    about = About("sign-in", event.type, SIGN_IN, event.data["subject_id"])
    deps.outbox.queue(f"{event.event_id}:sign_in_link", email, about, session)


def _citizen_of(deps: Deps, event: Envelope, session: Session) -> dict[str, Any] | None:
    """The citizen a vouchers event is about, if notify may write to them: learnt from a
    grant, else known from it; None once erased."""
    citizen = None
    if event.type == "vouchers.voucher_granted":
        learnt = learnt_from(event)
        if isinstance(learnt, Learnt):
            citizen = learnt.fields
            deps.recipients.learn(event, session)
    elif "voucher_id" in event.data:
        citizen = deps.recipients.get(f"voucher:{event.data['voucher_id']}", session)
    return None if citizen and citizen.get("erased") else citizen


def _write_to_applicant(deps: Deps, recipient: dict[str, Any], event: Envelope, session: Session) -> None:
    """By the applicant's choice: email, SMS (with the email as its fallback), or both."""
    token = recipient.get("tracking_token")
    tracking_url = f"{deps.settings.intake_public_url}/track/{token}" if token else None
    key = f"{event.event_id}:{EMAILS[event.type]}"
    email = email_for(event, recipient, tracking_url, deps.catalogue)
    about = About(
        event.data["reference"],
        event.type,
        APPLICANT,
        recipient.get("subject_id"),
        recipient.get("case_type"),
    )
    notify_by = recipient.get("notify_by") or "email"
    if "sms" in notify_by and recipient.get("phone"):
        text = Email(
            recipient["phone"],
            email.subject,
            sms_text(email.subject, tracking_url),
            email.language,
            email.template,
            tracking_url,
        )
        fallback = None if notify_by == "email_and_sms" else email
        deps.outbox.queue(f"{key}:sms", text, about, session, "sms", fallback)
        if fallback is not None:
            return
    deps.outbox.queue(key, email, about, session)


def _write_to_staff(deps: Deps, emails: list[Email], event: Envelope, session: Session) -> None:
    case = deps.recipients.get(event.data["case_id"], session) or {}
    about = About(
        event.data["reference"],
        event.type,
        STAFF,
        case.get("subject_id"),
        event.data.get("case_type") or case.get("case_type"),
    )
    for index, email in enumerate(emails):
        deps.outbox.queue(f"{event.event_id}:{email.template}:{index}", email, about, session)


HANDLERS: dict[str, Callable[[Deps, Envelope, Session], None]] = {
    **dict.fromkeys(VOUCHER_EMAILS, voucher_event),
    "vouchers.provider_applied": provider_applied,
    "vouchers.provider_approved": provider_approved,
    **dict.fromkeys(ERASURES, personal_data_erased),
    "intake.sign_in_link_requested": sign_in_link_requested,
    "intake.inquiry_submitted": inquiry_submitted,
    "intake.tracking_link_replaced": tracking_link_replaced,
    "business_desk.case_opened": case_opened,
    "business_desk.completion_requested": case_event,
    "business_desk.deadline_extended": case_event,
    "business_desk.delay_notice_sent": delay_notice_sent,
    "business_desk.case_decided": case_event,
    "business_desk.case_closed": case_event,
    "business_desk.deadline_warning_issued": deadline_warning_issued,
}


def handlers(deps: Deps) -> dict[str, Handler]:
    """The consumer's handlers, by event type, on these dependencies."""
    return {event_type: partial(handler, deps) for event_type, handler in HANDLERS.items()}


def dispatch_round(deps: Deps, stop: threading.Event) -> Callable[[], None]:
    """The consumer's work after each batch and while idle: send what is due (its
    schema ensured first, once)."""
    from notify.adapters.dispatcher import dispatch

    deps.outbox.ensure_schema()
    deps.recipients.ensure_schema()
    deps.providers.ensure_schema()

    def round_() -> None:
        dispatch(deps.outbox, deps.smtp, deps.settings.mail_from, sms=deps.sms, stop=stop)

    return round_
