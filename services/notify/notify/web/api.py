"""notify's API: the delivery log a caller may read, the delivery figures, what the
applicant was sent about a case (the portal shows it), and the mail provider's bounces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from kernel.web.auth import current_principal, current_scope, require
from kernel.web.paging import page_body, page_schema
from kernel.web.service_app import deps_of
from notify.domain.access import messages_readable, notifications_readable
from notify.web.schemas import (
    BounceSchema,
    DeliveryFiguresSchema,
    FiguresQuerySchema,
    MessageSchema,
    MessagesQuerySchema,
    NotificationSchema,
    NotificationsQuerySchema,
)

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Delivery log of notifications")


def _deps() -> Any:
    return deps_of(current_app, "notify")


@blp.route("/notifications")
class Notifications(MethodView):
    @require("notifications.read")
    @blp.arguments(NotificationsQuerySchema, location="query")
    @blp.response(200, page_schema(NotificationSchema))
    def get(self, query: dict) -> dict:
        """The notifications about the cases the caller may read, newest first, and their
        delivery status (filter with ?reference=)."""
        readable = notifications_readable(current_scope("notifications.read"), current_principal())
        return page_body(_deps().deliveries.recent(readable, query["reference"], query["page"]))


@blp.route("/notifications/figures")
class DeliveryFigures(MethodView):
    @require("notifications.figures")
    @blp.arguments(FiguresQuerySchema, location="query")
    @blp.response(200, DeliveryFiguresSchema)
    def get(self, query: dict) -> dict:
        """Delivery figures per channel for the last `days` days: sent, failed, pending, latency."""
        since = datetime.now(UTC) - timedelta(days=query["days"])
        return _deps().deliveries.figures(since)


@blp.route("/messages")
class Messages(MethodView):
    @require("messages.read")
    @blp.arguments(MessagesQuerySchema, location="query")
    @blp.response(200, page_schema(MessageSchema))
    def get(self, query: dict) -> dict:
        """What the applicant was sent about a case, oldest first, with the texts (the portal
        shows them)."""
        readable = messages_readable(current_scope("messages.read"))
        return page_body(_deps().deliveries.messages_for(query["reference"], readable, query["page"]))


@blp.route("/bounces", methods=["POST"])
@require("bounces.report")
@blp.arguments(BounceSchema)
@blp.response(200, NotificationSchema)
def bounce(body: dict):  # type: ignore[no-untyped-def]
    """A bounce from the mail provider (its webhook, with a service token): the message is
    marked bounced and the bounce goes into the delivery log."""
    mail = _deps().outbox.mark_bounced(body["message_id"], body["reason"])
    if mail is None:
        abort(404, message="No message with that Message-ID.")
    return mail
