"""Entrypoint: keep the applicant's tracking view up to date from business_desk's case events."""

from pymongo.client_session import ClientSession
from pymongo.database import Database

from intake.adapters.attachments import AttachmentStore
from intake.adapters.signin_links import SignInLinks
from intake.readmodels.tracking import TrackingReadModel
from intake.settings import IntakeSettings
from kernel.eventsourcing.envelope import Envelope
from kernel.platform.connections import personal_data
from kernel.platform.runners import run_consumer

TOPICS = ["business_desk.case.v1"]
CASE_EVENTS = (
    "business_desk.case_opened",
    "business_desk.case_claimed",
    "business_desk.completion_requested",
    "business_desk.applicant_replied",
    "business_desk.status_changed",
    "business_desk.deadline_extended",
    "business_desk.delay_notice_sent",
    "business_desk.case_decided",
    "business_desk.case_closed",
    "business_desk.case_reopened",
)
ERASED = "business_desk.personal_data_erased"


def handlers(db: Database) -> dict:
    personal = personal_data(IntakeSettings.from_env(), db.client)
    tracking = TrackingReadModel(db, personal)
    attachments = AttachmentStore(db)
    sign_in_links = SignInLinks(db, personal)

    def track(event: Envelope, session: ClientSession | None) -> None:
        tracking.apply([event], session, consumed_event=True)

    def erase(event: Envelope, session: ClientSession | None) -> None:
        """The case's personal data is erased: so are the files the applicant sent and the
        contact's sign-in links."""
        tracking.apply([event], session, consumed_event=True)
        attachments.delete_for(event.data["case_id"], session)
        sign_in_links.erase_subject(event.data["subject_id"], session)

    return {**dict.fromkeys(CASE_EVENTS, track), ERASED: erase}


def main() -> None:
    run_consumer(IntakeSettings.from_env(), TOPICS, handlers)


if __name__ == "__main__":
    main()
