"""Gunicorn settings shared by every service's web process. The app factory runs in
each worker after the fork, so MongoClient, KafkaProducer and the tracer provider
are never shared across processes; the app's modules are imported once, in the master,
before the fork. A worker lets go of the port when its master dies (kernel.platform.web_worker)."""

import errno
import importlib
import os
import socket
import time

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "kernel.platform.web_worker.MasterBoundWorker"  # gthread, bound to its master
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 10
# one line per request (kernel.platform.web_logs); ACCESS_LOG=off for none
accesslog = None if os.environ.get("ACCESS_LOG", "-").lower() in ("", "off", "none") else "-"
logger_class = "kernel.platform.web_logs.Logger"  # gunicorn's lines as the services' (JSON or text)
preload_app = False
# Several services run side by side on one machine: no shared control socket.
control_socket_disable = True
PORT_LET_GO_S = graceful_timeout + 2.0  # a killed master's orphaned workers let go sooner


def on_starting(server):  # type: ignore[no-untyped-def]
    """The app's lines as JSON with the trace id (kernel.platform.logs); gunicorn's own go
    the same way through its logger_class (kernel.platform.web_logs)."""
    from kernel.platform import logs

    logs.configure(server.cfg.proc_name or "web")
    import_the_app_modules(server)
    wait_for_the_port(server)


def import_the_app_modules(server):  # type: ignore[no-untyped-def]
    """Import the app's package in the master (seconds on a busy machine, and what a
    worker's boot spent most of its time on): each worker forked from it only builds the
    app, so a restarted web server is ready that much sooner. Importing makes no client
    and starts no thread."""
    module, _, _ = server.app.app_uri.partition(":")
    importlib.import_module(module)


def wait_for_the_port(server):  # type: ignore[no-untyped-def]
    """A master that supervisor restarts at once after its predecessor was killed may
    find the port still held by that one's orphaned workers for a moment (they let go
    within a second or so: kernel.platform.web_worker). Wait for it quietly: gunicorn's
    own bind gives up after five tries, with an error each."""
    deadline = time.monotonic() + PORT_LET_GO_S
    started = time.monotonic()
    for address in server.cfg.address:
        if isinstance(address, tuple):  # host and port; a unix socket is ours alone
            while not port_is_free(address) and time.monotonic() < deadline:
                time.sleep(0.05)
    waited = time.monotonic() - started
    if waited >= 0.05:
        server.log.info("waited %.1f s for the port to be let go", waited)


def port_is_free(address: tuple) -> bool:  # type: ignore[type-arg]
    """Whether gunicorn's bind would succeed: a listener holds it, a closed one does not."""
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address[:2])
        except OSError as exc:
            return exc.errno != errno.EADDRINUSE
    return True
