"""Carries out a fault of the schedule on the running system and measures how long the
system takes to work again: from the fault until every process runs, every web service
is ready and a probe inquiry submitted after the fault has its case at business_desk and
its receipt sent by notify."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from devstack import SERVICES
from devstack.infra import Infra
from devstack.ports import wait_until_closed
from devstack.stack import Stack
from tests.faults.schedule import Fault


@dataclass
class Outcome:
    fault: Fault
    at: float  # time.monotonic() when it was injected
    recovered_s: float | None  # None: not within the bound
    probe_reference: str | None
    note: str = ""
    phases: dict[str, float] = field(default_factory=dict)  # seconds after the fault: running, ready, ...

    def describe_phases(self) -> str:
        return ", ".join(f"{name} {at:.1f}s" for name, at in self.phases.items())


class Injector:
    def __init__(
        self,
        stack: Stack,
        infra: Infra,
        probe: Callable[[], str | None],
        rng: random.Random,
        recovery_bound_s: float,
    ) -> None:
        self.stack = stack
        self.infra = infra
        self._probe = probe  # submits an inquiry; its reference if accepted, else None
        self._rng = rng
        self._bound_s = recovery_bound_s
        env = stack.env()
        self._prefix = env.get("MONGODB_DATABASE_PREFIX", "")
        self._mongo = MongoClient(env["MONGODB_URI"], serverSelectionTimeoutMS=2000, tz_aware=True)

    def close(self) -> None:
        self._mongo.close()

    def inject(self, fault: Fault) -> Outcome:
        at = time.monotonic()
        note = self._carry_out(fault)
        reference = None
        phases: dict[str, float] = {}
        deadline = at + self._bound_s
        while time.monotonic() < deadline:
            if reference is None:
                if "running" not in phases and self._all_processes_running():
                    phases["running"] = time.monotonic() - at
                if "running" in phases and self._all_ready():
                    phases.setdefault("ready", time.monotonic() - at)
                    reference = self._probe()
                    if reference is not None:
                        phases["probe accepted"] = time.monotonic() - at
            if reference is not None and self._went_through(reference):
                return Outcome(fault, at, time.monotonic() - at, reference, note, phases)
            time.sleep(0.5)
        return Outcome(fault, at, None, reference, note or "no recovery within the bound", phases)

    def _carry_out(self, fault: Fault) -> str:
        kind, target = fault.kind, fault.target
        if kind == "kill_web_worker":
            workers = self.stack.worker_pids(target)
            if not workers:
                return "no worker to kill"
            os.kill(self._rng.choice(workers), signal.SIGKILL)
        elif kind in ("kill_web_server", "kill_relay", "kill_job"):
            self.stack.kill(target)
        elif kind == "stop_consumer":
            self.stack.kill(target, signal.SIGTERM)
        elif kind == "kill_consumer":
            self.stack.kill(target)
            self._restart_server("kafka", fault.away_s, hard=False)
        elif kind == "restart_broker":
            self._restart_server("kafka", fault.away_s, hard=False)
        elif kind == "restart_store":
            self._restart_server("mongo", fault.away_s, hard=False)
        elif kind == "kill_store":
            self._restart_server("mongo", fault.away_s, hard=True)
        else:
            raise ValueError(f"unknown fault {kind}")
        return ""

    def _restart_server(self, name: str, away_s: float, hard: bool) -> None:
        process = self.infra.processes[name]
        if hard:
            process.kill()
            wait_until_closed(process.port, 10)
        else:
            process.stop()
        time.sleep(away_s)
        self.infra.start_server(name)

    def _all_processes_running(self) -> bool:
        try:
            states = self.stack.states()
        except OSError:
            return False
        workers_back = all(len(self.stack.worker_pids(s)) >= 2 for s in SERVICES if s in states)
        return workers_back and all(state == "RUNNING" for state in states.values())

    def _all_ready(self) -> bool:
        for service in SERVICES:
            try:
                if requests.get(f"{self.stack.url(service)}/readyz", timeout=3).status_code != 200:
                    return False
            except requests.RequestException:
                return False
        return True

    def _went_through(self, reference: str) -> bool:
        try:
            case = self._mongo[f"{self._prefix}business_desk"]["cases"].find_one(
                {"reference": reference}, {"_id": 1}
            )
            sent = self._mongo[f"{self._prefix}notify"]["outgoing_mail"].find_one(
                {"reference": reference, "status": "sent"}, {"_id": 1}
            )
        except PyMongoError:
            return False
        return case is not None and sent is not None
