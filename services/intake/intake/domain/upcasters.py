"""Old versions of intake's events, read as the current ones."""

from __future__ import annotations

from intake.domain.inquiries import SURVEY_ANSWERED
from kernel.eventsourcing.eventstore import Upcasters


def upcasters() -> Upcasters:
    registry = Upcasters()
    # v2 may carry a comment, sealed in `personal` with the contact's `subject_id`: a v1
    # answer had none, and reads as a v2 answer without either (the schema allows it)
    registry.register(SURVEY_ANSWERED, 1, dict)
    return registry
