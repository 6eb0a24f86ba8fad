"""The shapes of notify's API: a notification, a message as the applicant got it, the
delivery figures, a bounce, and the lists' queries."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kernel.web.fields import SingleLineText
from kernel.web.paging import PageQuerySchema
from notify.readmodels.deliveries import MESSAGES_ORDER, NOTIFICATIONS_ORDER


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


class BounceSchema(Schema):
    message_id = SingleLineText(
        required=True,
        validate=validate.Length(min=3, max=200),
        metadata={"description": "The Message-ID header of the email that bounced, as sent"},
    )
    reason = SingleLineText(required=True, validate=validate.Length(min=1, max=500))
