"""intake's API and pages on the real MongoDB-protocol store.

Kept in one module: its tests share the signed-in clients, the inquiry and the app on the store."""

from __future__ import annotations

import re
from html import unescape

import pytest

from conftest import csrf_token, kafe_solsidan_inquiry
from intake import create_app
from kernel.platform.metrics import exposition

pytestmark = pytest.mark.integration

INQUIRY = kafe_solsidan_inquiry()


def stored_events(app) -> int:
    return app.db["events"].count_documents({})


def test_a_valid_inquiry_is_stored_and_gets_a_receipt_and_a_working_tracking_link(app):
    client = app.test_client()
    response = client.post("/api/v1/inquiries", json=INQUIRY)
    assert response.status_code == 201
    receipt = response.get_json()
    assert receipt["reference"].startswith("BUS-") and receipt["status"] == "submitted"
    assert receipt["promised_answer_by"] > receipt["received_on"]
    [event] = app.db["events"].find()
    assert event["type"] == "intake.inquiry_submitted" and event["position"] == 1
    token = receipt["tracking_url"].rsplit("/", 1)[1]
    tracked = client.get(f"/api/v1/inquiries/track/{token}").get_json()
    assert tracked["reference"] == receipt["reference"] and tracked["status"] == "submitted"
    page = client.get(f"/track/{token}")
    assert page.status_code == 200 and receipt["reference"] in page.get_data(as_text=True)


def test_invalid_input_is_refused_field_by_field_in_the_requested_language_and_nothing_is_stored(app):
    client = app.test_client()
    bad = {**INQUIRY, "organisation_number": "556036-0794", "email": "not-an-email", "language": "en"}
    response = client.post("/api/v1/inquiries", json=bad)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert errors["organisation_number"] == [
        "The organisation number is not valid (its check digit is wrong)."
    ]
    assert errors["email"] == ["Not a valid email address."]
    swedish = client.post("/api/v1/inquiries", json={**bad, "language": "sv"}).get_json()
    assert swedish["errors"]["json"]["email"] == ["Ange en giltig e-postadress."]
    assert client.post("/api/v1/inquiries", data="{broken", content_type="application/json").status_code in (
        400,
        422,
    )
    assert stored_events(app) == 0


def test_an_oversized_body_gets_413_and_nothing_is_stored(app):
    response = app.test_client().post("/api/v1/inquiries", json={**INQUIRY, "description": "x" * 100_000})
    assert response.status_code == 413
    assert "too large" in response.get_json()["message"]
    assert stored_events(app) == 0


def test_the_web_form_shows_errors_next_to_the_fields_and_accepts_a_correct_submission(app):
    client = app.test_client()
    form = client.get("/?lang=en")
    assert form.status_code == 200 and "Building permit" in form.get_data(as_text=True)
    token = csrf_token(form.get_data(as_text=True))
    assert client.post("/", data=INQUIRY).status_code == 400  # a form post without its CSRF token
    rejected = client.post("/", data={**INQUIRY, "phone": "call me", "language": "en", "csrf_token": token})
    assert rejected.status_code == 422
    assert "Enter a phone number in digits" in rejected.get_data(as_text=True)
    assert stored_events(app) == 0
    accepted = client.post("/", data={**INQUIRY, "csrf_token": token})
    page = accepted.get_data(as_text=True)
    assert accepted.status_code == 201 and "Tack, vi har tagit emot ditt ärende" in page and "/track/" in page
    assert stored_events(app) == 1


