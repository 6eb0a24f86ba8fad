"""notify's handlers: who gets which email for which event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from kernel.eventsourcing.envelope import Envelope
from kernel.privacy.personal import PersonalData
from notify.access import APPLICANT, SIGN_IN, STAFF
from notify.messages import (
    EMAILS,
    VOUCHER_EMAILS,
    About,
    Email,
    delay_notice_copies,
    email_for,
    staff_emails,
    voucher_emails,
)
from notify.outbox import MailOutbox, notify_personal_data
from notify.recipients import Learnt, Recipients, learnt_from
from notify.sms import sms_text

Handler = Callable[[Envelope, ClientSession | None], None]
# Every service's announcement that a data subject's key was destroyed: notify forgets
# what it kept of the subject (its letters are sealed with that key already).
ERASURES = ("business_desk.personal_data_erased", "vouchers.personal_data_erased")


def build_handlers(
    db: Database,
    intake_public_url: str,
    desk_public_url: str = "",
    vouchers_public_url: str = "",
    personal: PersonalData | None = None,
) -> dict[str, Handler]:
    personal = personal or notify_personal_data(db)
    recipients = Recipients(db, personal)
    outbox = MailOutbox(db, personal=personal)

    def queue_email(event: Envelope, session: ClientSession | None) -> None:
        if "personal" in event.data and event.data["personal"] is None:
            return  # the applicant's data was erased since: there is nobody to write to
        case_id = event.data.get("case_id") or event.data["inquiry_id"]
        recipient = recipients.get(case_id, session)
        if recipient is None:
            raise LookupError(f"no contact details yet for case {case_id}")
        if not recipient.get("erased"):
            queue_email_to(recipient, event, session)

    def queue_email_to(recipient: dict[str, Any], event: Envelope, session: ClientSession | None) -> None:
        """By the applicant's choice: email, SMS (with the email as its fallback), or both."""
        token = recipient.get("tracking_token")
        tracking_url = f"{intake_public_url}/track/{token}" if token else None
        key, email = f"{event.event_id}:{EMAILS[event.type]}", email_for(event, recipient, tracking_url)
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
            outbox.queue(f"{key}:sms", text, about, session, "sms", fallback)
            if fallback is not None:
                return
        outbox.queue(key, email, about, session)

    def about_case_for_staff(event: Envelope, session: ClientSession | None) -> About:
        case = recipients.get(event.data["case_id"], session) or {}
        return About(
            event.data["reference"],
            event.type,
            STAFF,
            case.get("subject_id"),
            event.data.get("case_type") or case.get("case_type"),
        )

    def inquiry_submitted(event: Envelope, session: ClientSession | None) -> None:
        learnt = learnt_from(event)
        if not isinstance(learnt, Learnt):
            return
        recipients.learn(event, session)
        queue_email_to({**learnt.fields, "subject_id": learnt.subject_id}, event, session)

    def case_opened(event: Envelope, session: ClientSession | None) -> None:
        recipients.learn(event, session)

    def tracking_link_replaced(event: Envelope, session: ClientSession | None) -> None:
        if event.data["personal"] is None:
            return
        inquiry_id = event.data["inquiry_id"]
        recipient = recipients.get(inquiry_id, session)
        if recipient is None:
            raise LookupError(f"no contact details yet for inquiry {inquiry_id}")
        if recipient.get("erased"):
            return
        new_link = {"tracking_token": event.data["personal"]["tracking_token"]}
        recipients.learn(event, session)
        queue_email_to({**recipient, **new_link}, event, session)

    def warn_staff(event: Envelope, session: ClientSession | None) -> None:
        about = about_case_for_staff(event, session)
        for index, email in enumerate(staff_emails(event, desk_public_url)):
            outbox.queue(f"{event.event_id}:{email.template}:{index}", email, about, session)

    def delay_notice(event: Envelope, session: ClientSession | None) -> None:
        queue_email(event, session)
        about = about_case_for_staff(event, session)
        for index, email in enumerate(delay_notice_copies(event, desk_public_url)):
            outbox.queue(f"{event.event_id}:{email.template}:{index}", email, about, session)

    def personal_data_erased(event: Envelope, session: ClientSession | None) -> None:
        """Forget every copy: the recipients, and the letters (and SMS texts, bounces and
        errors) sealed with the subject's key, by their subject or the case they are about."""
        data = event.data
        recipients.learn(event, session)
        outbox.forget_subject(data["subject_id"], data.get("reference") or data.get("voucher_id"), session)

    def voucher_event(event: Envelope, session: ClientSession | None) -> None:
        """Customer choice: the citizen hears of a grant and a switch, the provider of a
        new choice and of a payment."""
        data = event.data
        citizen = None
        if event.type == "vouchers.voucher_granted":
            learnt = learnt_from(event)
            if isinstance(learnt, Learnt):
                citizen = learnt.fields
                recipients.learn(event, session)
        elif "voucher_id" in data:
            citizen = recipients.get(f"voucher:{data['voucher_id']}", session)
        if citizen and citizen.get("erased"):
            citizen = None
        reference = data.get("payment_id") or data["voucher_id"]
        # a letter about a voucher is about its citizen, the provider's too: their key seals it
        subject_id = citizen.get("subject_id") if citizen else None
        audience_of = {template: who for who, template in VOUCHER_EMAILS[event.type]}
        for email in voucher_emails(event, citizen, vouchers_public_url):
            about = About(reference, event.type, audience_of[email.template], subject_id)
            outbox.queue(f"{event.event_id}:{email.template}", email, about, session)

    def sign_in_link(event: Envelope, session: ClientSession | None) -> None:
        personal = event.data["personal"]
        if personal is None:
            return
        recipient = {"email": personal["email"], "language": event.data["language"]}
        link = f"{intake_public_url}/sign-in/{personal['token']}?lang={event.data['language']}"
        email = email_for(event, recipient, link)
        about = About("sign-in", event.type, SIGN_IN, event.data["subject_id"])
        outbox.queue(f"{event.event_id}:sign_in_link", email, about, session)

    return {
        **dict.fromkeys(VOUCHER_EMAILS, voucher_event),
        **dict.fromkeys(ERASURES, personal_data_erased),
        "intake.sign_in_link_requested": sign_in_link,
        "intake.inquiry_submitted": inquiry_submitted,
        "intake.tracking_link_replaced": tracking_link_replaced,
        "business_desk.case_opened": case_opened,
        "business_desk.completion_requested": queue_email,
        "business_desk.deadline_extended": queue_email,
        "business_desk.delay_notice_sent": delay_notice,
        "business_desk.case_decided": queue_email,
        "business_desk.case_closed": queue_email,
        "business_desk.deadline_warning_issued": warn_staff,
    }
