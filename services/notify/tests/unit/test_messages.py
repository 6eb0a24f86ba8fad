"""Every email template renders with its golden event, in every language."""

import pytest

from kernel.contracts import golden_example
from kernel.envelope import Envelope
from notify.messages import APPLICANT_EMAILS, email_for, render, staff_emails

RECIPIENT = {"email": "anna.berg@example.se", "name": "Anna Berg", "language": "sv"}


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("event_type", sorted(APPLICANT_EMAILS))
def test_every_template_renders_with_its_golden_event(event_type, language):
    event = Envelope.from_dict(golden_example(event_type))
    email = email_for(event, {**RECIPIENT, "language": language}, "http://intake.example/track/abc")
    assert email.to == "anna.berg@example.se"
    assert event.data["reference"] in email.subject
    assert "http://intake.example/track/abc" in email.body
    assert "{{" not in email.body and "Subject:" not in email.body


def test_the_receipt_promises_a_date_and_the_decision_says_how_to_appeal():
    receipt = email_for(Envelope.from_dict(golden_example("intake.inquiry_submitted")), RECIPIENT, None)
    assert "Du får besked senast: 2027-02-02" in receipt.body
    assert "Följ ditt ärende" not in receipt.body  # no link to show
    decision = email_for(
        Envelope.from_dict(golden_example("business_desk.case_decided")),
        {**RECIPIENT, "language": "en"},
        None,
    )
    assert decision.subject.endswith("Granted with conditions")
    assert "Plan- och bygglagen" in decision.body and "appeal" in decision.body


def test_an_unknown_language_falls_back_to_swedish():
    subject, _ = render(
        "receipt",
        "fi",
        {
            "data": golden_example("intake.inquiry_submitted")["data"],
            "recipient": RECIPIENT,
            "tracking_url": None,
        },
    )
    assert subject.startswith("Kvitto")


def test_a_deadline_warning_goes_to_the_handler_and_the_team_lead_with_a_link_to_the_case():
    event = Envelope.from_dict(golden_example("business_desk.deadline_warning_issued"))
    emails = staff_emails(event, "http://desk.example")
    assert [e.to for e in emails] == ["erik@kommun.example.se", "tina@kommun.example.se"]
    assert emails[0].subject == "Ärende BUS-2026-7KQ29X: 70 % av tiden har gått"
    assert f"http://desk.example/cases/{event.data['case_id']}" in emails[0].body
    assert "2027-02-02" in emails[0].body and "11 § förvaltningslagen" in emails[0].body
