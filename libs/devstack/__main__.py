"""The run command: `python -m devstack run` starts the whole system, seeds demo data,
prints the URLs and stops everything on Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from pymongo import MongoClient

from devstack.infra import BIN, Infra
from devstack.oidc import DEMO_USERS
from devstack.seed import seed, seed_vouchers
from devstack.stack import Stack
from kernel.platform.settings import REPO_ROOT

DEFAULT_PORTS = {"intake": 8001, "business_desk": 8002, "notify": 8003, "vouchers": 8004}


def run(data_dir: Path, reseed: bool, free_ports: bool = False) -> int:
    if free_ports:
        infra = Infra(data_dir)
        stack = Stack(data_dir, infra=infra)
    else:
        infra = Infra(
            data_dir, mongo_port=27117, kafka_port=19092, smtp_port=2525, mail_http_port=8025, oidc_port=9400
        )
        stack = Stack(data_dir, infra=infra, ports=dict(DEFAULT_PORTS))
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("Starting broker, store, SMTP sink, OpenID provider and services ...", flush=True)
    try:
        stack.start(output=sys.stdout.buffer, timeout_s=180)  # a first start on a busy machine is slow
        with MongoClient(infra.mongodb_uri) as client:
            fresh = client["intake"]["events"].estimated_document_count() == 0
        if fresh or reseed:
            receipts = seed(stack.url("intake"), stack.url("business_desk"), infra.oidc_issuer)
            print(f"Seeded {len(receipts)} demo inquiries; one tracking link: {receipts[0]['tracking_url']}")
            providers = seed_vouchers(stack.url("vouchers"), infra.oidc_issuer)
            print(f"Seeded {len(providers)} voucher providers, two vouchers and a delivered lesson")
        demo_users = ", ".join(f"{user} ({role})" for role, user in DEMO_USERS.items())
        print(
            "\nThe system is running:\n"
            f"  Business owners' form      {stack.url('intake')}/\n"
            f"  Case types and times       {stack.url('intake')}/case-types  (live processing times)\n"
            f"  Applicants' own cases      {stack.url('intake')}/my-cases  (anna.applicant or email link)\n"
            f"  Intake API (OpenAPI)       {stack.url('intake')}/api/openapi.json\n"
            f"  Case handlers' queues      {stack.url('business_desk')}/  (sara.handler, tina.lead)\n"
            f"  Managers' dashboard        {stack.url('business_desk')}/dashboard  (maria.manager)\n"
            f"  Open KPI feed              {stack.url('business_desk')}/api/v1/kpi\n"
            f"  Business desk API          {stack.url('business_desk')}/api/openapi.json\n"
            f"  Notification log (token)   {stack.url('notify')}/api/v1/notifications\n"
            f"  Customer choice (public)   {stack.url('vouchers')}/  (compare providers per programme)\n"
            f"  Citizen's vouchers         {stack.url('vouchers')}/my  (sign in as cilla.citizen)\n"
            f"  Voucher officer's work     {stack.url('vouchers')}/officer  (vera.officer)\n"
            f"  Provider's deliveries      {stack.url('vouchers')}/provider  (pelle.provider)\n"
            f"  Vouchers API (OpenAPI)     {stack.url('vouchers')}/api/openapi.json\n"
            + (f"  Mail sink (sent emails)    {infra.mail_url}/\n" if infra.mail_url else "")
            + f"  OpenID provider            {infra.oidc_issuer}\n"
            f"    sign in as (any password): {demo_users}\n"
            f"  MongoDB                    {infra.mongodb_uri}\n"
            f"  Kafka                      {infra.kafka_bootstrap}\n"
            f"  Data                       {data_dir}\n"
            f"  Logs (one per process)     {stack.logs}/<process>.log\n"
            f"  Processes (supervisor)     {BIN / 'supervisorctl'} -c {stack.supervisor_config}  status\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while not stop.is_set() and stack.running:
            stop.wait(0.5)
    finally:
        print("\nStopping ...", flush=True)
        stack.stop()
        print("Stopped.", flush=True)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="start the whole system")
    run_parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / ".local" / "run")
    run_parser.add_argument("--reseed", action="store_true", help="seed demo data even if some exists")
    run_parser.add_argument(
        "--free-ports", action="store_true", help="any free ports instead of 8001-8004, 27117, ... (tests)"
    )
    args = parser.parse_args()
    sys.exit(run(args.data_dir, args.reseed, args.free_ports))


if __name__ == "__main__":
    main()