def test_script_in_free_text_is_shown_as_text(app):
    client = app.test_client()
    receipt = client.post(
        "/api/v1/inquiries", json={**INQUIRY, "company": "<script>alert(1)</script>"}
    ).get_json()
    page = client.get(f"/track/{receipt['tracking_url'].rsplit('/', 1)[1]}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_unknown_tracking_tokens_get_404(app):
    client = app.test_client()
    assert client.get("/api/v1/inquiries/track/nope").status_code == 404
    assert client.get("/track/nope").status_code == 404


def test_the_openapi_document_is_generated_from_the_schemas(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    inquiry = spec["components"]["schemas"]["Inquiry"]
    assert set(inquiry["required"]) >= {"organisation_number", "email", "case_type"}
    assert "/api/v1/inquiries" in spec["paths"] and "/api/v1/case-types" in spec["paths"]


def test_health_and_readiness(app):
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").get_json() == {"status": "ready", "checks": {"store": "ok"}}


def test_public_endpoints_are_rate_limited_per_address(settings_for, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_SUBMIT", "2/minute")
    monkeypatch.setenv("RATE_LIMIT_TRACKING", "3/minute")
    client = create_app(settings_for("intake")).test_client()
    statuses = [client.post("/api/v1/inquiries", json=INQUIRY).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    refused = client.post("/api/v1/inquiries", json=INQUIRY)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.is_json  # the API answers in JSON, also when it refuses
    # The form shares the API's allowance: one address cannot get around it.
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/", data={**INQUIRY, "csrf_token": token}).status_code == 429
    tracking = [client.get("/api/v1/inquiries/track/nope").status_code for _ in range(4)]
    assert tracking == [404, 404, 404, 429]
    # Another address has its own allowance.
    other = client.post("/api/v1/inquiries", json=INQUIRY, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 201


def submit(client, **changes) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    receipt = client.post("/api/v1/inquiries", json={**INQUIRY, **changes}).get_json()
    return receipt["inquiry_id"], receipt["tracking_url"].rsplit("/", 1)[1]


def test_the_applicant_replaces_a_leaked_link_and_the_old_one_stops_working_at_once(app, personal):
    client = app.test_client()
    inquiry_id, old = submit(client)
    page = client.get(f"/track/{old}").get_data(as_text=True)
    replaced = client.post(f"/track/{old}/new-link", data={"csrf_token": csrf_token(page)})
    assert replaced.status_code == 200 and "En ny länk har skickats" in replaced.get_data(as_text=True)
    assert old not in replaced.get_data(as_text=True)

    # Replaying the old link, on the page and through the API, is refused: 410, said plainly.
    gone = client.get(f"/track/{old}", headers={"Accept": "text/html"})
    assert gone.status_code == 410 and "bytts ut" in gone.get_data(as_text=True)
    assert client.get(f"/api/v1/inquiries/track/{old}").status_code == 410
    assert client.post(f"/api/v1/inquiries/track/{old}/replace").status_code == 410
    # The new link exists only sealed in the event, for notify to email to the contact.
    [event] = app.db["events"].find({"type": "intake.tracking_link_replaced"})
    assert event["data"]["requested_by"] == "applicant" and event["data"]["personal"].startswith("v1.")
    new = personal.open(event["data"]["subject_id"], event["data"]["personal"])["tracking_token"]
    followed = client.get(f"/api/v1/inquiries/track/{new}").get_json()
    assert followed["history"][-1]["text"].startswith("Länken till ärendet byttes ut")
    assert app.db["tracking"].find_one({"_id": inquiry_id})["tracking_hash"] != old  # stored hashed
    assert new not in str(app.db["tracking"].find_one({"_id": inquiry_id}))


def test_replacing_the_link_needs_the_csrf_token_and_the_api_does_not_reveal_the_new_link(app):
    client = app.test_client()
    _, token = submit(client)
    assert client.post(f"/track/{token}/new-link").status_code == 400  # no CSRF token
    assert client.get(f"/api/v1/inquiries/track/{token}").status_code == 200
    answer = client.post(f"/api/v1/inquiries/track/{token}/replace")
    assert answer.status_code == 202 and answer.get_json()["status"] == "replaced"
    assert "track/" not in str(answer.get_json())
    assert client.get(f"/api/v1/inquiries/track/{token}").status_code == 410


def test_staff_of_the_team_replace_a_link_and_others_may_not(app, signed_in):
    client = app.test_client()
    inquiry_id, token = submit(client)  # outdoor seating: Sara's team
    url = f"/api/v1/inquiries/{inquiry_id}/tracking-link/replace"
    assert signed_in(app, "case_handler_other_team").post(url).status_code == 403
    assert signed_in(app, "manager").post(url).status_code == 403
    assert client.post(url).status_code == 401
    assert client.get(f"/api/v1/inquiries/track/{token}").status_code == 200
    assert signed_in(app, "case_handler").post(url).status_code == 202
    assert client.get(f"/api/v1/inquiries/track/{token}").status_code == 410
    [event] = app.db["events"].find({"type": "intake.tracking_link_replaced"})
    assert event["data"]["requested_by"] == "sara.handler"
    assert signed_in(app, "administrator").post(url.replace(inquiry_id, "nope")).status_code == 404


def test_a_signed_in_applicant_sees_the_cases_of_their_organisation_and_no_other(app, signed_in, page_client):
    client = app.test_client()
    # Anna (the demo applicant) represents 556703-7485; Kafé Solsidan is somebody else.
    own_id, _ = submit(client, organisation_number="5567037485", company="Krogen vid Kajen AB")
    other_id, _ = submit(client)
    anna = signed_in(app, "applicant")
    mine = anna.get("/api/v1/my/inquiries").get_json()["items"]
    assert [c["inquiry_id"] for c in mine] == [own_id]
    assert mine[0]["company"] == "Krogen vid Kajen AB" and mine[0]["status_text"]
    assert anna.get(f"/api/v1/my/inquiries/{own_id}").get_json()["history"]
    assert anna.get(f"/api/v1/my/inquiries/{other_id}").status_code == 404  # not 403: nothing to learn
    assert signed_in(app, "case_handler").get("/api/v1/my/inquiries").status_code == 403
    assert client.get("/api/v1/my/inquiries").status_code == 401

    pages = page_client(app, "applicant")
    listing = pages.get("/my-cases").get_data(as_text=True)
    assert "Krogen vid Kajen AB" in listing and "Kafé Solsidan" not in listing
    case_page = pages.get(f"/my-cases/{own_id}").get_data(as_text=True)
    assert "Krogen vid Kajen AB" in case_page and "new-link" not in case_page
    assert pages.get(f"/my-cases/{other_id}").status_code == 404
    assert client.get("/my-cases").status_code == 302  # to sign in


def test_the_decision_shows_how_to_appeal_and_comes_as_a_pdf_letter(app):
    import io

    from pypdf import PdfReader

    from kernel.eventsourcing.contracts import golden_example
    from kernel.eventsourcing.envelope import Envelope

    client = app.test_client()
    receipt = client.post("/api/v1/inquiries", json=INQUIRY).get_json()
    token = receipt["tracking_url"].rsplit("/", 1)[1]
    assert client.get(f"/track/{token}/decision.pdf").status_code == 404  # no decision yet
    decided = golden_example("business_desk.case_decided")
    decided["data"]["case_id"] = receipt["inquiry_id"]
    app.extensions["intake.deps"].tracking.apply([Envelope.from_dict(decided)], None)

    page = client.get(f"/track/{token}?lang=en").get_data(as_text=True)
    assert 'id="appeal"' in page and "within three weeks" in page
    letter = client.get(f"/track/{token}/decision.pdf?lang=sv")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(letter.data)).pages[0].extract_text()
    assert receipt["reference"] in text and "Så överklagar du" in text and "Uterummet" in text


def test_the_tracking_page_shows_the_messages_sent_about_the_case(app):
    client = app.test_client()
    receipt = client.post("/api/v1/inquiries", json=INQUIRY).get_json()
    token = receipt["tracking_url"].rsplit("/", 1)[1]
    deps = app.extensions["intake.deps"]
    asked = []

    def from_notify(reference: str) -> list[dict]:
        asked.append(reference)
        return [
            {
                "channel": "sms",
                "subject": "Kvitto: vi har tagit emot ditt ärende <b>",
                "body": "Följ ärendet här: http://127.0.0.1:8001/track/secret-token-in-the-body",
                "queued_at": "2026-11-25T09:00:00+00:00",
            }
        ]

    deps.messages = from_notify
    page = client.get(f"/track/{token}?lang=sv").get_data(as_text=True)
    assert asked == [receipt["reference"]]
    assert "Kvitto: vi har tagit emot ditt ärende &lt;b&gt;" in page and "(SMS)" in page
    assert "secret-token-in-the-body" not in page and "Följ ärendet här" not in page  # never a text
    deps.messages = lambda _reference: None
    assert "kan inte visas just nu" in client.get(f"/track/{token}?lang=sv").get_data(as_text=True)


def test_a_contact_signs_in_to_my_cases_with_a_one_time_email_link(app):
    client = app.test_client()
    receipt = client.post("/api/v1/inquiries", json=INQUIRY).get_json()
    assert client.get("/my-cases").headers["Location"].startswith("/sign-in")
    form = client.get("/sign-in?lang=en").get_data(as_text=True)
    assert 'id="sign-in-eid"' in form and 'id="sign-in-link-form"' in form

    def ask(email: str) -> str:
        page = client.get("/sign-in?lang=en").get_data(as_text=True)
        answer = client.post("/sign-in?lang=en", data={"email": email, "csrf_token": csrf_token(page)})
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    assert "a sign-in link is on its way" in ask("stranger@example.se")
    assert (
        app.db["events"].count_documents({"type": "intake.sign_in_link_requested"}) == 0
    )  # nobody to write to
    assert "a sign-in link is on its way" in ask("ANNA@example.se")  # the same answer; any case of letters
    [stored] = app.db["events"].find({"type": "intake.sign_in_link_requested"})
    assert isinstance(stored["data"]["personal"], str)  # sealed
    [event] = app.extensions["intake.deps"].store.load(stored["stream_id"])
    token = event.data["personal"]["token"]
    assert app.db["sign_in_links"].count_documents({"_id": token}) == 0  # only its hash is kept

    # opening the link (a mail scanner may) uses nothing up: a page asks to confirm
    for _ in range(2):
        confirm = client.get(f"/sign-in/{token}?lang=en")
        assert confirm.status_code == 200 and "a***@example.se" in confirm.get_data(as_text=True)
    assert client.get("/my-cases").status_code == 302  # not signed in yet
    assert client.post(f"/sign-in/{token}?lang=en").status_code == 400  # no CSRF token: no sign-in
    signed = client.post(
        f"/sign-in/{token}?lang=en", data={"csrf_token": csrf_token(confirm.get_data(as_text=True))}
    )
    assert signed.status_code == 302 and signed.headers["Location"].startswith("/my-cases")
    mine = client.get("/my-cases?lang=en").get_data(as_text=True)
    assert receipt["reference"] in mine and "a***@example.se" in mine
    assert app.test_client().get(f"/sign-in/{token}").status_code == 410  # once only
    again = client.get("/sign-in?lang=en").get_data(as_text=True)
    assert client.post(f"/sign-in/{token}", data={"csrf_token": csrf_token(again)}).status_code == 410


def email_link_session(app, email: str):  # type: ignore[no-untyped-def]
    """A browser signed in to My cases with the one-time link emailed to this address."""
    client = app.test_client()
    page = client.get("/sign-in?lang=en").get_data(as_text=True)
    client.post("/sign-in?lang=en", data={"email": email, "csrf_token": csrf_token(page)})
    stored = app.db["events"].find_one({"type": "intake.sign_in_link_requested"}, sort=[("position", -1)])
    [event] = app.extensions["intake.deps"].store.load(stored["stream_id"])
    link = f"/sign-in/{event.data['personal']['token']}?lang=en"
    confirm = client.get(link)
    if confirm.status_code == 200:  # the confirm page: signing in takes a POST
        confirm = client.post(link, data={"csrf_token": csrf_token(confirm.get_data(as_text=True))})
    assert confirm.status_code == 302 and confirm.headers["Location"].startswith("/my-cases")
    return client


def test_an_email_link_reaches_the_cases_naming_the_address_and_nothing_else_of_their_company(app):
    from kernel.eventsourcing.contracts import golden_example
    from kernel.eventsourcing.envelope import Envelope

    client = app.test_client()
    victim_id, _ = submit(client)  # Kafé Solsidan, anna@example.se
    decided = golden_example("business_desk.case_decided")
    decided["data"]["case_id"] = victim_id
    app.extensions["intake.deps"].tracking.apply([Envelope.from_dict(decided)], None)
    # the intruder names the victim's organisation number and their own address
    own_id, _ = submit(client, company="Inkräktarna AB", email="mallory@example.se")
    intruder = email_link_session(app, "mallory@example.se")
    listing = intruder.get("/my-cases?lang=en").get_data(as_text=True)
    assert "Inkräktarna AB" in listing and "Kafé Solsidan" not in listing
    assert "To see every case of your company, sign in with e-ID" in listing
    assert intruder.get(f"/my-cases/{own_id}").status_code == 200
    page = intruder.get("/sign-in").get_data(as_text=True)  # a form of this session: its CSRF token
    for path in ("", "/decision.pdf"):
        assert intruder.get(f"/my-cases/{victim_id}{path}").status_code == 404
    token = csrf_token(page)
    assert (
        intruder.post(f"/my-cases/{victim_id}/answer", data={"answer": "x", "csrf_token": token}).status_code
        == 404
    )
    survey = {"overall": "1", "expectations": "1", "ideal": "1", "csrf_token": token}
    assert intruder.post(f"/my-cases/{victim_id}/survey", data=survey).status_code == 404
    assert intruder.get("/api/v1/my/inquiries").status_code == 401  # the API takes verified tokens only

    victim = email_link_session(app, "anna@example.se")
    assert victim.get(f"/my-cases/{victim_id}/decision.pdf").status_code == 200
    assert "Inkräktarna AB" not in victim.get("/my-cases").get_data(as_text=True)


def test_metrics_show_the_requests_and_the_outbox_backlog(app):
    client = app.test_client()
    client.post("/api/v1/inquiries", json=INQUIRY)
    client.post("/api/v1/inquiries", json=INQUIRY)
    text = exposition([app.extensions["kernel.metrics_registry"]]).decode()
    assert 'route="/api/v1/inquiries",service="intake",status="201"' in text
    assert "outbox_backlog_events 2.0" in text  # no relay runs in this test: both wait
    age = float(
        next(
            line for line in text.splitlines() if line.startswith("outbox_oldest_unpublished_age_seconds")
        ).split()[1]
    )
    assert 0 <= age < 60


def test_my_cases_page_newest_first_within_the_applicants_organisation_only(app, signed_in, page_client):
    client = app.test_client()
    own = [submit(client, organisation_number="5567037485", company=f"Krogen {n} AB")[0] for n in range(7)]
    others = [submit(client)[0] for _ in range(3)]  # Kafé Solsidan's: never on Anna's pages
    anna = signed_in(app, "applicant")
    pages = [anna.get("/api/v1/my/inquiries?limit=3").get_json()]
    while pages[-1]["next"]:
        pages.append(anna.get(pages[-1]["next"]).get_json())
    assert [len(p["items"]) for p in pages] == [3, 3, 1] and not pages[-1]["more"]
    seen = [c["inquiry_id"] for p in pages for c in p["items"]]
    assert sorted(seen) == sorted(own) and not set(seen) & set(others)
    assert [c["received_on"] for p in pages for c in p["items"]] == sorted(
        (c["received_on"] for p in pages for c in p["items"]), reverse=True
    )
    assert anna.get(pages[1]["previous"]).get_json()["items"] == pages[0]["items"]

    refused = anna.get("/api/v1/my/inquiries?cursor=bogus&lang=sv")
    assert refused.status_code == 422
    assert "Sidlänken" in refused.get_json()["errors"]["query"]["cursor"][0]
    too_many = anna.get("/api/v1/my/inquiries?limit=1000&lang=en").get_json()
    assert "from 1 to 200" in too_many["errors"]["query"]["limit"][0]

    browser = page_client(app, "applicant")
    first = browser.get("/my-cases?limit=3&lang=sv").get_data(as_text=True)
    assert (
        '<nav class="pager" aria-label="Sidor">' in first
        and '<span aria-current="page">Sida 1</span>' in first
    )
    following = re.search(r'<a href="([^"]+)" rel="next">Nästa sida</a>', first).group(1)
    second = browser.get(unescape(following)).get_data(as_text=True)
    assert '<span aria-current="page">Sida 2</span>' in second and 'rel="prev">Föregående sida</a>' in second
    english = browser.get("/my-cases?limit=3&lang=en").get_data(as_text=True)
    assert 'aria-label="Pages"' in english and ">Next page</a>" in english
    bad = browser.get("/my-cases?cursor=bogus&lang=sv")
    assert bad.status_code == 422 and "Sidlänken" in bad.get_data(as_text=True)


@pytest.mark.parametrize("blank", ["", "   ", "\u00a0 \r\n\t "])
def test_a_description_of_only_spaces_is_missing_over_the_api_in_the_chosen_language(app, blank):
    response = app.test_client().post("/api/v1/inquiries", json={**INQUIRY, "description": blank})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {"description": ["Fältet måste fyllas i."]}
    blank_company = {**INQUIRY, "company": "   ", "language": "en"}
    errors = app.test_client().post("/api/v1/inquiries", json=blank_company).get_json()["errors"]["json"]
    assert errors == {"company": ["Missing data for required field."]}
    assert stored_events(app) == 0


def test_the_text_is_stored_trimmed(app):
    receipt = app.test_client().post(
        "/api/v1/inquiries",
        json={**INQUIRY, "company": "  Kafé Solsidan AB  ", "description": "\n Tolv platser. \n"},
    )
    assert receipt.status_code == 201
    token = receipt.get_json()["tracking_url"].rsplit("/", 1)[1]
    assert (
        app.test_client().get(f"/api/v1/inquiries/track/{token}").get_json()["company"] == "Kafé Solsidan AB"
    )


def test_the_form_refuses_a_description_of_only_spaces_at_the_field_and_keeps_the_rest(app):
    client = app.test_client()
    form = client.get("/?lang=sv").get_data(as_text=True)
    values = {**INQUIRY, "description": "  \r\n  ", "csrf_token": csrf_token(form), "notify_by": "email"}
    refused = client.post("/", data=values)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="description-error"[^>]*>\s*Fyll i fältet\.', html)
    assert (
        'value="Kafé Solsidan AB"' in html and 'value="Anna Berg"' in html and 'value="08-123 456 78"' in html
    )
    assert stored_events(app) == 0


def test_the_case_type_catalogue_pages_by_id(app):
    client = app.test_client()
    pages = [client.get("/api/v1/case-types?limit=4").get_json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).get_json())
    ids = [ct["id"] for p in pages for ct in p["items"]]
    assert ids == sorted(app.extensions["intake.deps"].catalogue.case_types) and len(pages) > 1
    assert client.get("/api/v1/case-types?limit=0").status_code == 422


def test_the_form_is_prefilled_with_the_sign_ins_name_organisation_and_email(app, page_client):
    """Anna's sign-in gives her name, her one organisation and an email claim: the inquiry
    form starts with all three; a visitor who is not signed in gets an empty form."""
    page = page_client(app, "applicant").get("/?lang=en").get_data(as_text=True)
    assert 'value="anna@krogen.example.se"' in page
    assert 'value="Anna Sökande"' in page and "556703-7485" in page
    assert "anna@krogen.example.se" not in app.test_client().get("/?lang=en").get_data(as_text=True)


def test_a_form_sent_twice_is_one_inquiry_with_one_receipt(app):
    """A reload of the receipt, a double click or Back and send post the form again: its
    submission id (written in the form page) makes the second send store nothing, and the
    browser that sent it sees the same receipt again; another browser is told it came."""

    def inquiries(app) -> int:  # type: ignore[no-untyped-def]
        return app.db["events"].count_documents({"type": "intake.inquiry_submitted"})

    client = app.test_client()
    form = client.get("/?lang=sv").get_data(as_text=True)
    token = csrf_token(form)
    submission_id = re.search(r'name="submission_id" value="([0-9a-f-]{36})"', form).group(1)
    sent = {**INQUIRY, "csrf_token": token, "submission_id": submission_id}
    first = client.post("/", data=sent)
    again = client.post("/", data=sent)  # the reload
    assert first.status_code == 201 and again.status_code == 200
    reference = re.search(r"BUS-\d{4}-[A-Z0-9]{6}", first.get_data(as_text=True)).group(0)
    assert reference in again.get_data(as_text=True) and inquiries(app) == 1
    other = app.test_client()
    other_token = csrf_token(other.get("/").get_data(as_text=True))
    told = other.post("/", data={**sent, "csrf_token": other_token}).get_data(as_text=True)
    assert "Vi har redan tagit emot den här förfrågan" in told and inquiries(app) == 1
    # a refused form shown again keeps its id; a malformed id is a new inquiry, never an error
    refused = client.post("/", data={**sent, "phone": "ring mig"}).get_data(as_text=True)
    assert f'name="submission_id" value="{submission_id}"' in refused
    assert client.post("/", data={**sent, "submission_id": "x'; --"}).status_code == 201
    assert inquiries(app) == 2


def test_a_form_sent_from_a_stale_page_comes_back_with_all_that_was_typed(app):
    """The session gone (the page open too long, cookies blocked): the form again, every
    value kept, the reason on top in the page's language, and nothing stored."""
    stale = app.test_client().post("/", data={**INQUIRY, "language": "sv", "csrf_token": "old"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 400 and "Formuläret hann bli för gammalt" in page
    assert f'value="{INQUIRY["company"]}"' in page and INQUIRY["description"] in page
    assert "CSRF" not in page and stored_events(app) == 0
    too_big = app.test_client().post("/?lang=sv", data={**INQUIRY, "description": "x" * 200_000})
    assert too_big.status_code == 413 and too_big.mimetype == "text/html"
    assert "Det du skickade är för stort att ta emot" in too_big.get_data(as_text=True)
