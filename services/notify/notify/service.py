"""The notify service, declared once (kernel.platform.service): the delivery log it
publishes, the five topics it consumes (and the dispatch after each batch), its read
model's rebuild and its web app (the delivery log's API and its gauges)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from kernel.platform.service import Consumes, Service, Web
from notify.settings import NotifySettings

TOPICS = (
    "intake.inquiry.v1",
    "intake.signin.v1",
    "business_desk.case.v1",
    "vouchers.voucher.v1",
    "vouchers.payment.v1",
)


def bootstrap(settings: Any, db: Any) -> Any:
    from notify.bootstrap import bootstrap

    return bootstrap(settings, db)


def blueprints() -> list[Any]:
    from notify.web.api import blp

    return [blp]


def collectors(deps: Any) -> list[Any]:
    from kernel.platform.metrics import FunctionCollector
    from notify.web.metrics import delivery_gauges

    return [FunctionCollector(lambda: delivery_gauges(deps.deliveries))]


def handlers(deps: Any) -> Mapping[str, Any]:
    from notify.handlers import handlers

    return handlers(deps)


def dispatch_round(deps: Any, stop: threading.Event) -> Callable[[], None]:
    from notify.handlers import dispatch_round

    return dispatch_round(deps, stop)


def rebuild(settings: Any, db: Any = None, check: bool = False) -> dict[str, Any]:
    from notify.readmodels.rebuild import rebuild

    return rebuild(settings, db, check)


SERVICE = Service(
    name="notify",
    settings=NotifySettings.from_env,
    bootstrap=bootstrap,
    web=Web(title="Notify: notifications", blueprints=blueprints, collectors=collectors),
    # the delivery log (kernel.platform.runners.run_relay adds the prefix); the given-up to the DLQ
    routes={
        "message": "notify.message.v1",
        "sent": "notify.message.v1",
        "bounce": "notify.message.v1",
        "undeliverable": "notify.message.v1.dlq",
    },
    consumes=Consumes(topics=TOPICS, handlers=handlers, after_batch=dispatch_round),
    rebuild=rebuild,
)
