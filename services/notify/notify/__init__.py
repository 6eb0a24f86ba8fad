"""notify: emails and texts to applicants, staff, citizens and providers, and the
delivery log. Declared in `notify.service`."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(settings: Any = None, deps: Any = None) -> Flask:
    from kernel.web.service_app import create_app as service_app
    from notify.service import SERVICE

    return service_app(SERVICE, settings, deps)
