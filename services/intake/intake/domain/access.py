"""Which cases a signed-in applicant reaches. Two ways, never mixed up:

- a verified claim (the e-ID / OpenID Connect sign-in's `organisation_number`): every
  case of those organisations;
- an email-link session: the cases that name the signed-in address as their contact,
  each on its own. What an applicant typed into a form (an organisation number next to
  their own address) never grants anything of that organisation's other cases.
"""

from __future__ import annotations

from typing import Any

from kernel.web.auth import Principal

# An email-link session keeps its case ids in the (signed) session cookie: bounded, so the
# cookie stays small. A contact with more cases signs in with the e-ID.
MAX_CONTACT_CASES = 40


def reaches(principal: Principal, doc: dict[str, Any]) -> bool:
    """Whether the principal may see and act on this case (a tracking document)."""
    if doc["_id"] in principal.contact_cases:
        return True
    organisation = doc.get("organisation_key")
    return organisation is not None and organisation in principal.organisations
