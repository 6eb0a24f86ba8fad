"""Use cases of intake: one function per command or consumed event."""

from __future__ import annotations

from typing import Any

from pymongo.client_session import ClientSession
from pymongo.errors import DuplicateKeyError

from intake import domain
from intake.bootstrap import Deps
from intake.domain import Inquiry, SubmitInquiry, Submitted, submit_inquiry
from kernel import telemetry
from kernel.envelope import Envelope, Metadata
from kernel.eventstore import execute


def submit(command: SubmitInquiry, deps: Deps) -> Submitted:
    """Store the inquiry. Kafka is not involved: the relay publishes it later, so a
    submission succeeds even while the broker is down."""
    for attempt in range(3):
        submitted = submit_inquiry(command, deps.catalogue, deps.clock())
        try:
            deps.store.append(
                submitted.stream_id, 0, submitted.events, Metadata.new(telemetry.current_traceparent())
            )
            return submitted
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


def inquiry(deps: Deps, inquiry_id: str) -> Inquiry:
    return Inquiry.from_history(deps.store.load(domain.stream_id_for(inquiry_id)))


def replace_tracking_link(deps: Deps, inquiry_id: str, requested_by: str) -> None:
    """The old link stops working at once; notify emails the new one to the contact."""
    token = domain.new_tracking_token()
    execute(
        deps.store,
        domain.stream_id_for(inquiry_id),
        lambda history: domain.replace_tracking_link(Inquiry.from_history(history), requested_by, token),
        Metadata.new(telemetry.current_traceparent()),
    )


def case_event(deps: Deps) -> Any:
    """Consumed business_desk case events update the applicant's tracking view."""

    def handle(event: Envelope, session: ClientSession | None) -> None:
        assert deps.tracking is not None
        deps.tracking.apply([event], session)

    return handle
