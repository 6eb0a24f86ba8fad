"""Gunicorn settings shared by every service's web process. The app factory runs in
each worker after the fork, so MongoClient, KafkaProducer and the tracer provider
are never shared across processes."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 10
accesslog = os.environ.get("ACCESS_LOG") or None
preload_app = False
# Several services run side by side on one machine: no shared control socket.
control_socket_disable = True


def on_starting(server):  # type: ignore[no-untyped-def]
    """Gunicorn's own lines and the app's, as JSON with the trace id (kernel.logs)."""
    import logging

    from kernel import logs

    service = server.cfg.proc_name or "web"
    logs.configure(service)
    for name in ("gunicorn.error", "gunicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [logs.handler_for(service)]
        logger.propagate = False
