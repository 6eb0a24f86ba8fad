"""What a service is, declared once in its `service.py`: its name and settings, how its
dependencies are wired, which streams it publishes to which topics, which topics it
consumes and with which handlers, its read models' rebuild, its periodic jobs and its
web app. The kernel's runners (`python -m kernel.platform.run <service> <process>`),
its app factory (kernel.web.service_app) and the health checks work from this
declaration alone, so every service starts, consumes, publishes and answers the same
way, and a new one is a new declaration.

The declaration names functions, not instances: nothing is connected or imported until
a process asks for its part (a relay imports no pages, a web process no Kafka client)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pymongo.database import Database

from kernel.platform.settings import Settings

if TYPE_CHECKING:  # the consumer imports the Kafka client: a web process has no use for it
    from kernel.eventsourcing.processor import Handler


class Wired(Protocol):
    """What a service's bootstrap returns (its `Deps`): at least its settings, its
    database (for the outbox backlog metric; None with in-memory fakes) and a ping of its
    store (for /readyz)."""

    settings: Settings
    db: Database | None
    ping: Callable[[], object]


# bootstrap(settings, db): the service's dependencies on `db` (the service's database;
# None: connect to the store the settings name). Unit tests call the service's bootstrap
# with their fakes as keyword arguments instead.
Bootstrap = Callable[[Any, Database | None], Wired]


@dataclass(frozen=True)
class Consumes:
    """The topics a service's consumer reads and what it does with each event type.
    `handlers(deps)` maps event types to handlers; `after_batch(deps, stop)`, when given,
    makes a function the loop calls after each batch and while idle (notify's dispatch)."""

    topics: Sequence[str]
    handlers: Callable[[Any], Mapping[str, Handler]]  # deps -> event type -> handler
    after_batch: Callable[[Any, threading.Event], Callable[[], None]] | None = None


@dataclass(frozen=True)
class Job:
    """A periodic job: `run_once(deps)` every `interval_s` seconds (the environment
    variable `interval_env` may say otherwise), or once with --once (a CronJob)."""

    name: str
    run_once: Callable[[Any], object]
    interval_s: float
    interval_env: str


@dataclass(frozen=True)
class Web:
    """The web process: `blueprints()` imports and returns its API and page blueprints
    (flask_smorest ones join the OpenAPI document, plain Flask ones are pages);
    `setup(app, deps)` adds what is the service's own (its i18n, error pages, body
    budgets); `collectors(deps)` its business metrics beyond the outbox backlog."""

    title: str
    blueprints: Callable[[], Sequence[Any]]
    setup: Callable[[Any, Any], None] | None = None
    collectors: Callable[[Any], Sequence[Any]] = lambda _deps: ()
    api_docs: bool = False  # the interactive API docs (Swagger UI) at /api/docs


@dataclass(frozen=True)
class Service:
    name: str
    settings: Callable[[], Settings]  # the service's settings from the environment
    bootstrap: Bootstrap
    web: Web
    routes: Mapping[str, str] = field(default_factory=dict)  # stream category -> topic
    consumes: Consumes | None = None
    # rebuild(settings, db, check): the summary of rebuilding every read model (kernel.eventsourcing.rebuild)
    rebuild: Callable[..., dict[str, Any]] | None = None
    jobs: Sequence[Job] = ()

    def job(self, name: str) -> Job:
        for job in self.jobs:
            if job.name == name:
                return job
        known = ", ".join(j.name for j in self.jobs) or "none"
        raise KeyError(f"{self.name} has no job {name!r} (its jobs: {known})")

    @property
    def processes(self) -> list[str]:
        """The processes the service runs (the Procfile's and the deployment's names)."""
        named = ["web"]
        if self.routes:
            named.append("relay")
        if self.consumes:
            named.append("consumer")
        return named + [job.name for job in self.jobs]


def deferred(target: str) -> Callable[..., Any]:
    """The function `target` ("package.module:function") to call, imported at its first
    call and not before: a declaration names its parts without importing them."""
    import importlib

    module_name, _, function_name = target.partition(":")

    def call(*args: Any, **kwargs: Any) -> Any:
        function = getattr(importlib.import_module(module_name), function_name)
        return function(*args, **kwargs)

    call.__name__ = call.__qualname__ = function_name
    call.__doc__ = f"{target}, imported when first called."
    return call


def declared(service: str) -> Service:
    """The declaration of `service`: `SERVICE` in its module `<service>.service`."""
    import importlib

    module = importlib.import_module(f"{service}.service")
    declaration = module.SERVICE
    if not isinstance(declaration, Service) or declaration.name != service:
        raise TypeError(f"{service}.service.SERVICE is not the declaration of {service}")
    return declaration
