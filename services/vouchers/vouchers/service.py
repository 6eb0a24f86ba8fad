"""The vouchers service, declared once (kernel.platform.service): what it publishes, its
read models' rebuild, its periodic jobs (the monthly payment run, the erasure of
personal data past its retention) and its web app. It consumes no other service's
events."""

from __future__ import annotations

import os
from typing import Any

from kernel.platform.service import Job, Service, Web, deferred
from vouchers.settings import VouchersSettings


def blueprints() -> list[Any]:
    from vouchers.web import vouchers_api, work_pages  # noqa: F401 - their routes join `blp` and `pages`
    from vouchers.web.api import blp
    from vouchers.web.pages import pages

    return [blp, pages]


def setup(app: Any, deps: Any) -> None:
    """The kept published comparison, the deployment's languages (its country's), and the
    pages' language for the kernel's own pages (429)."""
    from vouchers.i18n import offered_languages
    from vouchers.readmodels.published import published_figures
    from vouchers.web.pages import language
    from vouchers.web.schemas import offer_languages_in_openapi

    app.extensions["vouchers.published"] = published_figures(
        deps, float(os.environ.get("COMPARISON_CACHE_S", "300"))
    )
    app.config["LANGUAGES"] = offered_languages(deps.country)
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    offer_languages_in_openapi(api.spec, deps.country)  # the grant's email languages
    app.extensions["kernel.page_language"] = language


payment_round = deferred("vouchers.handlers:payment_round")
retention_round = deferred("vouchers.handlers:retention_round")


SERVICE = Service(
    name="vouchers",
    settings=VouchersSettings.from_env,
    bootstrap=deferred("vouchers.bootstrap:bootstrap"),
    web=Web(title="Vouchers: customer choice", blueprints=blueprints, setup=setup),
    routes={
        "provider": "vouchers.provider.v1",
        "programme": "vouchers.programme.v1",
        "voucher": "vouchers.voucher.v1",
        "payment": "vouchers.payment.v1",
    },
    rebuild=deferred("vouchers.readmodels.rebuild:rebuild"),
    jobs=[
        # each round pays last month if it is not paid yet: safe hourly, from a CronJob, or after a crash
        Job("payments", run_once=payment_round, interval_s=3600, interval_env="PAYMENT_RUN_INTERVAL_S"),
        # erases citizens' personal data on vouchers past RETENTION_DAYS and paid in full
        Job("retention", run_once=retention_round, interval_s=3600, interval_env="RETENTION_INTERVAL_S"),
    ],
)
