"""Cost of sealing personal data per data subject, in one run on the real store.

Appends the same inquiry events to the MongoDB-protocol event store twice: once as
they were before crypto-shredding (personal data in clear) and once sealed with a
fresh subject key each (a key created in the shared vault per inquiry, as intake
does). Then loads every stream back (opening the seals). Prints the rates and ratios.

Usage: .local/venv/bin/python bench/personal_data.py [--events 1000]
"""

from __future__ import annotations

import argparse
import base64
import tempfile
import time
from pathlib import Path

from catalogue import casetypes
from devstack import settings_of
from devstack.infra import Infra
from kernel.eventsourcing.envelope import Metadata
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.privacy.personal import KeyVault, PersonalData, new_master_key


def events(count: int):  # type: ignore[no-untyped-def]
    from intake.domain.inquiries import SubmitInquiry, submit_inquiry
    from kernel.eventsourcing.envelope import utc_now

    catalogue = casetypes.load(settings_of("intake").case_types_file)
    command = SubmitInquiry(
        "556036-0793",
        "SE",
        "Kafé Solsidan AB",
        "Anna Berg",
        "anna@example.se",
        "08-123 456 78",
        "outdoor_seating",
        "Uteservering med tolv platser vid torget.",
        "sv",
    )
    return [submit_inquiry(command, catalogue, utc_now()) for _ in range(count)]


def timed(work) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="personal-bench-") as tmp,
        Infra(Path(tmp), mongo_in_memory=True) as infra,
    ):
        from pymongo import MongoClient

        client = MongoClient(infra.mongodb_uri, tz_aware=True)
        vault = KeyVault(client["bench_keyvault"]["subject_keys"], base64.urlsafe_b64decode(new_master_key()))
        stores = {
            "in clear": MongoEventStore(client["bench_plain"]),
            "sealed": MongoEventStore(client["bench_sealed"], personal=PersonalData(vault)),
        }
        results = {}
        for name, store in stores.items():
            store.ensure_schema()
            batch = events(args.events)
            append = timed(
                lambda s=store, b=batch: [s.append(i.stream_id, 0, i.events, Metadata.new()) for i in b]
            )
            vault._cache.clear()  # loading from cold: every subject key read from the vault once
            load = timed(lambda s=store, b=batch: [s.load(i.stream_id) for i in b])
            results[name] = (args.events / append, args.events / load)
        client.close()
    plain, sealed = results["in clear"], results["sealed"]
    print(f"{args.events} inquiry events, each its own stream and data subject")
    print(f"  append, in clear:           {plain[0]:8.0f} events/s")
    print(f"  append, sealed (new key):   {sealed[0]:8.0f} events/s   ratio {sealed[0] / plain[0]:.2f}")
    print(f"  load, in clear:             {plain[1]:8.0f} streams/s")
    print(f"  load, opened (cold keys):   {sealed[1]:8.0f} streams/s   ratio {sealed[1] / plain[1]:.2f}")


if __name__ == "__main__":
    main()
