"""Findings 1.4 and 3 of issue 16, notify's side, against the real processes: notify
kept the tracking link and the mail texts in clear and handed them to any service, and
after erasure the applicant's address was still readable in its outbox keys, its
delivery log, its store's replication log and on Kafka. Now a credential never leaves
notify except in the message itself, and after erasure none of the applicant's values
can be found anywhere notify wrote: its collections, the oplog entries of its
database, the topics it publishes and its processes' log lines, in clear or as a hash."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.e2e.conftest import mails_to, wait_for
from tests.security.applicant import applicant_values, case_at_the_desk
from tests.security.at_rest import erase_now, readable

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def decided(stack, infra, tokens) -> dict[str, str]:
    """A case with its receipt and decision emailed to the applicant."""
    run = uuid.uuid4().hex[:8]
    values = {
        **applicant_values(run, "Ingrid Raderasson", "Raderas", "torget", "44 55"),
        "answer": f"Serveringstillstånd beviljas {run}.",
    }
    receipt, _case, auth, url = case_at_the_desk(stack, tokens, values, wait_s=20)
    values["tracking_token"] = receipt["tracking_url"].rsplit("/", 1)[1]
    assert requests.post(f"{url}/claim", headers=auth, timeout=10).status_code == 200
    decision = {"outcome": "granted", "answer": values["answer"]}
    assert requests.post(f"{url}/decision", json=decision, headers=auth, timeout=10).status_code == 200
    wait_for(lambda: len(mails_to(infra.mail_url, values["email"])) == 2, 30, "the receipt and the decision")
    return {**values, "reference": receipt["reference"]}


def test_the_tracking_link_is_in_the_email_only(stack, infra, tokens, decided):
    token = decided["tracking_token"]
    receipt, decision = mails_to(infra.mail_url, decided["email"])
    assert token in receipt["body"] and token in decision["body"]  # the applicant's own copy

    messages = requests.get(
        f"{stack.url('notify')}/api/v1/messages",
        params={"reference": decided["reference"]},
        headers=tokens.header("service:intake", "notify"),
        timeout=10,
    )
    assert messages.status_code == 200 and len(messages.json()["items"]) == 2
    assert decided["answer"] in messages.json()["items"][1]["body"]  # the texts, as the portal shows them
    assert token not in messages.text and "/track/" not in messages.text
    for role in ("service:business_desk", "service:vouchers", "service:notify"):
        other = requests.get(
            f"{stack.url('notify')}/api/v1/messages",
            params={"reference": decided["reference"]},
            headers=tokens.header(role, "notify"),
            timeout=10,
        )
        assert other.status_code == 403 and token not in other.text, role
    log = requests.get(
        f"{stack.url('notify')}/api/v1/notifications",
        params={"reference": decided["reference"]},
        headers=tokens.header("manager", "notify"),
        timeout=10,
    )
    assert log.status_code == 200 and token not in log.text
    # stored sealed, and never in clear in any write notify made (oplog and topics included)
    assert readable(stack, {"tracking token": token}, "notify", stored=None) == []


def test_after_erasure_nothing_of_the_applicant_is_readable_in_what_notify_wrote(stack, tokens, decided):
    erase_now(stack)

    def listed(path: str, role: str) -> list[dict]:
        return requests.get(
            f"{stack.url('notify')}/api/v1/{path}",
            params={"reference": decided["reference"]},
            headers=tokens.header(role, "notify"),
            timeout=10,
        ).json()["items"]

    def forgotten() -> bool:
        # the delivery record stays, without its letter; the portal's messages go. A web
        # worker that opened the letter just before may hold its key for the vault's cache
        # time (kernel.privacy.personal), until notify's consumer forgets the letters
        entries = listed("notifications", "manager")
        return (
            len(entries) == 2
            and all(e["to"] is None and e["subject"] is None for e in entries)
            and listed("messages", "service:intake") == []
        )

    wait_for(forgotten, 45, "notify to forget the applicant")
    values = {k: v for k, v in decided.items() if k != "reference"}
    assert readable(stack, values, "notify", stored=None) == []
