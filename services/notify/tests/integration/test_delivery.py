"""notify's handlers, mail outbox and SMTP delivery on the real store and SMTP sink.

Kept in one module: every test runs on the same wired notify, store and SMTP sink."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from devstack.mailsink import mails_to
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.platform.connections import mongo_client
from kernel.web.paging import PageRequest
from notify import create_app
from notify.adapters.dispatcher import dispatch
from notify.adapters.smtp import SmtpSender
from notify.domain.messages import LINK_WITHHELD
from notify.settings import NotifySettings

pytestmark = pytest.mark.integration


@pytest.fixture
def event(wire):
    def make(event_type: str, email: str, case_id: str) -> bytes:
        raw = golden_example(event_type)
        raw["event_id"] = str(uuid.uuid4())
        key = "inquiry_id" if event_type == "intake.inquiry_submitted" else "case_id"
        raw["data"][key] = case_id
        if "contact" in (raw["data"].get("personal") or {}):
            raw["data"]["personal"]["contact"]["email"] = email
        return wire(raw)

    return make


@pytest.fixture
def notify(wired_notify):
    deps, processor = wired_notify()
    return deps.settings, processor, deps.outbox


def test_receipt_request_and_decision_reach_the_applicant_once_each(infra, notify, event, unique, signed_in):
    settings, processor, outbox = notify
    address, case_id = f"applicant-{unique}@example.se", str(uuid.uuid4())
    submitted = event("intake.inquiry_submitted", address, case_id)
    for raw in (
        submitted,
        submitted,
        event("business_desk.case_opened", address, case_id),
        event("business_desk.completion_requested", address, case_id),
        event("business_desk.case_decided", address, case_id),
    ):
        assert processor.process(raw) is None
    assert dispatch(outbox, SmtpSender(settings), settings.mail_from) == 3
    assert dispatch(outbox, SmtpSender(settings), settings.mail_from) == 0
    received = mails_to(infra.mail_url, address)
    assert [m["subject"].split(":")[0] for m in received] == [
        "Kvitto",
        "Vi behöver fler uppgifter i ärende BUS-2026-7KQ29X",
        "Beslut i ärende BUS-2026-7KQ29X",
    ]
    token = golden_example("intake.inquiry_submitted")["data"]["personal"]["tracking_token"]
    assert f"http://intake.test/track/{token}" in received[0]["body"]
    app = create_app(settings)
    log = signed_in(app, "manager").get("/api/v1/notifications?reference=BUS-2026-7KQ29X").get_json()["items"]
    assert {entry["status"] for entry in log} == {"sent"} and len(log) == 3
    # a building permit: not a case type of the team lead's team
    team_lead = signed_in(app, "team_lead").get("/api/v1/notifications?reference=BUS-2026-7KQ29X")
    assert team_lead.get_json()["items"] == []
    figures = signed_in(app, "manager").get("/api/v1/notifications/figures?days=7").get_json()
    email = figures["channels"]["email"]
    assert (email["queued"], email["sent"], email["failed"], email["pending"]) == (3, 3, 0, 0)
    assert email["latency_s_p50"] is not None and email["latency_s_p95"] >= email["latency_s_p50"]
    assert signed_in(app, "manager").get("/api/v1/notifications/figures?days=0").status_code == 422
    intake = signed_in(app, "service:intake")
    messages = intake.get("/api/v1/messages?reference=BUS-2026-7KQ29X").get_json()["items"]
    first_two = intake.get("/api/v1/messages?reference=BUS-2026-7KQ29X&limit=2").get_json()
    assert first_two["items"] == messages[:2] and first_two["more"]
    assert intake.get(first_two["next"]).get_json()["items"] == messages[2:]
    assert [m["subject"].split(":")[0] for m in messages] == [m["subject"].split(":")[0] for m in received]
    # the texts as the applicant got them, but never the link: it is the case's credential
    assert "Ärendenummer: BUS-2026-7KQ29X" in messages[0]["body"] and messages[0]["channel"] == "email"
    assert all(token not in m["body"] and "/track/" not in m["body"] for m in messages)
    assert LINK_WITHHELD["sv"] in messages[0]["body"]
    # at rest: no address, subject line, text or link in clear, and the link gone once sent
    db = mongo_client(settings)[settings.database]
    stored = str(list(db["outgoing_mail"].find())) + str(list(db["recipients"].find()))
    for value in (address, "Anna Berg", "Kvitto", "Ärendenummer", token):
        assert value not in stored, value
    assert all("delivery" not in m for m in db["outgoing_mail"].find())
    for other in ("manager", "service:notify", "service:business_desk"):
        assert signed_in(app, other).get("/api/v1/messages?reference=BUS-2026-7KQ29X").status_code == 403


def test_mail_waits_while_the_smtp_server_is_down_and_is_sent_once_when_it_returns(
    infra, notify, deliveries, event, unique
):
    settings, processor, outbox = notify
    address, case_id = f"patient-{unique}@example.se", str(uuid.uuid4())
    processor.process(event("intake.inquiry_submitted", address, case_id))

    class DownSender(SmtpSender):
        @contextmanager
        def session(self):  # type: ignore[no-untyped-def]
            raise ConnectionRefusedError("smtp down")
            yield

    assert dispatch(outbox, DownSender(settings), settings.mail_from) == 0
    [queued] = deliveries.recent({}, None, PageRequest()).items
    assert queued["status"] == "queued" and queued["attempts"] == 1
    outbox._mails.update_one({"_id": queued["_id"]}, {"$set": {"next_attempt_at": queued["queued_at"]}})
    assert dispatch(outbox, SmtpSender(settings), settings.mail_from) == 1
    assert len(mails_to(infra.mail_url, address)) == 1


def test_a_case_event_for_an_unknown_applicant_is_retried_not_mailed(notify, deliveries, event):
    _, processor, _outbox = notify
    with pytest.raises(LookupError):
        processor.process(event("business_desk.case_decided", "x@example.se", str(uuid.uuid4())))
    assert deliveries.recent({}, None, PageRequest()).items == []


def test_the_notification_log_is_for_staff_only(notify, signed_in):
    settings, _, _ = notify
    app = create_app(settings)
    assert app.test_client().get("/api/v1/notifications").status_code == 401
    assert signed_in(app, "case_handler").get("/api/v1/notifications").status_code == 403
    assert signed_in(app, "applicant").get("/api/v1/notifications").status_code == 403
    assert signed_in(app, "service:business_desk").get("/api/v1/notifications").status_code == 200


def test_erasure_keeps_the_delivery_record_but_not_the_letters(notify, event, personal, unique, wire):
    settings, processor, _outbox = notify
    address, case_id = f"erased-{unique}@example.se", str(uuid.uuid4())
    for event_type in ("intake.inquiry_submitted", "business_desk.case_opened", "business_desk.case_decided"):
        assert processor.process(event(event_type, address, case_id)) is None
    late = event("business_desk.case_decided", address, case_id)  # sealed before the erasure
    erased = golden_example("business_desk.personal_data_erased")
    erased["data"]["case_id"] = case_id
    personal.vault.erase(erased["data"]["subject_id"], "retention")
    assert processor.process(wire(erased)) is None
    db = mongo_client(settings)[settings.database]
    mails = list(db["outgoing_mail"].find({"reference": erased["data"]["reference"]}))
    assert len(mails) == 2 and all(m["personal_erased"] and "letter" not in m for m in mails)
    assert {m["status"] for m in mails} == {"erased"}  # never sent: not sent now
    assert {m["event_type"] for m in mails} == {"intake.inquiry_submitted", "business_desk.case_decided"}
    assert db["recipients"].find_one({"_id": case_id}) is None
    assert address not in str(list(db["outgoing_mail"].find())) + str(list(db["recipients"].find()))
    # an event of the erased case arriving late is not mailed to anybody
    assert processor.process(late) is None
    assert db["outgoing_mail"].count_documents({"reference": erased["data"]["reference"]}) == 2


def test_a_replaced_tracking_link_is_emailed_to_the_contact_only(infra, notify, event, unique, wire):
    settings, processor, outbox = notify
    address, case_id = f"relinked-{unique}@example.se", str(uuid.uuid4())
    assert processor.process(event("intake.inquiry_submitted", address, case_id)) is None
    replaced = golden_example("intake.tracking_link_replaced")
    replaced["data"]["inquiry_id"] = case_id
    assert processor.process(wire(replaced)) is None
    assert processor.process(wire(replaced)) is None  # redelivered: one email still
    assert dispatch(outbox, SmtpSender(settings), settings.mail_from) == 2
    receipt, new_link = mails_to(infra.mail_url, address)
    token = replaced["data"]["personal"]["tracking_token"]
    assert new_link["subject"] == "En ny länk till ditt ärende BUS-2026-7KQ29X"
    assert (
        f"http://intake.test/track/{token}" in new_link["body"] and "fungerar inte längre" in new_link["body"]
    )
    assert token not in receipt["body"]


def test_citizens_and_providers_hear_of_grants_choices_switches_and_payments_once_each(
    infra, notify, wire, unique
):
    settings, processor, outbox = notify
    citizen, provider = f"citizen-{unique}@example.se", f"provider-{unique}@example.se"
    voucher_id = str(uuid.uuid4())

    def voucher_event(event_type: str) -> bytes:
        raw = golden_example(event_type)
        raw["event_id"] = str(uuid.uuid4())
        data = raw["data"]
        if "voucher_id" in data:
            data["voucher_id"] = voucher_id
        if "personal" in data:
            data["personal"]["email"] = citizen
        if "provider_email" in data:
            data["provider_email"] = provider
        if event_type == "vouchers.voucher_granted":
            data["language"] = "sv"  # a Swedish deployment's citizen (the golden grant's is Danish)
        return wire(raw)

    granted = voucher_event("vouchers.voucher_granted")
    for raw in (
        granted,
        granted,  # delivered twice: one email
        voucher_event("vouchers.provider_chosen"),
        voucher_event("vouchers.provider_switched"),
        voucher_event("vouchers.units_redeemed"),  # no email
        voucher_event("vouchers.payment_made"),
    ):
        assert processor.process(raw) is None
    assert dispatch(outbox, SmtpSender(settings), settings.mail_from) == 5
    to_citizen = [m["subject"] for m in mails_to(infra.mail_url, citizen)]
    to_provider = [m["subject"] for m in mails_to(infra.mail_url, provider)]
    assert to_citizen == ["Du har beviljats Hemtjänst", "Ditt byte av utförare är registrerat"]
    assert [s.split(" ")[0] for s in to_provider] == ["Ny", "Ny", "Utbetalning"]
    assert to_provider[2].replace("\xa0", " ") == "Utbetalning 2026-10: 7 668,00 kr (Hemtjänst)"

    # nobody may read a citizen's or a provider's letter: once sent, only that it went is kept
    db = outbox._mails.database
    assert all("letter" not in m and "delivery" not in m for m in db["outgoing_mail"].find())
    assert "Hemtjänst" not in str(list(db["outgoing_mail"].find()))

    # the voucher's personal data is erased: notify forgets the citizen and the letters' text
    assert db["recipients"].find_one({"_id": f"voucher:{voucher_id}"}) is not None
    assert processor.process(voucher_event("vouchers.personal_data_erased")) is None
    assert db["recipients"].find_one({"_id": f"voucher:{voucher_id}"}) is None
    letters = list(db["outgoing_mail"].find({"reference": voucher_id}))
    assert letters and all("letter" not in m and m["status"] == "sent" for m in letters)
    assert citizen not in str(list(db["outgoing_mail"].find())) + str(list(db["events"].find()))


BLANK = {
    "event_id": "x",
    "schema_version": 1,
    "version": 1,
    "occurred_at": "2026-11-24T09:30:00+00:00",
    "correlation_id": "c",
    "causation_id": None,
    "traceparent": None,
}


def test_sms_by_choice_with_email_as_the_fallback(infra, wired_notify, deliveries, personal, gateway, unique):
    from notify.adapters.sms import SmsGateway

    deps, processor = wired_notify()
    settings, db, outbox = deps.settings, deps.db, deps.outbox

    def submitted(notify_by: str, phone: str) -> tuple[str, bytes]:
        raw = golden_example("intake.inquiry_submitted")
        raw["event_id"] = raw["data"]["inquiry_id"] = str(uuid.uuid4())
        raw["data"]["notify_by"] = notify_by
        address = f"{notify_by}-{phone[-2:]}-{unique}@example.se"
        raw["data"]["personal"]["contact"].update(email=address, phone=phone)
        return address, personal.seal_event(Envelope.from_dict(raw)).to_json()

    sms_only, sms_message = submitted("sms", "070-111 11 11")
    both, both_message = submitted("email_and_sms", "070-222 22 22")
    refused, refused_message = submitted("sms", "070-000 00 00")
    gateway.unreachable.add("070-000 00 00")
    for message in (sms_message, both_message, refused_message, sms_message):
        assert processor.process(message) is None
    sender, sms = SmtpSender(settings), SmsGateway(settings)
    while dispatch(outbox, sender, settings.mail_from, sms=sms):
        pass

    [text] = gateway.to("070-111 11 11")
    assert text["message"].startswith("Kvitto") and "http://intake.test/track/" in text["message"]
    assert gateway.headers[0]["Authorization"] == "Bearer sms-token" and text["from"] == "Kommunen"
    assert mails_to(infra.mail_url, sms_only) == []  # the SMS got through: no email
    assert len(gateway.to("070-222 22 22")) == 1 and len(mails_to(infra.mail_url, both)) == 1
    assert (
        gateway.to("070-000 00 00") == [] and len(mails_to(infra.mail_url, refused)) == 1
    )  # refused: the email instead
    figures = deliveries.figures(datetime.now(UTC) - timedelta(hours=1))["channels"]
    assert figures["sms"]["sent"] == 2 and figures["sms"]["failed"] == 1 and figures["email"]["sent"] == 2

    # the delivery log as events: each message queued and sent; the refused SMS to the dead-letter topic
    from kernel.eventsourcing.relay import route_by_stream_category
    from notify.service import SERVICE

    logged = list(db["events"].find({}, {"type": 1, "stream_id": 1, "data": 1}))
    counts = {t: sum(1 for e in logged if e["type"] == t) for t in {e["type"] for e in logged}}
    assert counts == {"notify.message_queued": 5, "notify.message_sent": 4, "notify.message_failed": 1}
    [failed] = [e for e in logged if e["type"] == "notify.message_failed"]
    assert failed["data"]["channel"] == "sms" and "unknown number" in failed["data"]["error"]
    topic_for = route_by_stream_category(SERVICE.routes)
    assert topic_for(Envelope.from_dict({**failed, **BLANK})) == "notify.message.v1.dlq"


def test_a_bounce_reported_by_the_provider_marks_the_message_and_is_logged(
    notify, deliveries, event, unique, signed_in
):
    from notify.domain.mime import message_id

    settings, processor, outbox = notify
    address, case_id = f"bounce-{unique}@example.se", str(uuid.uuid4())
    raw = event("intake.inquiry_submitted", address, case_id)
    processor.process(raw)
    dispatch(outbox, SmtpSender(settings), settings.mail_from)
    [mail] = deliveries.recent({}, None, PageRequest()).items
    client = signed_in(create_app(settings), "service:notify")
    bounced = client.post(
        "/api/v1/bounces", json={"message_id": message_id(mail["_id"]), "reason": "550 5.1.1 unknown"}
    )
    assert bounced.status_code == 200 and bounced.get_json()["status"] == "bounced"
    assert client.post("/api/v1/bounces", json={"message_id": "<nope@x>", "reason": "r"}).status_code == 404
    db = mongo_client(settings)[settings.database]
    assert db["events"].count_documents({"type": "notify.message_bounced"}) == 1


def test_a_refusal_quoting_the_address_is_kept_logged_and_published_without_it(notify, event, unique, caplog):
    import smtplib

    from notify.adapters.outbox import MAX_ATTEMPTS

    settings, processor, outbox = notify
    address, case_id = f"Refused-{unique}@Example.se", str(uuid.uuid4())
    assert processor.process(event("intake.inquiry_submitted", address, case_id)) is None
    outbox._mails.update_many({}, {"$set": {"attempts": MAX_ATTEMPTS - 1}})  # its last try

    class RefusingSender(SmtpSender):
        @contextmanager
        def session(self):  # type: ignore[no-untyped-def]
            def send(message):  # type: ignore[no-untyped-def]
                refusal = (550, f"5.1.1 <{address.lower()}>: no such user".encode())
                raise smtplib.SMTPRecipientsRefused({address: refusal})

            yield send

    assert dispatch(outbox, RefusingSender(settings), settings.mail_from) == 0
    db = outbox._mails.database
    [mail] = db["outgoing_mail"].find()
    assert mail["status"] == "failed" and "no such user" in mail["last_error"]
    [failed] = db["events"].find({"type": "notify.message_failed"})
    written = str(mail) + str(failed) + caplog.text
    assert address.lower() not in written.lower() and "<recipient>" in failed["data"]["error"]


def test_an_unreachable_smtp_server_spends_no_attempt_and_is_told_once(
    infra, notify, deliveries, event, unique, monkeypatch, caplog
):
    """The real SMTP adapter at a closed port: the dispatch round ends with the outage
    (for the consumer's backoff), the mail waits untried however many rounds meet it (and
    is not even leased by those that find the outage already known), and
    /readyz says smtp is away until the server answers again."""
    from devstack.ports import free_port
    from kernel.platform.dependencies import SMTP, TRACKER, DependencyUnavailable, readiness

    settings, processor, outbox = notify
    address = f"waiting-{unique}@example.se"
    processor.process(event("intake.inquiry_submitted", address, str(uuid.uuid4())))
    monkeypatch.setenv("SMTP_PORT", str(free_port()))
    closed = SmtpSender(NotifySettings.from_env())
    caplog.set_level("WARNING", logger="kernel.platform.dependencies")
    leases = []
    for _ in range(5):
        with pytest.raises(DependencyUnavailable) as outage:
            dispatch(outbox, closed, settings.mail_from)
        TRACKER.report(outage.value)  # as the consumer's gate does
        leases.append(outbox._mails.find_one({}, {"lease": 1})["lease"])
    assert len(set(leases)) == 1  # once the server is known away, a round asks it first and leases nothing
    [queued] = deliveries.recent({}, None, PageRequest()).items
    assert (queued["status"], queued["attempts"]) == ("queued", 0)
    body, status = readiness({}, TRACKER)
    assert status == 503 and body["checks"][SMTP].startswith("failing: ConnectionRefusedError")
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["smtp unreachable"]

    assert dispatch(outbox, SmtpSender(settings), settings.mail_from) == 1
    assert len(mails_to(infra.mail_url, address)) == 1
    assert readiness({}, TRACKER) == ({"status": "ready", "checks": {}}, 200)
    assert caplog.records[-1].getMessage().startswith("smtp back after")


def test_an_unreachable_sms_gateway_spends_no_attempt_and_the_emails_still_go(
    infra, wired_notify, deliveries, personal, unique, monkeypatch
):
    from devstack.ports import free_port
    from kernel.platform.dependencies import SMS_GATEWAY, DependencyUnavailable
    from notify.adapters.sms import SmsGateway

    monkeypatch.setenv("SMS_GATEWAY_URL", f"http://127.0.0.1:{free_port()}/sms")
    deps, processor = wired_notify()
    settings, outbox = deps.settings, deps.outbox
    addresses = {}
    for notify_by in ("sms", "email"):
        raw = golden_example("intake.inquiry_submitted")
        raw["event_id"] = raw["data"]["inquiry_id"] = str(uuid.uuid4())
        raw["data"]["notify_by"] = notify_by
        addresses[notify_by] = f"{notify_by}-{unique}@example.se"
        raw["data"]["personal"]["contact"].update(email=addresses[notify_by], phone="070-333 33 33")
        assert processor.process(personal.seal_event(Envelope.from_dict(raw)).to_json()) is None
    with pytest.raises(DependencyUnavailable) as outage:
        dispatch(outbox, SmtpSender(settings), settings.mail_from, sms=SmsGateway(settings))
    assert outage.value.dependency == SMS_GATEWAY
    assert len(mails_to(infra.mail_url, addresses["email"])) == 1  # the SMTP server is there: the email went
    [text] = [m for m in deliveries.recent({}, None, PageRequest()).items if m["channel"] == "sms"]
    assert (text["status"], text["attempts"]) == ("queued", 0)  # waits, untried, and no fallback yet
    assert mails_to(infra.mail_url, addresses["sms"]) == []


def test_providers_hear_of_a_citizen_leaving_a_cancelled_switch_and_their_approval_at_their_address(
    infra, notify, wire, unique
):
    settings, processor, outbox = notify
    citizen, leaving, coming = (f"{who}-{unique}@example.se" for who in ("citizen", "leaving", "coming"))
    voucher_id = str(uuid.uuid4())

    def event(event_type: str, **data: object) -> bytes:
        raw = golden_example(event_type)
        raw["event_id"] = str(uuid.uuid4())
        raw["occurred_at"] = datetime.now(UTC).isoformat()
        if "voucher_id" in raw["data"]:
            raw["data"]["voucher_id"] = voucher_id
        if "personal" in raw["data"]:
            raw["data"]["personal"]["email"] = citizen
        raw["data"].update(data)
        return wire(raw)

    for raw in (
        event("vouchers.provider_applied", contact_email=leaving),  # the provider the citizen leaves
        event("vouchers.provider_approved"),
        event("vouchers.voucher_granted"),
        event("vouchers.provider_switched", provider_email=coming),
        event("vouchers.switch_cancelled", provider_email=coming),
    ):
        assert processor.process(raw) is None
    assert dispatch(outbox, SmtpSender(settings), settings.mail_from) == 7
    assert [m["subject"] for m in mails_to(infra.mail_url, leaving)] == [
        "Er ansökan är godkänd (Hemtjänst)",
        "En brukare byter från er (Hemtjänst)",
    ]
    assert [m["subject"] for m in mails_to(infra.mail_url, coming)] == [
        "Ny brukare hos Alfa Omsorg AB (Hemtjänst)",
        "Ett byte till er är ångrat (Hemtjänst)",
    ]
    assert [m["subject"] for m in mails_to(infra.mail_url, citizen)][-1] == "Ditt byte av utförare är ångrat"
