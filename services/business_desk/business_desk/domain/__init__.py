"""The Case aggregate: a handler's work on one inquiry, and its processing-time clock.
Pure logic: decisions take the history and return new events, or raise IllegalTransition.
Everything is re-exported here, so `from business_desk.domain import X` names it."""

from business_desk.domain.case import ACTIVE, Case
from business_desk.domain.completion import (
    DEFAULT_REPLY_DAYS,
    PORTAL_APPLICANT,
    answer_from_portal,
    register_reply,
    request_completion,
    survey_comment,
)
from business_desk.domain.deadlines import extend_deadline, issue_warning, send_delay_notice
from business_desk.domain.decisions import OUTCOMES, close, decide, reopen
from business_desk.domain.erasure import erase_personal_data, erasure_due
from business_desk.domain.errors import IllegalTransition
from business_desk.domain.events import (
    APPLICANT_REPLIED,
    CASE_ASSIGNED,
    CASE_CLAIMED,
    CASE_CLOSED,
    CASE_DECIDED,
    CASE_OPENED,
    CASE_RELEASED,
    CASE_REOPENED,
    COMPLETION_REQUESTED,
    DEADLINE_EXTENDED,
    DEADLINE_WARNING_ISSUED,
    DELAY_NOTICE_SENT,
    NOTE_ADDED,
    PERSONAL_DATA_ERASED,
    STATUS_CHANGED,
    named,
    stream_id_for,
)
from business_desk.domain.handling import add_note, assign, change_status, claim, open_case, release

__all__ = [
    "ACTIVE",
    "APPLICANT_REPLIED",
    "CASE_ASSIGNED",
    "CASE_CLAIMED",
    "CASE_CLOSED",
    "CASE_DECIDED",
    "CASE_OPENED",
    "CASE_RELEASED",
    "CASE_REOPENED",
    "COMPLETION_REQUESTED",
    "DEADLINE_EXTENDED",
    "DEADLINE_WARNING_ISSUED",
    "DEFAULT_REPLY_DAYS",
    "DELAY_NOTICE_SENT",
    "NOTE_ADDED",
    "OUTCOMES",
    "PERSONAL_DATA_ERASED",
    "PORTAL_APPLICANT",
    "STATUS_CHANGED",
    "Case",
    "IllegalTransition",
    "add_note",
    "answer_from_portal",
    "assign",
    "change_status",
    "claim",
    "close",
    "decide",
    "erase_personal_data",
    "erasure_due",
    "extend_deadline",
    "issue_warning",
    "named",
    "open_case",
    "register_reply",
    "release",
    "reopen",
    "request_completion",
    "send_delay_notice",
    "stream_id_for",
    "survey_comment",
]
