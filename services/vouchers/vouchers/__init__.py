"""vouchers: customer choice (LOV): programmes, providers, citizens' vouchers,
redemptions, payments and published results. Declared in `vouchers.service`."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(settings: Any = None, deps: Any = None) -> Flask:
    from kernel.web.service_app import create_app as service_app
    from vouchers.service import SERVICE

    return service_app(SERVICE, settings, deps)
