"""The case handler's pages: queues sorted by deadline and the case page with its actions.

One blueprint, "pages" (business_desk.web.page_blueprint), its views in modules of one
concern; importing them here joins their routes to it."""

from __future__ import annotations

from business_desk.web import (  # noqa: F401 - their routes join `pages`
    case_action_page,
    case_page,
    dashboard_pages,
    queue_pages,
)
from business_desk.web.page_blueprint import pages

__all__ = ["pages"]
