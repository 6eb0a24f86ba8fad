"""Every service's rebuild entrypoint runs as an operator runs it (`python -m
kernel.platform.run <service> rebuild --check`, or `python -m <service>.rebuild --check`
while a service has no declaration yet) against the real store: it prints its summary as JSON and says
by its exit status whether the read models equal a rebuild."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from kernel.platform.connections import mongo_client

pytestmark = pytest.mark.integration
SERVICES = ("intake", "business_desk", "notify", "vouchers")


def run(service: str, *args: str) -> subprocess.CompletedProcess:
    declared = importlib.util.find_spec(f"{service}.service") is not None  # run from its declaration
    module = ["kernel.platform.run", service, "rebuild"] if declared else [f"{service}.rebuild"]
    return subprocess.run(
        [sys.executable, "-m", *module, *args],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("service", SERVICES)
def test_the_entrypoint_checks_rebuilds_and_says_so(service, isolated_env, settings_for):
    checked = run(service, "--check")
    assert checked.returncode == 0, checked.stderr
    summary = json.loads(checked.stdout)
    assert summary["service"] == service and all(m["changed"] == 0 for m in summary["models"])
    rebuilt = run(service)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert {m["model"] for m in json.loads(rebuilt.stdout)["models"]} == {
        m["model"] for m in summary["models"]
    }


def test_a_check_that_finds_a_difference_exits_non_zero(isolated_env, settings_for):
    settings = settings_for("notify")
    db = mongo_client(settings)[settings.database]
    db["recipients"].insert_one({"_id": "stray", "subject_id": "nobody", "language": "sv"})
    checked = run("notify", "--check")
    assert checked.returncode == 1 and json.loads(checked.stdout)["models"][0]["removed"] == 1
    assert db["recipients"].find_one({"_id": "stray"}) is not None
    assert run("notify").returncode == 0 and db["recipients"].find_one({"_id": "stray"}) is None
