"""Every email template renders with its golden event, in every language."""

import re
from typing import ClassVar

import pytest

from catalogue import casetypes
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.platform.settings import REPO_ROOT
from notify.domain.messages import APPLICANT_EMAILS, VOUCHER_EMAILS, email_for, render, staff_emails
from notify.settings import NotifySettings

CATALOGUE = casetypes.load(REPO_ROOT / "config" / "case_types.yaml")
DANISH = casetypes.load(REPO_ROOT / "config" / "case_types.dk.yaml")

RECIPIENT = {
    "email": "anna.berg@example.se",
    "name": "Anna Berg",
    "language": "sv",
    "case_type": "building_permit",
}


@pytest.mark.parametrize("language", ["sv", "en", "da"])
@pytest.mark.parametrize("event_type", sorted(APPLICANT_EMAILS))
def test_every_template_renders_with_its_golden_event(event_type, language):
    event = Envelope.from_dict(golden_example(event_type))
    recipient = {**RECIPIENT, "language": language}
    email = email_for(event, recipient, "http://intake.example/track/abc", CATALOGUE)
    assert email.to == "anna.berg@example.se"
    assert event.data.get("reference", "") in email.subject
    assert "http://intake.example/track/abc" in email.body
    assert "{{" not in email.body and "Subject:" not in email.body


