"""The notify service, declared once (kernel.platform.service): the delivery log it
publishes, the six topics it consumes (and the dispatch after each batch), its read
model's rebuild and its web app (the delivery log's API and its gauges)."""

from __future__ import annotations

from typing import Any

from kernel.platform.service import Consumes, Service, Web, deferred
from notify.settings import NotifySettings

TOPICS = (
    "intake.inquiry.v1",
    "intake.signin.v1",
    "business_desk.case.v1",
    "vouchers.voucher.v1",
    "vouchers.provider.v1",  # the providers' addresses (applications) and their approvals
    "vouchers.payment.v1",
)


def blueprints() -> list[Any]:
    from notify.web.api import blp

    return [blp]


def collectors(deps: Any) -> list[Any]:
    from kernel.platform.metrics import FunctionCollector
    from notify.web.metrics import delivery_gauges

    return [FunctionCollector(lambda: delivery_gauges(deps.deliveries))]


SERVICE = Service(
    name="notify",
    settings=NotifySettings.from_env,
    bootstrap=deferred("notify.bootstrap:bootstrap"),
    web=Web(title="Notify: notifications", blueprints=blueprints, collectors=collectors),
    # the delivery log (kernel.platform.runners.run_relay adds the prefix); the given-up to the DLQ
    routes={
        "message": "notify.message.v1",
        "sent": "notify.message.v1",
        "bounce": "notify.message.v1",
        "undeliverable": "notify.message.v1.dlq",
    },
    consumes=Consumes(
        topics=TOPICS,
        handlers=deferred("notify.handlers:handlers"),
        after_batch=deferred("notify.handlers:dispatch_round"),
    ),
    rebuild=deferred("notify.readmodels.rebuild:rebuild"),
)
