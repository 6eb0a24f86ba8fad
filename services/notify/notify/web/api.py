"""notify: emails to applicants (and later handlers, citizens and providers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from flask.views import MethodView
from flask_smorest import Api, Blueprint, abort
from marshmallow import Schema, fields, validate

from kernel.platform import telemetry
from kernel.platform.connections import mongo_client, personal_data
from kernel.platform.dependencies import STORE
from kernel.platform.metrics import FunctionCollector, OutboxCollector, init_metrics
from kernel.web.app import add_health, base_app
from kernel.web.auth import add_security_scheme, current_principal, current_scope, init_auth, require
from kernel.web.fields import SingleLineText
from kernel.web.paging import PageQuerySchema, page_body, page_schema
from notify.access import messages_readable, notifications_readable
from notify.outbox import MESSAGES_ORDER, NOTIFICATIONS_ORDER, MailOutbox
from notify.settings import NotifySettings

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Delivery log of notifications")


class NotificationSchema(Schema):
    id = fields.String(attribute="_id")
    to = fields.String(allow_none=True, metadata={"description": "null once personal data is erased"})
    subject = fields.String(allow_none=True)
    reference = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    queued_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class NotificationsQuerySchema(PageQuerySchema):
    sort = NOTIFICATIONS_ORDER
    reference = SingleLineText(
        load_default=None, validate=validate.Length(max=40), metadata={"description": "Only this case's"}
    )


@blp.route("/notifications")
class Notifications(MethodView):
    @require("notifications.read")
    @blp.arguments(NotificationsQuerySchema, location="query")
    @blp.response(200, page_schema(NotificationSchema))
    def get(self, query: dict) -> dict:
        """The notifications about the cases the caller may read, newest first, and their
        delivery status (filter with ?reference=)."""
        readable = notifications_readable(current_scope("notifications.read"), current_principal())
        outbox = current_app.extensions["notify.outbox"]
        return page_body(outbox.recent(readable, query["reference"], query["page"]))


class ChannelFiguresSchema(Schema):
    queued = fields.Integer()
    sent = fields.Integer()
    failed = fields.Integer(metadata={"description": "Given up after the last attempt"})
    pending = fields.Integer(metadata={"description": "Queued or being retried"})
    latency_s_p50 = fields.Float(allow_none=True, metadata={"description": "Seconds from queued to sent"})
    latency_s_p95 = fields.Float(allow_none=True)


class DeliveryFiguresSchema(Schema):
    since = fields.String()
    channels = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelFiguresSchema))


class FiguresQuerySchema(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))


@blp.route("/notifications/figures")
class DeliveryFigures(MethodView):
    @require("notifications.figures")
    @blp.arguments(FiguresQuerySchema, location="query")
    @blp.response(200, DeliveryFiguresSchema)
    def get(self, query: dict) -> dict:
        """Delivery figures per channel for the last `days` days: sent, failed, pending, latency."""
        since = datetime.now(UTC) - timedelta(days=query["days"])
        return current_app.extensions["notify.outbox"].figures(since)


class MessageSchema(Schema):
    id = fields.String(attribute="_id")
    channel = fields.String(dump_default="email")
    subject = fields.String()
    body = fields.String()
    status = fields.String()
    queued_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class MessagesQuerySchema(PageQuerySchema):
    sort = MESSAGES_ORDER
    reference = SingleLineText(required=True, validate=validate.Length(min=1, max=40))


@blp.route("/messages")
class Messages(MethodView):
    @require("messages.read")
    @blp.arguments(MessagesQuerySchema, location="query")
    @blp.response(200, page_schema(MessageSchema))
    def get(self, query: dict) -> dict:
        """What the applicant was sent about a case, oldest first, with the texts (the portal
        shows them)."""
        readable = messages_readable(current_scope("messages.read"))
        outbox = current_app.extensions["notify.outbox"]
        return page_body(outbox.messages_for(query["reference"], readable, query["page"]))


class BounceSchema(Schema):
    message_id = SingleLineText(
        required=True,
        validate=validate.Length(min=3, max=200),
        metadata={"description": "The Message-ID header of the email that bounced, as sent"},
    )
    reason = SingleLineText(required=True, validate=validate.Length(min=1, max=500))


@blp.route("/bounces", methods=["POST"])
@require("bounces.report")
@blp.arguments(BounceSchema)
@blp.response(200, NotificationSchema)
def bounce(body: dict):  # type: ignore[no-untyped-def]
    """A bounce from the mail provider (its webhook, with a service token): the message is
    marked bounced and the bounce goes into the delivery log."""
    mail = current_app.extensions["notify.outbox"].mark_bounced(body["message_id"], body["reason"])
    if mail is None:
        abort(404, message="No message with that Message-ID.")
    return mail


def delivery_gauges(outbox: MailOutbox) -> dict:
    """The last day's deliveries per channel, as gauges."""
    channels = outbox.figures(datetime.now(UTC) - timedelta(days=1))["channels"]
    by_status = {
        (("channel", channel), ("status", status)): float(tally[status])
        for channel, tally in channels.items()
        for status in ("sent", "failed", "pending")
    }
    latency = {
        (("channel", channel),): tally["latency_s_p95"]
        for channel, tally in channels.items()
        if tally["latency_s_p95"] is not None
    }
    return {
        "notify_messages_last_day": ("Messages queued in the last day, by channel and status", by_status),
        "notify_delivery_latency_p95_seconds": ("Queued-to-sent latency p95 over the last day", latency),
    }


def create_app(settings: NotifySettings | None = None) -> Flask:
    settings = settings or NotifySettings.from_env()
    telemetry.setup("notify")
    app = base_app(__name__, settings)
    app.config.update(API_TITLE="Notify: notifications")
    client = mongo_client(settings)
    app.extensions["notify.outbox"] = MailOutbox(
        client[settings.database], personal=personal_data(settings, client)
    )
    init_auth(app, settings)
    api = Api(app)
    add_security_scheme(api)
    api.register_blueprint(blp)
    add_health(app, {STORE: lambda: client.admin.command("ping")})
    outbox = app.extensions["notify.outbox"]
    init_metrics(
        app,
        "notify",
        [
            OutboxCollector(client[settings.database], "notify-relay"),
            FunctionCollector(lambda: delivery_gauges(outbox)),
        ],
    )
    telemetry.instrument_flask(app)
    return app
