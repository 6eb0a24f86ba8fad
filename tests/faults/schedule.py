"""The fault suite's schedule: which fault, on which process or server, after how long a
pause. Drawn from one seed, so a failing run is replayed exactly (FAULT_SEED). Pure."""

from __future__ import annotations

import random
from dataclasses import dataclass

from devstack import SERVICES

# What each kind does (tests/faults/injector.py carries them out):
KINDS = {
    "kill_web_worker": "SIGKILL one gunicorn worker of a web service (gunicorn forks another)",
    "kill_web_server": "SIGKILL a web service's gunicorn master (supervisor restarts it)",
    "kill_relay": "SIGKILL an outbox relay (supervisor restarts it)",
    "kill_job": "SIGKILL a periodic job: deadlines, retention, payments (supervisor restarts it)",
    "stop_consumer": "SIGTERM a consumer, which also dispatches (notify's sends mail): it exits, "
    "supervisor restarts it",
    "kill_consumer": "SIGKILL a consumer, then restart the broker (the embedded one never evicts a "
    "SIGKILLed group member, INFRA.md)",
    "restart_broker": "stop the broker (noida-db, SIGTERM), keep it away, start it on the same data",
    "restart_store": "stop the store (SecantusDB, SIGTERM), keep it away, start it on the same storage",
    "kill_store": "SIGKILL the store, keep it away, start it on the same storage",
}


@dataclass(frozen=True)
class Fault:
    kind: str
    target: str  # a Procfile process, "broker" or "store"
    pause_s: float  # after the previous fault's recovery
    away_s: float  # how long a stopped server stays away (0 for a process)

    def describe(self) -> str:
        away = f", away {self.away_s:.1f}s" if self.away_s else ""
        return f"after {self.pause_s:4.1f}s  {self.kind:<16} {self.target}{away}"


def targets(kind: str, processes: list[str]) -> list[str]:
    relays = [p for p in processes if p.endswith("_relay")]
    consumers = [p for p in processes if p.endswith("_consumer")]
    web = [p for p in processes if p in SERVICES]
    jobs = [p for p in processes if p not in (*relays, *consumers, *web)]
    return {
        "kill_web_worker": web,
        "kill_web_server": web,
        "kill_relay": relays,
        "kill_job": jobs,
        "stop_consumer": consumers,
        "kill_consumer": consumers,
        "restart_broker": ["broker"],
        "restart_store": ["store"],
        "kill_store": ["store"],
    }[kind]


def plan(
    seed: int, processes: list[str], count: int, pause_s: tuple[float, float], away_s: tuple[float, float]
) -> list[Fault]:
    """`count` faults: every kind once first (in a random order), then kinds at random."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    rng.shuffle(kinds)
    while len(kinds) < count:
        kinds.append(rng.choice(list(KINDS)))
    faults = []
    for kind in kinds[:count]:
        server = kind in ("restart_broker", "restart_store", "kill_store")
        faults.append(
            Fault(
                kind=kind,
                target=rng.choice(targets(kind, processes)),
                pause_s=round(rng.uniform(*pause_s), 1),
                away_s=round(rng.uniform(*away_s), 1) if server else 0.0,
            )
        )
    return faults
