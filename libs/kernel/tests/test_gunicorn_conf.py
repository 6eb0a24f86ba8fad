import socket
import threading
import time
from types import SimpleNamespace

from kernel.platform import gunicorn_conf


def listening() -> socket.socket:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


def test_a_port_a_listener_holds_is_taken_and_free_once_it_closes():
    listener = listening()
    address = listener.getsockname()
    assert not gunicorn_conf.port_is_free(address)
    listener.close()
    assert gunicorn_conf.port_is_free(address)


def test_a_restarted_master_waits_for_the_orphans_to_let_go_of_its_port():
    listener = listening()  # an orphaned worker's copy of the old master's socket
    address = listener.getsockname()
    lines = []
    server = SimpleNamespace(
        cfg=SimpleNamespace(address=[address, "/tmp/a-unix-socket"]),
        log=SimpleNamespace(info=lambda message, *args: lines.append(message % args)),
    )
    threading.Timer(0.3, listener.close).start()
    started = time.monotonic()
    gunicorn_conf.wait_for_the_port(server)
    assert time.monotonic() - started >= 0.3
    assert gunicorn_conf.port_is_free(address)
    assert len(lines) == 1 and lines[0].startswith("waited 0.")


def test_a_free_port_is_bound_at_once_without_a_word():
    listener = listening()
    address = listener.getsockname()
    listener.close()
    lines = []
    server = SimpleNamespace(cfg=SimpleNamespace(address=[address]), log=SimpleNamespace(info=lines.append))
    gunicorn_conf.wait_for_the_port(server)
    assert lines == []
