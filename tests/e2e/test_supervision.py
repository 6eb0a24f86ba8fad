"""The run command keeps the system up: a process that dies is restarted by supervisor
and the system goes on working; stopping the stack (or Ctrl-C on the run command)
leaves no process behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import Tokens
from devstack import SERVICES, procs
from devstack.infra import BIN, Infra
from devstack.stack import Stack
from devstack.supervisor import SupervisorError
from kernel.platform.settings import REPO_ROOT
from tests.e2e.conftest import case_by_reference, mails_to, post_inquiry, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # each starts a system of its own

STARTUP_S = 180  # a stack of its own, on a machine that may be busy


def submit(stack: Stack, address: str) -> str:
    return post_inquiry(stack.url("intake"), timeout_s=15, email=address)["reference"]


def assert_an_inquiry_goes_all_the_way(stack: Stack, auth: dict[str, str], timeout_s: float = 60) -> None:
    """Through intake's web and relay, business_desk's consumer, notify's consumer."""
    assert stack.infra is not None and stack.infra.mail_url
    address = f"supervised-{uuid.uuid4().hex[:8]}@example.se"
    reference = submit(stack, address)
    wait_for(lambda: case_by_reference(stack, reference, auth), timeout_s, "the case at business_desk")
    wait_for(lambda: mails_to(stack.infra.mail_url, address), timeout_s, "the receipt email")


def test_killed_workers_relays_jobs_and_stopped_consumers_are_restarted_and_the_system_works(stack, tokens):
    auth = tokens.header("case_handler", "business_desk")
    # a web worker: gunicorn's master replaces it
    [worker, *_] = stack.worker_pids("intake")
    os.kill(worker, signal.SIGKILL)
    wait_for(
        lambda: len(stack.worker_pids("intake")) == 2 and worker not in stack.worker_pids("intake"),
        30,
        "a new intake worker",
    )
    # a web server's master, a relay and a periodic job: supervisor restarts them
    killed = {name: stack.kill(name) for name in ("business_desk", "intake_relay", "business_desk_deadlines")}
    # a consumer: the embedded broker never evicts a SIGKILLed member from its group
    # (INFRA.md), so here it dies of a SIGTERM it did not expect (SIGKILL: next test)
    killed["business_desk_consumer"] = stack.kill("business_desk_consumer", signal.SIGTERM)
    for name, old in killed.items():
        new = stack.wait_restarted(name, old, 90)
        assert new != old and procs.alive(new) and not procs.alive(old)
    stack.wait_ready(60)
    assert_an_inquiry_goes_all_the_way(stack, auth)


# A killed web server answers again within this, on this 2-core machine while the rest of
# the stack runs: supervisor restarts its master at once, the port is free (its orphaned
# workers let go of it, kernel.platform.web_worker) and the app's modules are imported once, in
# the master (kernel.platform.gunicorn_conf). Before: 20-45 s (the new master could not bind the
# port the orphans held while draining, gave up, and supervisor backed off).
KILLED_WEB_READY_S = 15.0
ORPHANS_GONE_S = 15.0  # they finish what they were answering: up to graceful_timeout (10 s)


def serving_again(stack: Stack, name: str, old_master: int, orphans: list[int]) -> bool:
    """Ready, answered by a new master's workers (the orphans could answer a probe too)."""
    if any(procs.alive(pid) for pid in orphans):
        return False
    try:
        new_master = stack.pid(name)
        ready = requests.get(f"{stack.url(name)}/readyz", timeout=2).status_code == 200
    except (SupervisorError, requests.RequestException):
        return False
    return new_master != old_master and ready


@pytest.mark.parametrize("name", ["notify", "vouchers"])  # the slowest to come back before
def test_a_killed_web_master_is_serving_again_soon_and_its_orphaned_workers_are_gone(stack, name):
    stack.wait_ready(60)
    orphans = stack.worker_pids(name)
    killed_at = time.monotonic()
    old = stack.kill(name)
    wait_for(lambda: not any(procs.alive(pid) for pid in orphans), ORPHANS_GONE_S, "orphans gone")
    wait_for(
        lambda: serving_again(stack, name, old, orphans),
        KILLED_WEB_READY_S - (time.monotonic() - killed_at),
        f"{name} serving again within {KILLED_WEB_READY_S:.0f}s of its master's kill",
    )
    print(f"{name}: serving again {time.monotonic() - killed_at:.1f}s after its master was killed")
    log = stack.log_path(name).read_text(encoding="utf-8")
    assert "Address already in use" not in log, "the restarted master found its port taken"


def test_a_consumer_killed_hard_is_back_after_a_broker_restart_and_stop_leaves_no_process(tmp_path):
    infra = Infra(tmp_path / "infra", mongo_in_memory=True)
    stack = Stack(tmp_path / "stack", infra=infra).start(timeout_s=STARTUP_S)
    try:
        auth = Tokens(infra.oidc_issuer, infra.service_client_secret).header("case_handler", "business_desk")
        old = stack.kill("notify_consumer")
        stack.wait_restarted("notify_consumer", old, 90)
        infra.stop_server("kafka")  # the only way the embedded broker lets the dead member go
        infra.start_server("kafka")
        assert_an_inquiry_goes_all_the_way(stack, auth, timeout_s=120)

        ours = {stack.pid(name) for name in stack.processes}
        ours |= {pid for name in SERVICES for pid in stack.worker_pids(name)}
        assert len(ours) == len(stack.processes) + 8  # two workers per web server
    finally:
        stack.stop()
    assert [pid for pid in ours if procs.alive(pid)] == []
    assert stack.leftovers() == []
    assert not stack.running


def supervisorctl(config: Path, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "supervisorctl"), "-c", str(config), *args], capture_output=True, text=True, timeout=30
    )
    return done.stdout.strip()


def test_the_run_command_outlives_a_crashed_process_and_ctrl_c_stops_everything(tmp_path):
    data_dir = tmp_path / "run"
    command = subprocess.Popen(
        [sys.executable, "-m", "devstack", "run", "--data-dir", str(data_dir), "--free-ports"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the SIGINT below is for it alone, as Ctrl-C in its terminal
    )
    output: list[str] = []
    try:
        assert command.stdout is not None
        deadline = time.monotonic() + 240
        for line in iter(command.stdout.readline, b""):
            output.append(line.decode(errors="replace"))
            if "Press Ctrl-C to stop." in output[-1] or time.monotonic() > deadline:
                break
        assert "Press Ctrl-C to stop." in "".join(output), "".join(output)[-3000:]
        intake = re.search(r"Business owners' form\s+(\S+)/\n", "".join(output)).group(1)
        config = data_dir / "supervisor" / "supervisord.conf"
        server_url = re.search(r"serverurl=(\S+)", config.read_text()).group(1)

        old = int(supervisorctl(config, "pid", "intake_relay"))
        os.kill(old, signal.SIGKILL)
        wait_for(
            lambda: supervisorctl(config, "pid", "intake_relay") not in ("", "0", str(old)),
            60,
            "intake_relay restarted",
        )
        assert command.poll() is None, "the run command exited when a process died"
        assert requests.get(f"{intake}/readyz", timeout=5).status_code == 200

        command.send_signal(signal.SIGINT)
        assert command.wait(90) == 0
    finally:
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
            command.wait(10)
    left = [e.pid for e in procs.entries() if procs.environ(e.pid).get("SUPERVISOR_SERVER_URL") == server_url]
    assert left == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{intake}/readyz", timeout=5)
