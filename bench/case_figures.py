"""Projection rebuild rate and dashboard response time over 100,000 historical cases, in one run.

1. Generates N historical cases (default 100,000) over the last two years by running the
   real case-handling commands (open, claim, completion request and reply, extension,
   decision) on an in-memory store with a moving clock, then bulk-imports their events
   into business_desk's event store on the embedded MongoDB-protocol server (personal
   data sealed, one data key per applicant, as in production).
2. Measures the raw store's read rate over the same events (documents/s, no decoding).
3. Rebuilds the case read model and the figure buckets from the events (events/s) and
   prints the ratio to the raw read rate.
4. Times the managers' dashboard page (figures and four charts) and the figures API over
   those cases, through Flask's test client with a real manager's token, cycling through
   periods, case types and breakdowns: p50 and p95.

Targets (issue 4): rebuild >= 10,000 events/s, dashboard p95 <= 200 ms.

Usage: .local/venv/bin/python bench/case_figures.py [--cases 100000] [--requests 200] [--data-dir DIR]
       [--phases]

With --data-dir the generated events (and their data keys) are kept in DIR and reused by
the next run with the same --cases, which then skips the ten-minute import.


Kept in one module: one benchmark run, its phases in order."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from devstack.infra import Infra
from devstack.oidc import DEMO_USERS, login
from kernel.platform.connections import mongo_client
from kernel.privacy.personal import new_master_key

TYPES = [  # (case type, share of the cases)
    ("general_business_advice", 0.30),
    ("food_business_registration", 0.18),
    ("outdoor_seating", 0.15),
    ("alcohol_serving_licence", 0.12),
    ("building_permit", 0.15),
    ("environmental_health_permit", 0.10),
]


def generate(count: int, today: date, catalogue, settings):  # type: ignore[no-untyped-def]
    """The events of `count` cases, made by the real commands on an in-memory store."""
    from business_desk import handlers
    from business_desk.bootstrap import Deps
    from kernel.eventsourcing.contracts import golden_example
    from kernel.eventsourcing.envelope import Envelope
    from kernel.eventsourcing.memory_store import InMemoryEventStore

    rng = random.Random(42)
    now = {"day": today}
    clock = lambda: datetime(now["day"].year, now["day"].month, now["day"].day, 10, tzinfo=UTC)  # noqa: E731
    store = InMemoryEventStore(clock=clock)
    deps = Deps(settings=settings, store=store, catalogue=catalogue, clock=clock)
    template = golden_example("intake.inquiry_submitted")
    kinds, weights = zip(*TYPES, strict=True)
    open_case = handlers.open_case_from_inquiry(deps)
    for n in range(count):
        case_type = rng.choices(kinds, weights)[0]
        received = today - timedelta(days=rng.randint(0, 729))
        raw = {**template, "event_id": str(uuid.uuid4()), "data": {**template["data"]}}
        raw["data"].update(
            inquiry_id=str(uuid.uuid4()),
            subject_id=str(uuid.uuid4()),
            reference=f"BUS-{received.year}-{n:06d}",
            case_type=case_type,
            received_on=received.isoformat(),
        )
        now["day"] = received
        open_case(Envelope.from_dict(raw), None)
        case_id = raw["data"]["inquiry_id"]
        team = catalogue.team_of(case_type)
        handler = rng.choice(team.members).actor
        target_days = catalogue.get(case_type).target.amount * (
            7 if catalogue.get(case_type).target.unit == "weeks" else 1.4
        )

        def on(day: date) -> bool:
            now["day"] = day
            return day <= today

        if not on(received + timedelta(days=rng.randint(0, 3))):
            continue
        handlers.claim(deps, case_id, handler)
        if rng.random() < 0.4:
            asked = now["day"] + timedelta(days=rng.randint(1, 10))
            if not on(asked):
                continue
            handlers.request_completion(deps, case_id, handler, "Komplettera med ritningar.")
            if not on(asked + timedelta(days=rng.randint(2, 25))):
                continue
            handlers.register_reply(deps, case_id, "Ritningar bifogade.")
        if case_type == "building_permit" and rng.random() < 0.05:
            handlers.extend_deadline(deps, case_id, handler, "Strandskydd måste prövas.")
        decided = now["day"] + timedelta(days=max(1, round(rng.gauss(target_days * 0.7, target_days * 0.35))))
        if not on(decided):
            continue
        handlers.decide(
            deps, case_id, handler, rng.choice(["granted", "granted", "refused", "answered"]), "Beslut."
        )
    return [envelope for _, envelope in store.read_after(0, 10**9)]


def rebuild_phases(deps, raw_events) -> None:  # type: ignore[no-untyped-def]
    """The rebuild's steps timed one by one (what the store does and what this process does),
    into a scratch collection: where a rebuild's time goes."""
    from pymongo import ASCENDING

    from business_desk.readmodels.case_projection import evolve, settle

    timings: list[tuple[str, float]] = []

    def timed(name: str, step):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = step()
        timings.append((name, time.perf_counter() - started))
        return result

    timed(
        "store: read the events (no decoding)", lambda: sum(1 for _ in raw_events.find({}, batch_size=1000))
    )
    events = timed("read, decode and open them", lambda: list(deps.store.read_all()))

    def fold() -> list:  # type: ignore[type-arg]
        docs: dict = {}  # type: ignore[type-arg]
        for event in events:
            if event.type.startswith("business_desk."):
                case_id = event.data["case_id"]
                if (doc := evolve(docs.get(case_id), event, deps.catalogue, settled=False)) is not None:
                    docs[case_id] = doc
        for doc in docs.values():
            settle(doc, deps.catalogue)
        return list(docs.values())

    docs = timed("fold the events into cases (clocks, search tokens)", fold)
    scratch = raw_events.database["cases_phases"]
    scratch.drop()
    timed(
        "store: insert the case documents",
        lambda: [scratch.insert_many(docs[i : i + 1000], ordered=False) for i in range(0, len(docs), 1000)],
    )
    for name, keys in (
        (
            "queue (case type, phase, due)",
            [("case_type", ASCENDING), ("phase", ASCENDING), ("due_date", ASCENDING)],
        ),
        ("phase, due", [("phase", ASCENDING), ("due_date", ASCENDING)]),
        ("reference", [("reference", ASCENDING)]),
        ("search tokens (multikey)", [("search", ASCENDING)]),
    ):
        timed(f"store: build the {name} index", lambda keys=keys: scratch.create_index(keys))
    scratch.drop()
    print(f"rebuild phases over {len(events)} events and {len(docs)} cases:")
    for name, seconds in timings:
        print(f"  {seconds:7.1f} s  {name}")


