"""The applicant's pages: the inquiry form, the receipt and the tracking page.

One blueprint, "pages" (intake.web.page_blueprint), its views in modules of one concern;
importing them here joins their routes to it."""

from __future__ import annotations

from intake.web import case_type_pages, inquiry_pages, sign_in_pages  # noqa: F401 - their routes join `pages`
from intake.web.my_cases_pages import my_case_answer_budget
from intake.web.page_blueprint import page_language, pages
from intake.web.tracking_pages import track_answer_budget

__all__ = ["BODY_BUDGETS", "page_language", "pages"]

# the body each upload may have, checked before it is read (see the budgets' functions)
BODY_BUDGETS = {
    "pages.track_answer": track_answer_budget,
    "pages.my_case_answer": my_case_answer_budget,
    "pages.track_further_document": track_answer_budget,
    "pages.my_case_further_document": my_case_answer_budget,
}
