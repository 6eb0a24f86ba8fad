"""Redemption benchmark, in one run on the embedded servers:

1. the raw store: single-document insert_one rate on the same MongoDB-protocol server;
2. delivery reports through the vouchers API (HTTP to the service under gunicorn, as a
   provider signed in at the OpenID provider): reports/s from a pool of clients and
   the latency p50/p95 of each report. Every report is validated, redeemed in one
   transaction with its read models, and idempotent by its report id;
3. the same reports sent again: each answers 200 with its first result and nothing
   is redeemed twice (checked against the store);
and prints the ratio redemptions/s / raw store inserts/s.

Usage: .local/venv/bin/python bench/redemptions.py [--reports 2000] [--clients 8]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import requests
from e2e_inquiries import raw_insert_rate  # bench/ is the script's own folder
from pymongo import MongoClient

from devstack.infra import BIN, Infra
from devstack.oidc import DEMO_USERS, login
from devstack.ports import free_port
from devstack.vouchers_api import VouchersApi
from kernel.platform.settings import REPO_ROOT
from kernel.privacy.personal import new_master_key

PROVIDER_ORG = "5560360793"  # pelle.provider's organisation
HOURS_PER_MONTH = 744  # the most a home-care voucher can grant: every hour of a 31-day month


def start_vouchers(infra: Infra, prefix: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        **infra.env(),
        "MONGODB_DATABASE_PREFIX": prefix,
        "DATA_MASTER_KEY": new_master_key(),
        "SECRET_KEY": uuid.uuid4().hex,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            "python:kernel.platform.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "vouchers:create_app()",
        ],
        env=env,
        cwd=REPO_ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        time.sleep(0.2)
    process.terminate()
    raise TimeoutError("the vouchers service did not start; see " + str(log))


def session_for(issuer: str, role: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {login(issuer, DEMO_USERS[role], 'vouchers')['access_token']}"
    return session


def seed(url: str, officer: requests.Session, vouchers: int) -> tuple[str, list[str]]:
    """An approved home-care provider and vouchers of a full month's hours, chosen."""
    api = VouchersApi(url, officer)
    provider_id = api.approved(
        "hemtjanst",
        PROVIDER_ORG,
        "Bench Omsorg AB",
        ["home_care"],
        contact_email="bench@example.se",
        description="Home care for the benchmark.",
        reason="Benchmark.",
    )
    ids = []
    for n in range(vouchers):
        voucher_id = api.grant(
            "hemtjanst",
            "home_care",
            "19450101-1003",
            f"citizen{n}@example.se",
            units_per_period=HOURS_PER_MONTH,
            valid_from=datetime.now(UTC).date().replace(day=1).isoformat(),
        )
        api.choose(voucher_id, provider_id)
        ids.append(voucher_id)
    return provider_id, ids


def send_all(url: str, provider: requests.Session, reports: list[tuple[str, dict]], clients: int):
    """Returns (seconds, latencies in ms, status codes)."""

    def send(report: tuple[str, dict]) -> tuple[float, int]:
        voucher_id, body = report
        started = time.perf_counter()
        response = provider.post(f"{url}/api/v1/vouchers/{voucher_id}/deliveries", json=body, timeout=30)
        return (time.perf_counter() - started) * 1000, response.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(send, reports))
    return time.perf_counter() - started, [r[0] for r in results], [r[1] for r in results]


def percentile(samples: list[float], share: float) -> float:
    return statistics.quantiles(samples, n=100)[int(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--vouchers", type=int, default=40)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--raw-inserts", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-redemptions-") as tmp, Infra(Path(tmp)) as infra:
        raw = raw_insert_rate(infra.mongodb_uri, args.raw_inserts)
        print(
            f"raw store insert_one:          {raw:8.0f} docs/s ({args.raw_inserts} single-document inserts)"
        )
        prefix = f"b{uuid.uuid4().hex[:6]}_"
        process, url = start_vouchers(infra, prefix, Path(tmp) / "vouchers.log")
        try:
            officer = session_for(infra.oidc_issuer, "voucher_officer")
            provider = session_for(infra.oidc_issuer, "provider")
            _, voucher_ids = seed(url, officer, args.vouchers)
            today = datetime.now(UTC).date().isoformat()
            reports = [
                (
                    voucher_ids[n % len(voucher_ids)],
                    {"report_id": f"visit-{n}", "units": 1, "delivered_on": today},
                )
                for n in range(args.reports)
            ]
            seconds, latencies, statuses = send_all(url, provider, reports, args.clients)
            created = statuses.count(201)
            rate = created / seconds
            print(
                f"redemptions through the API:   {rate:8.0f} reports/s "
                f"({created} of {len(reports)} redeemed, "
                f"{args.clients} clients, {len(voucher_ids)} vouchers)"
            )
            p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
            print(f"  latency per report: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
            print(f"  ratio redemptions/s / raw inserts/s: {rate / raw:.3f}")
            again_seconds, _, again = send_all(url, provider, reports[: args.reports // 4], args.clients)
            with MongoClient(infra.mongodb_uri) as client:
                stored = client[f"{prefix}vouchers"]["events"].count_documents(
                    {"type": "vouchers.units_redeemed"}
                )
            print(
                f"the same reports again:        {len(again) / again_seconds:8.0f} reports/s, "
                f"answers {sorted(set(again))}; redemptions stored: {stored} (reports: {len(reports)})"
            )
            if stored != len(reports) or set(statuses) != {201} or set(again) != {200}:
                raise SystemExit("a report was lost, refused or redeemed twice")
        finally:
            process.terminate()
            process.wait(15)


if __name__ == "__main__":
    main()