def test_the_receipt_promises_a_date_and_the_decision_says_how_to_appeal():
    submitted = Envelope.from_dict(golden_example("intake.inquiry_submitted"))
    receipt = email_for(submitted, RECIPIENT, None, CATALOGUE)
    assert "Du får besked senast: 2027-02-02" in receipt.body
    assert "Följ ditt ärende" not in receipt.body  # no link to show
    decision = email_for(
        Envelope.from_dict(golden_example("business_desk.case_decided")),
        {**RECIPIENT, "language": "en"},
        None,
        CATALOGUE,
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


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("event_type", sorted(VOUCHER_EMAILS))
def test_every_voucher_template_renders_with_its_golden_event(event_type, language):
    from notify.domain.messages import voucher_emails

    event = Envelope.from_dict(golden_example(event_type))
    known = {"name": "Kommunens hemtjänst", "email": "hemtjanst@kommun.example.se"}
    providers = {p: known for p in ("hemtjanst-2120000142", "hemtjanst-5567037485")}
    citizen = {"email": "k@example.se", "language": language}
    emails = voucher_emails(event, citizen, "http://vouchers.example", None, providers)
    assert {email.template for email in emails} == {template for _, template in VOUCHER_EMAILS[event_type]}
    for email in emails:
        assert "{{" not in email.body and email.subject and "Subject:" not in email.body


def test_every_email_has_both_languages():
    from notify.domain.messages import TEMPLATES
    from notify.i18n import written_in

    names = {p.name.removesuffix(".txt") for p in TEMPLATES.glob("*.txt")}
    assert names
    for name in names:
        assert written_in(name, "sv") == "sv" and written_in(name, "en") == "en", name


def test_the_html_part_is_the_text_escaped_with_its_links_clickable():
    from notify.domain.messages import html_body

    html = html_body(
        "Beslut <i>", "Hej <script>alert(1)</script>,\n\nSe http://intake.example/track/a?b=1&c=2\nTack", "sv"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html and "Beslut &lt;i&gt;" in html
    assert '<a href="http://intake.example/track/a?b=1&amp;c=2">' in html
    assert html.count("<p ") == 3 and 'lang="sv"' in html  # the sender, then two paragraphs


def test_a_mail_goes_as_text_and_html_with_a_stable_message_id():
    from notify.domain.mime import to_message

    mail = {
        "_id": "e1:receipt",
        "to": "a@example.se",
        "subject": "Kvitto",
        "body": "Hej\n\nhttp://x.example/t",
        "language": "sv",
    }
    message = to_message(mail, "no-reply@kommun.example")
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Message-ID"] == to_message(dict(mail), "x@k.example")["Message-ID"]  # stable
    assert message["Message-ID"].startswith("<") and ":" not in message["Message-ID"]


class FakeSmtp:
    calls: ClassVar[list] = []

    def __init__(self, host, port, timeout):  # type: ignore[no-untyped-def]
        FakeSmtp.calls = [("connect", host, port)]

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc):  # type: ignore[no-untyped-def]
        return False

    def starttls(self, context):  # type: ignore[no-untyped-def]
        FakeSmtp.calls.append(("starttls", context.verify_mode.name))

    def login(self, user, password):  # type: ignore[no-untyped-def]
        FakeSmtp.calls.append(("login", user, password))

    def send_message(self, message):  # type: ignore[no-untyped-def]
        FakeSmtp.calls.append(("send", message["To"]))


def test_starttls_and_login_when_the_relay_needs_them(monkeypatch):
    from notify.adapters.smtp import SmtpSender
    from notify.domain.mime import to_message

    mail = {"_id": "k", "to": "a@example.se", "subject": "S", "body": "B"}
    monkeypatch.setenv("SMTP_STARTTLS", "1")
    monkeypatch.setenv("SMTP_USERNAME", "notify")
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
    SmtpSender(NotifySettings.from_env(), FakeSmtp).send(to_message(mail, "n@k.example"))
    assert FakeSmtp.calls[1:] == [
        ("starttls", "CERT_REQUIRED"),
        ("login", "notify", "s3cret"),
        ("send", "a@example.se"),
    ]
    monkeypatch.setenv("SMTP_STARTTLS", "0")
    monkeypatch.delenv("SMTP_USERNAME")
    SmtpSender(NotifySettings.from_env(), FakeSmtp).send(to_message(mail, "n@k.example"))
    assert FakeSmtp.calls[1:] == [("send", "a@example.se")]


def test_the_team_lead_gets_a_copy_of_a_delay_notice():
    from notify.domain.messages import delay_notice_copies

    event = Envelope.from_dict(golden_example("business_desk.delay_notice_sent"))
    [copy] = delay_notice_copies(event, "http://desk.example")
    assert copy.to == "tina@kommun.example.se" and "11 § FL" in copy.subject
    assert f"http://desk.example/cases/{event.data['case_id']}" in copy.body
    older = Envelope.from_dict({**event.to_dict(), "data": {**event.data, "staff_recipients": []}})
    assert delay_notice_copies(older, "http://desk.example") == []


def test_every_applicant_email_has_danish_words_for_a_danish_deployment():
    from notify.i18n import written_in

    for template in APPLICANT_EMAILS.values():
        assert written_in(template, "da") == "da", template
    decision = email_for(
        Envelope.from_dict(golden_example("business_desk.case_decided")),
        {**RECIPIENT, "language": "da", "case_type": "building_permit"},
        None,
        DANISH,
    )
    assert decision.subject.endswith("Tilladelse givet med vilkår") and "klage" in decision.body
    assert "Københavns Kommune" in decision.body and "fire uger" in decision.body


def test_a_danish_deployment_warns_its_staff_in_danish(monkeypatch):
    from kernel.platform.settings import REPO_ROOT
    from kernel.privacy.personal import InMemoryKeyVault, PersonalData
    from notify.bootstrap import bootstrap
    from notify.domain.messages import delay_notice_copies

    monkeypatch.setenv("CASE_TYPES_FILE", str(REPO_ROOT / "config" / "case_types.dk.yaml"))
    personal = PersonalData(InMemoryKeyVault())
    deps = bootstrap(NotifySettings.from_env(), personal=personal, recipients=object(), outbox=object())
    assert deps.staff_language == "da"
    warning = staff_emails(
        Envelope.from_dict(golden_example("business_desk.deadline_warning_issued")), "", deps.staff_language
    )
    assert warning[0].subject == "Sag BUS-2026-7KQ29X: 70 % af tiden er brugt"
    [copy] = delay_notice_copies(
        Envelope.from_dict(golden_example("business_desk.delay_notice_sent")), "", deps.staff_language
    )
    assert copy.subject.startswith("Sag ") and "forsinkelse" in copy.subject


def test_links_and_addresses_in_interpolated_text_are_not_clickable_but_the_systems_own_are():
    from notify.domain.messages import html_body, render

    hostile = "Eve https://evil.example/appeal www.evil.example appeal@evil.example"
    data = {"reference": "BUS-1", "provider_name": hostile}
    subject, body = render(
        "provider_new_choice",
        "sv",
        {
            "data": {
                **data,
                "programme": "hemtjanst",
                "voucher_id": "v-1",
                "effective_from": "2026-11-01",
                "how": "chosen",
            },
            "programme_name": "Hemtjänst",
            "vouchers_url": "https://kommun.example",
            "kronor": str,
            "day": str,
        },
    )
    text = subject + body
    assert "https://evil" not in text and "www.evil" not in text and "appeal@evil" not in text
    assert "https[:]//evil.example/appeal" in text and "appeal [at] evil.example" in text
    html = html_body(subject, body, "sv")
    assert 'href="https://evil' not in html and "evil.example" in html
    links = re.findall(r'href="([^"]+)"', html)
    assert all(link.startswith("https://kommun.example") for link in links)
