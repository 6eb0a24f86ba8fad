"""Structured logs: one JSON object per line with the service, the trace id of the
current span and, while an event is handled, the case (or voucher) reference it is
about, so the logs of one inquiry can be found across the services. LOG_FORMAT=text
gives plain lines for a person reading a terminal. Every line is redacted as a whole
(kernel.privacy.redaction): no credential reaches a log, whichever logger wrote it (gunicorn's
access log included) and whether in the message, an argument or a traceback."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

from kernel.privacy.redaction import redact

current_reference: ContextVar[str | None] = ContextVar("current_reference", default=None)
FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(trace_id)s %(reference)s"


class ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        context = trace.get_current_span().get_span_context()
        record.trace_id = format(context.trace_id, "032x") if context.is_valid else None
        if not hasattr(record, "reference"):
            record.reference = current_reference.get()
        return True


@contextmanager
def about(reference: str | None) -> Iterator[None]:
    """Log lines inside carry this reference."""
    token = current_reference.set(reference)
    try:
        yield
    finally:
        current_reference.reset(token)


class Redacting(logging.Formatter):
    """Formats with another formatter, then cuts every credential out of the line."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.formatter = formatter

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.formatter.format(record))


def handler_for(service: str) -> logging.Handler:
    handler = logging.StreamHandler()
    if os.environ.get("LOG_FORMAT", "json").lower() == "text":
        formatter = logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")
    else:
        formatter = JsonFormatter(FIELDS, rename_fields={"asctime": "time", "levelname": "level"})
    handler.setFormatter(Redacting(formatter))
    handler.addFilter(ContextFilter(service))
    return handler


def configure(service: str) -> None:
    root = logging.getLogger()
    root.handlers[:] = [handler_for(service)]
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    # kafka-python logs every lost connection several times over (and warns about slow
    # selector tasks on a busy machine); the relay and consumer loops log what matters.
    logging.getLogger("kafka").setLevel(os.environ.get("KAFKA_LOG_LEVEL", "CRITICAL"))
