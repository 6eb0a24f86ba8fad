"""business_desk: case handlers' queues, case handling and processing-time clocks.
Declared in `business_desk.service`."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(settings: Any = None, deps: Any = None) -> Flask:
    from business_desk.service import SERVICE
    from kernel.web.service_app import create_app as service_app

    return service_app(SERVICE, settings, deps)
