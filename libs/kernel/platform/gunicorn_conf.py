"""Gunicorn settings shared by every service's web process. The app factory runs in
each worker after the fork, so MongoClient, KafkaProducer and the tracer provider
are never shared across processes; the app's modules are imported once, in the master,
before the fork. A worker lets go of the port when its master dies (kernel.platform.web_worker)."""

import importlib
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "kernel.platform.web_worker.MasterBoundWorker"  # gthread, bound to its master
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 10
accesslog = os.environ.get("ACCESS_LOG") or None
preload_app = False
# Several services run side by side on one machine: no shared control socket.
control_socket_disable = True


def on_starting(server):  # type: ignore[no-untyped-def]
    """Gunicorn's own lines and the app's, as JSON with the trace id (kernel.platform.logs)."""
    import logging

    from kernel.platform import logs

    service = server.cfg.proc_name or "web"
    logs.configure(service)
    for name in ("gunicorn.error", "gunicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [logs.handler_for(service)]
        logger.propagate = False
    import_the_app_modules(server)


def import_the_app_modules(server):  # type: ignore[no-untyped-def]
    """Import the app's package in the master (seconds on a busy machine, and what a
    worker's boot spent most of its time on): each worker forked from it only builds the
    app, so a restarted web server is ready that much sooner. Importing makes no client
    and starts no thread."""
    module, _, _ = server.app.app_uri.partition(":")
    importlib.import_module(module)
