"""Overhead of access-token validation per request, in one run.

The same endpoint (intake's GET /api/v1/case-types, open to everyone) is called
in-process through Flask's test client, first without a token (no validation) and
then with a real access token from the development OpenID provider (signature,
issuer, audience and expiry checked on every request; the issuer's keys are cached).
Prints both rates, the ratio and the added time per request.

Usage: .local/venv/bin/python bench/auth_overhead.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from devstack.infra import Infra
from devstack.oidc import DEMO_USERS, login
from kernel.privacy.personal import new_master_key


def rate(client, headers: dict[str, str], count: int) -> float:  # type: ignore[no-untyped-def]
    for _ in range(50):  # warm-up: caches, key set
        assert client.get("/api/v1/case-types", headers=headers).status_code == 200
    started = time.perf_counter()
    for _ in range(count):
        client.get("/api/v1/case-types", headers=headers)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="auth-bench-") as tmp,
        Infra(Path(tmp), mongo_in_memory=True) as infra,
    ):
        os.environ.update({**infra.env(), "SECRET_KEY": "bench", "DATA_MASTER_KEY": new_master_key()})
        from intake import create_app

        client = create_app().test_client()
        token = login(infra.oidc_issuer, DEMO_USERS["applicant"], "intake")["access_token"]
        without = rate(client, {}, args.requests)
        with_token = rate(client, {"Authorization": f"Bearer {token}"}, args.requests)
    print(f"GET /api/v1/case-types, {args.requests} requests each, in-process")
    print(f"  without a token:            {without:8.0f} requests/s")
    print(f"  with a validated token:     {with_token:8.0f} requests/s")
    print(f"  ratio with / without:       {with_token / without:8.2f}")
    print(f"  added per request:          {(1 / with_token - 1 / without) * 1e6:8.0f} µs")


if __name__ == "__main__":
    main()
