"""Every email, in every language, exactly as it was rendered when its words moved from one
template file per language into the catalogues (emails_as_rendered.json): subject, text
and HTML part, for each variant its template words differently. A change of wording is a
change of that file: `python services/notify/tests/unit/test_emails_as_rendered.py` writes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from catalogue import casetypes
from kernel.eventsourcing.contracts import golden_example
from kernel.platform.settings import REPO_ROOT
from notify.domain.messages import (
    EMAILS,
    VOUCHER_EMAILS,
    decision_letter_of,
    html_body,
    render,
    voucher_formats,
)

FIXTURES = Path(__file__).with_name("emails_as_rendered.json")
LANGUAGES = ("sv", "en", "da", "fi")  # fi: a language notify has no words in
RECIPIENT = {
    "email": "anna.berg@example.se",
    "name": "Anna Berg",
    "language": "sv",
    "case_type": "building_permit",
}
CATALOGUE = casetypes.load(REPO_ROOT / "config" / "case_types.yaml")
EVENT_OF = {
    **{template: event_type for event_type, template in EMAILS.items()},
    **{template: event_type for event_type, made in VOUCHER_EMAILS.items() for _who, template in made},
    "delay_notice_staff": "business_desk.delay_notice_sent",
}
# the values a template words differently: each variant of the golden event's data
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "tracking_link": [{"requested_by": "applicant"}, {"requested_by": "municipality"}],
    "deadline_extended": [
        {"extension": {"amount": 10, "unit": unit}} for unit in ("weeks", "working_days", "calendar_days")
    ]
    + [{"personal": None, "reason": "a reason from before reasons were sealed"}],
    "deadline_warning": [{}, {"handler": None}],
    # with the golden event's one document, with none, and with several
    "completion_request": [{}, {"document_count": 0}, {"document_count": 3}],
    "decision": [{}, {"document_count": 0}, {"document_count": 3}],
    "provider_new_choice": [{"how": "default"}, {"how": "chosen"}],
    "voucher_granted": [{"period": "month"}, {"period": "validity"}],
    "provider_payment": [
        {},
        {"lines": [{"kind": "bonus", "voucher_id": "v-1", "amount_ore": 50000}]},
    ],
}


def cases() -> dict[str, tuple[str, str, dict[str, Any]]]:
    """name -> (template, language, context)"""
    found = {}
    for template, event_type in sorted(EVENT_OF.items()):
        for n, variant in enumerate(VARIANTS.get(template, [{}])):
            data = {**golden_example(event_type)["data"], **variant}
            if data.get("personal") is None:
                data.pop("personal", None)
            for url in ("http://intake.example/track/abc", None):
                for language in LANGUAGES:
                    recipient = {**RECIPIENT, "language": language}
                    context = {
                        "data": data,
                        "recipient": recipient,
                        "tracking_url": url,
                        "desk_url": "http://desk.example",
                        "vouchers_url": "http://vouchers.example",
                        "programme_name": "Hemtjänst",
                        **voucher_formats(template, language),  # a Swedish deployment's kronor
                        # the provider an event names by id (notify.readmodels.providers)
                        "provider": {"name": "Kommunens hemtjänst", "email": "hemtjanst@kommun.example.se"},
                        "last_day": "2026-11-30",  # the day before a switch takes effect
                    }
                    if template == "decision":
                        context["letter"] = decision_letter_of(data, recipient, CATALOGUE)
                    name = f"{template}/{n}/{'link' if url else 'nolink'}/{language}"
                    found[name] = (template, language, context)
    return found


def rendered(template: str, language: str, context: dict[str, Any]) -> list[str]:
    subject, body = render(template, language, context)
    return [subject, body, html_body(subject, body, language)]


@pytest.mark.parametrize("name", sorted(cases()))
def test_every_email_reads_as_it_did(name):
    expected = json.loads(FIXTURES.read_text(encoding="utf-8"))
    template, language, context = cases()[name]
    assert rendered(template, language, context) == expected[name]


def test_every_email_and_language_is_in_the_fixtures():
    assert set(json.loads(FIXTURES.read_text(encoding="utf-8"))) == set(cases())


if __name__ == "__main__":
    emails = {name: rendered(*case) for name, case in sorted(cases().items())}
    FIXTURES.write_text(json.dumps(emails, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
