"""intake: business owners submit permit applications and business inquiries, and follow
their cases. Declared in `intake.service`."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(settings: Any = None, deps: Any = None) -> Flask:
    from intake.service import SERVICE
    from kernel.web.service_app import create_app as service_app

    return service_app(SERVICE, settings, deps)
