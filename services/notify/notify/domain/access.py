"""Who may read which of notify's records: the scope a caller holds, as the query's
filter, so a record outside it is never fetched. Pure."""

from __future__ import annotations

from typing import Any

from kernel.web.auth import Principal

# Whom a message is for; kept in clear beside the sealed letter so that reads can be
# scoped in the query.
APPLICANT, STAFF, CITIZEN, PROVIDER, SIGN_IN = "applicant", "staff", "citizen", "provider", "sign_in"
AUDIENCES = (APPLICANT, STAFF, CITIZEN, PROVIDER, SIGN_IN)
# notifications.read covers what is about a business case; the customer-choice letters
# (citizens' and providers') and the sign-in emails are nobody's to read.
ABOUT_CASES = (APPLICANT, STAFF)
NOTHING: dict[str, Any] = {"_id": {"$in": []}}
# whose letters are kept after sending: those some permission lets someone read
READ_AFTER_SENDING = ABOUT_CASES


def notifications_readable(scope: str | None, principal: Principal) -> dict[str, Any]:
    """The filter for the notification log: `all` every case's, `team` the cases of the
    team's case types; anything else (no grant, `own`: nobody owns a case's log) nothing."""
    if scope == "all":
        return {"audience": {"$in": list(ABOUT_CASES)}}
    if scope == "team":
        return {"audience": {"$in": list(ABOUT_CASES)}, "case_type": {"$in": sorted(principal.case_types)}}
    return NOTHING


def messages_readable(scope: str | None) -> dict[str, Any]:
    """The filter for the applicant's own messages (the portal's list): the caller is the
    portal, which decides itself whom it shows a case."""
    return {"audience": APPLICANT} if scope == "all" else NOTHING
