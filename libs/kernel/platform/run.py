"""Every process of every service, from its declaration (kernel.platform.service):

    python -m kernel.platform.run <service> relay
    python -m kernel.platform.run <service> consumer
    python -m kernel.platform.run <service> rebuild [--check]
    python -m kernel.platform.run <service> <job> [--once]

The web process is gunicorn's: `gunicorn -c python:kernel.platform.gunicorn_conf
'<service>:create_app()'` (kernel.web.service_app)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from pymongo.database import Database

from kernel.platform.service import Service, declared


def relay(service: Service, _argv: Sequence[str]) -> None:
    from kernel.platform.runners import run_relay

    run_relay(service.settings(), service.routes)


def consumer(service: Service, _argv: Sequence[str]) -> None:
    from kernel.platform.runners import run_consumer

    consumes = service.consumes
    if consumes is None:
        raise SystemExit(f"{service.name} consumes no topic")
    settings = service.settings()
    wired: dict[int, Any] = {}

    def deps_on(db: Database) -> Any:
        """One set of dependencies for the handlers and the after-batch work (made once,
        when the store answers)."""
        if id(db) not in wired:
            wired[id(db)] = service.bootstrap(settings, db)
        return wired[id(db)]

    after_batch = consumes.after_batch
    run_consumer(
        settings,
        list(consumes.topics),
        lambda db: consumes.handlers(deps_on(db)),
        after_batch=(lambda db, stop: after_batch(deps_on(db), stop)) if after_batch else None,
    )


def rebuild(service: Service, argv: Sequence[str]) -> None:
    from kernel.eventsourcing.rebuild import run_cli

    if service.rebuild is None:
        raise SystemExit(f"{service.name} has no read model to rebuild")
    run_cli(service.settings, service.rebuild, argv)


def job(service: Service, name: str, argv: Sequence[str]) -> None:
    from kernel.platform.runners import configure_logging, run_periodically

    declared_job = service.job(name)
    process = f"{service.name}-{name}"
    configure_logging(process)
    settings = service.settings()
    run_periodically(
        process,
        declared_job.run_once,
        float(os.environ.get(declared_job.interval_env, str(declared_job.interval_s))),
        settings,
        setup=lambda db: service.bootstrap(settings, db),
        argv=argv,
    )


PROCESSES = {"relay": relay, "consumer": consumer, "rebuild": rebuild}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kernel.platform.run", description=__doc__)
    parser.add_argument("service")
    parser.add_argument("process", help="relay, consumer, rebuild or one of the service's jobs")
    args, rest = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    service = declared(args.service)
    run = PROCESSES.get(args.process)
    if run is not None:
        run(service, rest)
    else:
        try:
            service.job(args.process)
        except KeyError as exc:
            parser.error(str(exc.args[0]))
        job(service, args.process, rest)


if __name__ == "__main__":
    main()
