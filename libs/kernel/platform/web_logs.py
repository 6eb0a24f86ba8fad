"""gunicorn's lines as the services' other lines (kernel.platform.logs: JSON or text, with
the trace id, every line redacted), under names a person reads right: its own INFO lines
as `gunicorn` (not `gunicorn.error`, which read as an error on every line) and one
`access` line per request with the method, the path, the status and the duration. The
access line has no query string (a search or a link's parameters may carry personal data
or a credential), no client address, referrer or user agent; a credential in the path
(`/track/<token>`, `/sign-in/<token>`) is cut out by the redaction of every line."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from gunicorn import glogging

from kernel.platform import logs

NAMES = {"gunicorn.error": "gunicorn", "gunicorn.access": "access"}


class Renamed(logging.Filter):
    """Gives a logger's records the name a reader sees."""

    def __init__(self, shown: str) -> None:
        super().__init__()
        self.shown = shown

    def filter(self, record: logging.LogRecord) -> bool:
        record.name = self.shown
        return True


def access_fields(method: str, path: str, status: object, request_time: timedelta) -> dict[str, Any]:
    """What an access line says of a request: no query string, no address, no headers."""
    code = str(status).split(None, 1)[0] if status is not None else "-"
    duration_ms = request_time.seconds * 1000 + request_time.microseconds // 1000
    return {"method": method or "-", "path": path or "/", "status": code, "duration_ms": duration_ms}


def access_message(fields: dict[str, Any]) -> str:
    return f"{fields['method']} {fields['path']} {fields['status']} {fields['duration_ms']} ms"


def configure(error_log: logging.Logger, access_log: logging.Logger, service: str) -> None:
    """gunicorn's two loggers through the services' handler, under their shown names."""
    for log in (error_log, access_log):
        log.handlers[:] = [logs.handler_for(service)]
        log.filters[:] = [Renamed(NAMES[log.name])]
        log.propagate = False


class Logger(glogging.Logger):
    """gunicorn's logger_class (kernel.platform.gunicorn_conf)."""

    def setup(self, cfg):  # type: ignore[no-untyped-def]
        super().setup(cfg)
        configure(self.error_log, self.access_log, cfg.proc_name or "web")

    def access(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        if not self.access_log_enabled:
            return
        fields = access_fields(
            environ.get("REQUEST_METHOD", "-"), environ.get("PATH_INFO", "/"), resp.status, request_time
        )
        self.access_log.info(access_message(fields), extra=fields)