def sign_in_to_pages(client) -> None:  # type: ignore[no-untyped-def]
    """The pages sign in through the OpenID provider's login page, as a manager."""
    from urllib.parse import urlparse

    from devstack.oidc import sign_in_at

    started = client.get("/auth/login?next=/")
    back = urlparse(
        sign_in_at(started.headers["Location"], DEMO_USERS["manager"], "http://localhost/auth/callback")
    )
    assert client.get(f"{back.path}?{back.query}").status_code == 302


def time_live_rebuild(deps, cases: int) -> None:  # type: ignore[no-untyped-def]
    """The live-safe rebuild (chunked transactions, only what differs written): over the read
    model just rebuilt (reads and compares) and over an emptied one (writes every case)."""
    from business_desk.readmodels.rebuild import rebuild as live_rebuild

    db = mongo_client(deps.settings)[deps.settings.database]
    for label, prepare in (
        ("over the read model", lambda: None),
        ("from scratch", lambda: db["cases"].delete_many({})),
    ):
        prepare()
        started = time.perf_counter()
        result = live_rebuild(deps.settings)
        seconds = time.perf_counter() - started
        changed = {m["model"]: m["changed"] for m in result["models"]}
        print(
            f"live-safe rebuild {label}: {cases / seconds:8.0f} cases/s ({seconds:.1f} s; written {changed})"
        )


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, help="keep the generated cases here and reuse them")
    parser.add_argument(
        "--skip-rebuild", action="store_true", help="time the dashboard on the read model a last run left"
    )
    parser.add_argument("--phases", action="store_true", help="also time the rebuild's steps one by one")
    parser.add_argument(
        "--live-rebuild",
        action="store_true",
        help="also time business_desk's rebuild (safe live): over the read model and from scratch",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        data_dir = args.data_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="figures-bench-"))
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        infra = stack.enter_context(Infra(data_dir))
        run(args, infra, data_dir)


def run(args: argparse.Namespace, infra: Infra, data_dir: Path) -> None:
    key_file, made_file = data_dir / "master.key", data_dir / "cases.made"
    if not key_file.exists():
        key_file.write_text(new_master_key())
    os.environ.update({**infra.env(), "SECRET_KEY": "bench", "DATA_MASTER_KEY": key_file.read_text()})
    from business_desk import create_app

    app = create_app()
    deps = app.extensions["business_desk.deps"]
    today = deps.clock().date()

    if made_file.exists() and made_file.read_text() == f"{args.cases} {today}":
        print(f"{args.cases} cases reused from {data_dir}")
    else:
        mongo_client(deps.settings)[deps.settings.database]["events"].delete_many({})
        started = time.perf_counter()
        events = generate(args.cases, today, deps.catalogue, deps.settings)
        generated_s = time.perf_counter() - started
        started = time.perf_counter()
        deps.store.import_events(events)
        imported_s = time.perf_counter() - started
        made_file.write_text(f"{args.cases} {today}")
        print(
            f"{args.cases} cases, {len(events)} events: "
            f"generated in {generated_s:.0f} s, imported in {imported_s:.0f} s"
        )

    raw_events = mongo_client(deps.settings)[deps.settings.database]["events"]  # the baseline
    started = time.perf_counter()
    read = sum(1 for _ in raw_events.find({}, batch_size=1000))
    raw_rate = read / (time.perf_counter() - started)

    if args.phases:
        rebuild_phases(deps, raw_events)
    rebuild_rate = rebuilt = rebuild_s = 0.0
    if not args.skip_rebuild:
        started = time.perf_counter()
        rebuilt = deps.cases.rebuild(deps.store.read_all())
        rebuild_s = time.perf_counter() - started
        rebuild_rate = rebuilt / rebuild_s
    if args.live_rebuild:
        time_live_rebuild(deps, args.cases)
    open_now = deps.cases.counts()

    client = app.test_client()
    token = login(infra.oidc_issuer, DEMO_USERS["manager"], "business_desk")["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    sign_in_to_pages(client)
    queries = [
        f"period={p}&group_by={g}{ct}"
        for p, g, ct in itertools.product(
            ("4w", "13w", "52w"),
            ("case_type", "team", "handler"),
            ("", "&case_type=building_permit", "&team=licensing"),
        )
    ]
    timings = {"page": [], "api": []}
    for kind, path in (("api", "/api/v1/figures"), ("page", "/dashboard")):
        for i in range(args.requests):
            query = queries[i % len(queries)]
            started = time.perf_counter()
            response = client.get(f"{path}?{query}", headers=headers)
            timings[kind].append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)

    print(f"open cases now: {sum(open_now.values())}")
    print(f"raw store read:          {raw_rate:10.0f} events/s")
    if args.skip_rebuild:
        print("projection rebuild:      skipped (--skip-rebuild)")
    else:
        print(
            f"projection rebuild:      {rebuild_rate:10.0f} events/s  "
            f"({rebuilt} events in {rebuild_s:.1f} s; target >= 10,000)"
        )
        print(f"  ratio rebuild / raw read: {rebuild_rate / raw_rate:.2f}")
    for kind, label in (("api", "GET /api/v1/figures"), ("page", "GET /dashboard (figures + 4 SVG charts)")):
        p50, p95 = percentiles(timings[kind])
        print(
            f"{label}: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
            f"over {args.requests} requests (target p95 <= 200 ms)"
        )


if __name__ == "__main__":
    main()
