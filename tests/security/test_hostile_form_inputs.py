"""Issue 19's forms, attacked: 100 kB of text, control characters (NUL, ESC, the
right-to-left override), a personnummer with a wrong check digit, days that do not exist,
negative and huge numbers, a form sent twice. Each is refused at its field in the page's
language (Swedish and English), never with a server error, and stores nothing; a form sent
twice does what it says once.

The pages' CSRF tokens are real here: each form is posted with the token of the page it
is on, as a browser sends it."""

from __future__ import annotations

import html as markup
import re
from datetime import date

import pytest

from conftest import csrf_token
from kernel.platform.connections import mongo_client
from tests.test_permission_matrix import apps  # noqa: F401  (the fixture: one record of each kind)

pytestmark = pytest.mark.integration

HUGE_TEXT = "Ärende " * 15_000  # 105 kB: over MAX_REQUEST_BYTES (64 kB), refused unread (413)
LONG_TEXT = "Ärende " * 3_600  # 25 200 characters (29 kB): over every text field's length
CONTROLS = {"NUL": "a\x00b", "ESC": "röd \x1b[31mtext", "RLO": "fil\u202egpj.exe"}
HOSTILE_TEXT = {"25 000 characters": LONG_TEXT, **CONTROLS}
TOO_LARGE = {"sv": "för stor", "en": "too large"}
NO_DAYS = ("2026-02-30", "2026-13-01", "30/02/2026", "0000-00-00", "2026-02-29")
NUMBERS = ("-1", "-0", "0", "1e9", "99999999999999999999999", "NaN", "Infinity", "1,5", "²", "٣", " ")
WRONG_PERSONNUMMER = ("20120315-2003", "201203152003", "20120230-2002", "12345", "2012031520021")
# marshmallow's and Python's English, which a Swedish page must never show
ENGLISH = ("Missing data", "Not a valid", "Length must", "Field may not", "Invalid", "must be", "Unknown")
FIELD_ERROR = re.compile(r'<p class="field-error" id="([^"]+)-error">(.*?)</p>', re.S)


def today() -> str:
    return date.today().isoformat()


def events_of(settings_for, service: str) -> int:
    settings = settings_for(service)
    return mongo_client(settings)[settings.database]["events"].count_documents({})


def refused_at_fields(response, lang: str, *expected: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The refused page's errors by field: 422, each at a field marked invalid, the summary
    linking to it, none in the other language's words."""
    page = response.get_data(as_text=True)
    assert response.status_code == 422, (response.status_code, page[:2000])
    errors = {field: markup.unescape(text) for field, text in FIELD_ERROR.findall(page)}
    for field in expected:
        assert field in errors, (field, errors)
    summary = page.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    for field, text in errors.items():
        assert text.strip(), field
        assert re.search(f'id="{re.escape(field)}"[^>]*aria-invalid="true"', page) or re.search(
            f'aria-invalid="true"[^>]*id="{re.escape(field)}"', page
        ), f"{field}: no field marked invalid"
        assert f'href="#{field}"' in summary, f"{field}: not in the summary"
        if lang == "sv":
            assert not any(word in text for word in ENGLISH), (field, text)
    return errors


# -- business_desk: the case page's forms and the queue's bulk form ----------------------------


@pytest.fixture
def sara(apps, page_client):  # noqa: F811
    """Sara on the matrix case's page, the case hers (claimed): (client per language, case id)."""
    services, values = apps
    desk, case_id = services["business_desk"], values["case_id"]
    clients = {lang: page_client(desk, "case_handler", lang) for lang in ("sv", "en")}
    page = clients["en"].get(f"/cases/{case_id}").get_data(as_text=True)
    assert (
        clients["en"].post(f"/cases/{case_id}/claim", data={"csrf_token": csrf_token(page)}).status_code
        == 303
    )
    return clients, case_id


def post_case_form(client, case_id: str, action: str, form: dict):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(f"/cases/{case_id}").get_data(as_text=True))
    return client.post(f"/cases/{case_id}/{action}", data={"csrf_token": token, **form})


CASE_FORMS = {  # action -> (its valid form, the free-text field to attack, that field's id)
    "completion-request": ({"message": "Skicka ritningen."}, "message", "message"),
    "decision": ({"outcome": "granted", "answer": "Beviljas.", "legal_reference": ""}, "answer", "answer"),
    "note": ({"text": "Ringde sökanden."}, "text", "note"),
    "extension": ({"text": "Remiss till polisen."}, "text", "extension-reason"),
    "delay-notice": ({"text": "Remiss.", "expected_by": "2027-01-15"}, "text", "delay-reason"),
    "close": ({"text": "Återkallad."}, "text", "close-reason"),
}


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("action", list(CASE_FORMS))
def test_a_case_form_refuses_hostile_text_at_its_field(sara, settings_for, lang, action):
    clients, case_id = sara
    valid, name, field_id = CASE_FORMS[action]
    before = events_of(settings_for, "business_desk")
    for what, text in HOSTILE_TEXT.items():
        response = post_case_form(clients[lang], case_id, action, {**valid, name: text})
        errors = refused_at_fields(response, lang, field_id)
        assert errors[field_id], (action, what)
    if action == "decision":
        said = post_case_form(clients[lang], case_id, action, {**valid, "legal_reference": "LAL 8 kap.\x1b"})
        refused_at_fields(said, lang, "legal_reference")
    assert events_of(settings_for, "business_desk") == before


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_100_kb_of_text_is_refused_unread_with_a_page_in_the_page_s_language(sara, vera, settings_for, lang):
    """Over MAX_REQUEST_BYTES (64 kB) a form is not read: the error page says it was too large,
    in the page's language (the browser's back button still holds what was typed)."""
    clients, case_id = sara
    officers, values = vera
    before = {s: events_of(settings_for, s) for s in ("business_desk", "vouchers")}
    for response in (
        post_case_form(clients[lang], case_id, "note", {"text": HUGE_TEXT}),
        post_officer(officers[lang], "/officer/vouchers", {**GRANT, "email": HUGE_TEXT}, lang),
        post_officer(
            officers[lang],
            f"/officer/providers/{values['provider_id']}/decision",
            {"decision": "suspend", "reason": HUGE_TEXT},
            lang,
        ),
    ):
        page = response.get_data(as_text=True)
        assert response.status_code == 413 and f'<html lang="{lang}"' in page
        assert TOO_LARGE[lang] in page.lower(), page
    assert {s: events_of(settings_for, s) for s in before} == before


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_day_that_does_not_exist_is_refused_at_its_field(sara, settings_for, lang):
    clients, case_id = sara
    before = events_of(settings_for, "business_desk")
    for day in NO_DAYS:
        asked = post_case_form(
            clients[lang], case_id, "completion-request", {"message": "Ritningen.", "reply_by": day}
        )
        refused_at_fields(asked, lang, "reply_by")
        delayed = post_case_form(
            clients[lang], case_id, "delay-notice", {"text": "Remiss.", "expected_by": day}
        )
        refused_at_fields(delayed, lang, "expected_by")
    assert events_of(settings_for, "business_desk") == before


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_hostile_status_or_outcome_is_refused_never_a_server_error(sara, settings_for, lang):
    clients, case_id = sara
    before = events_of(settings_for, "business_desk")
    for value in ("no_such_status", *HOSTILE_TEXT.values()):
        said = post_case_form(clients[lang], case_id, "status", {"status": value})
        assert 400 <= said.status_code < 500, (value[:20], said.status_code)
        if value in CONTROLS.values():
            refused_at_fields(said, lang, "work-status")
        decided = post_case_form(
            clients[lang], case_id, "decision", {"outcome": value, "answer": "Beviljas.", "step": "confirm"}
        )
        assert 400 <= decided.status_code < 500, (value[:20], decided.status_code)
    assert events_of(settings_for, "business_desk") == before


def test_a_decision_confirmed_twice_is_recorded_once(sara, settings_for):
    clients, case_id = sara
    form = {"outcome": "granted", "answer": "Beviljas.", "step": "confirm"}
    assert post_case_form(clients["en"], case_id, "decision", form).status_code == 303
    again = post_case_form(clients["en"], case_id, "decision", form)
    assert again.status_code == 409 and "<html" in again.get_data(as_text=True)
    settings = settings_for("business_desk")
    events = mongo_client(settings)[settings.database]["events"]
    assert events.count_documents({"type": "business_desk.case_decided"}) == 1


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_bulk_form_refuses_hostile_values_and_names_no_case_it_cannot_find(sara, settings_for, lang):
    clients, case_id = sara
    client = clients[lang]
    url = "/queues/alcohol_serving_licence"
    token = csrf_token(client.get(url).get_data(as_text=True))
    before = events_of(settings_for, "business_desk")
    for value in HOSTILE_TEXT.values():
        for form in (
            {"bulk_action": value, "cases": [case_id]},
            {"bulk_action": "status", "work_status": value, "cases": [case_id]},
            {"bulk_action": "assign", "assignee": value, "cases": [case_id]},
            {"bulk_action": "release", "cases": [value]},
        ):
            said = client.post(url, data={"csrf_token": token, **form})
            assert said.status_code in (200, 422), (form, said.status_code)
            assert "\x00" not in said.get_data(as_text=True) and "\u202e" not in said.get_data(as_text=True)
    assert events_of(settings_for, "business_desk") == before


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_dashboard_filter_refuses_hostile_values_at_its_fields(apps, page_client, lang):  # noqa: F811
    services, _ = apps
    client = page_client(services["business_desk"], "manager", lang)
    for day in (*NO_DAYS, *CONTROLS.values(), HUGE_TEXT[:3000]):
        said = client.get("/dashboard", query_string={"period": "custom", "from": day, "to": "2026-11-30"})
        refused_at_fields(said, lang, "from")
        cases = client.get("/dashboard/cases", query_string={"from": day, "to": "2026-11-30"})
        assert cases.status_code in (404, 422), (day[:20], cases.status_code)
    for value in CONTROLS.values():
        said = client.get("/dashboard", query_string={"group_by": value})
        refused_at_fields(said, lang, "group_by")
        assert client.get("/dashboard/cases", query_string={"band": value, "show": "age"}).status_code == 404


# -- vouchers: the officer's and the provider's forms ---------------------------------------------


@pytest.fixture
def vera(apps, page_client):  # noqa: F811
    services, values = apps
    app = services["vouchers"]
    return {lang: page_client(app, "voucher_officer", lang) for lang in ("sv", "en")}, values


def post_officer(client, url: str, form: dict, lang: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(f"/officer?lang={lang}").get_data(as_text=True))
    return client.post(f"{url}?lang={lang}", data={"csrf_token": token, **form})


GRANT = {
    "programme_category": "kulturpeng/music",
    "personnummer": "20120316-2001",
    "email": "d@example.se",
    "language": "sv",
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_grant_form_refuses_hostile_input_at_its_fields(vera, settings_for, lang):
    clients, _ = vera
    client = clients[lang]
    before = events_of(settings_for, "vouchers")
    for number in WRONG_PERSONNUMMER:
        refused_at_fields(
            post_officer(client, "/officer/vouchers", {**GRANT, "personnummer": number}, lang), lang
        )
    for text in HOSTILE_TEXT.values():
        for field in ("personnummer", "email"):
            said = post_officer(client, "/officer/vouchers", {**GRANT, field: text}, lang)
            refused_at_fields(said, lang, field)
        said = post_officer(client, "/officer/vouchers", {**GRANT, "programme_category": text}, lang)
        refused_at_fields(said, lang, "programme_category")
    for day in NO_DAYS:
        refused_at_fields(
            post_officer(client, "/officer/vouchers", {**GRANT, "valid_from": day}, lang), lang, "valid_from"
        )
    for number in NUMBERS[:-1]:  # blank is not given: the category's units
        said = post_officer(client, "/officer/vouchers", {**GRANT, "units_per_period": number}, lang)
        assert said.status_code == 422, (number, said.status_code)
    assert events_of(settings_for, "vouchers") == before


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_voucher_search_refuses_a_wrong_personnummer_at_its_field(vera, lang):
    clients, _ = vera
    client = clients[lang]
    token = csrf_token(client.get(f"/officer/vouchers?lang={lang}").get_data(as_text=True))
    for typed in (*WRONG_PERSONNUMMER, *HOSTILE_TEXT.values()):
        said = client.post(
            f"/officer/vouchers/search?lang={lang}", data={"csrf_token": token, "personnummer": typed}
        )
        refused_at_fields(said, lang, "personnummer")
        assert "\x00" not in said.get_data(as_text=True) and HUGE_TEXT not in said.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_officer_s_other_forms_refuse_hostile_input(vera, settings_for, lang):
    clients, values = vera
    client, provider_id = clients[lang], values["provider_id"]
    before = events_of(settings_for, "vouchers")
    for text in HOSTILE_TEXT.values():
        said = post_officer(
            client,
            f"/officer/providers/{provider_id}/decision",
            {"decision": "suspend", "reason": text},
            lang,
        )
        refused_at_fields(said, lang, f"reason-{provider_id}")
        said = post_officer(
            client, f"/officer/providers/{provider_id}/decision", {"decision": text, "reason": "Skäl."}, lang
        )
        refused_at_fields(said, lang, f"decision-{provider_id}")
        said = post_officer(
            client, "/officer/programmes/hemtjanst/default-provider", {"provider_id": text}, lang
        )
        refused_at_fields(said, lang, "default_provider-hemtjanst")
        # a programme without a default provider has no such form: its address is none
        said = post_officer(
            client, "/officer/programmes/kulturpeng/default-provider", {"provider_id": text}, lang
        )
        assert said.status_code == 404
        quality = {"provider_id": provider_id, "measure": text, "value": "0.9", "period": "2026"}
        said = post_officer(client, "/officer/programmes/kulturpeng/quality", quality, lang)
        assert said.status_code == 422, said.status_code
    for number in NUMBERS:
        quality = {"provider_id": provider_id, "measure": "nöjdhet", "value": number, "period": "2026"}
        said = post_officer(client, "/officer/programmes/kulturpeng/quality", quality, lang)
        assert said.status_code in (303, 422), (number, said.status_code)
    for month in ("2026-13", "2026-00", "-2026-01", "9999999-01", "2026-1", *CONTROLS.values(), LONG_TEXT):
        said = post_officer(client, "/officer/payment-runs", {"month": month}, lang)
        refused_at_fields(said, lang, "month")
    assert events_of(settings_for, "vouchers") - before <= len(NUMBERS)  # only the quality results in range


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_delivery_form_refuses_hostile_input_and_a_second_send_reports_once(
    world, page_client, settings_for, lang
):
    services, values = world
    pelle = page_client(services["vouchers"], "provider", lang)
    provider_id, voucher_id = values["provider_id"], values["voucher_id"]
    cilla = page_client(services["vouchers"], "citizen", lang)
    token = csrf_token(cilla.get(f"/my?lang={lang}").get_data(as_text=True))
    chosen = cilla.post(
        f"/my/vouchers/{voucher_id}/choice?lang={lang}",
        data={"csrf_token": token, "provider_id": provider_id},
    )
    assert chosen.status_code in (302, 303), chosen.get_data(as_text=True)[:2000]
    url = f"/provider/{provider_id}/vouchers/{voucher_id}/deliveries?lang={lang}"
    token = csrf_token(pelle.get(f"/provider?lang={lang}").get_data(as_text=True))
    before = events_of(settings_for, "vouchers")
    good = {"csrf_token": token, "report_id": "a" * 32, "units": "1", "delivered_on": today()}
    for number in (n for n in NUMBERS if n != "٣"):  # an Arabic-Indic 3 is 3, as int() reads it
        said = pelle.post(url, data={**good, "units": number})
        assert said.status_code == 422, (number, said.status_code)
        assert f"error-voucher-{voucher_id}-units" in said.get_data(
            as_text=True
        ) or "field-error" in said.get_data(as_text=True)
    for day in (*NO_DAYS, *CONTROLS.values()):
        assert pelle.post(url, data={**good, "delivered_on": day}).status_code == 422, day
    for report_id in (*HOSTILE_TEXT.values(), ""):
        assert pelle.post(url, data={**good, "report_id": report_id}).status_code == 422
    assert events_of(settings_for, "vouchers") == before
    # the form sent twice (its report id the same): one delivery, the second told it was reported before
    first = pelle.post(url, data=good)
    assert first.status_code in (302, 303), re.findall(
        r'class="field-error"[^>]*>([^<]*)', first.get_data(as_text=True)
    )
    again = pelle.post(url, data=good, follow_redirects=True).get_data(as_text=True)
    assert {"sv": "Redan rapporterat", "en": "Already reported"}[lang] in again
    assert events_of(settings_for, "vouchers") == before + 1


@pytest.fixture
def world(apps):  # noqa: F811
    return apps


# -- intake: the answer and the survey -----------------------------------------------------------


@pytest.fixture
def tracked(apps):  # noqa: F811
    """Two of the matrix inquiry's kind on the tracking link: one waiting for an answer, one closed."""
    from kernel.eventsourcing.contracts import golden_example
    from kernel.eventsourcing.envelope import Envelope

    services, _ = apps
    intake = services["intake"]
    inquiry = {
        "organisation_number": "556036-0793",
        "company": "Kafé Solsidan AB",
        "contact_name": "Anna",
        "email": "anna@example.se",
        "phone": "08-123 456 78",
        "case_type": "alcohol_serving_licence",
        "description": "Serveringstillstånd.",
        "language": "sv",
    }
    tokens = {}
    for kind in ("business_desk.completion_requested", "business_desk.case_closed"):
        receipt = intake.test_client().post("/api/v1/inquiries", json=inquiry).get_json()
        raw = golden_example(kind)
        raw["data"]["case_id"] = receipt["inquiry_id"]
        intake.extensions["intake.deps"].tracking.apply([Envelope.from_dict(raw)], None)
        tokens[kind.rsplit("_", 1)[1]] = receipt["tracking_url"].rsplit("/", 1)[1]
    return intake, tokens


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_answer_form_refuses_hostile_text_at_its_field(tracked, settings_for, lang):
    intake, tokens = tracked
    client, token = intake.test_client(), tokens["requested"]
    page = client.get(f"/track/{token}?lang={lang}").get_data(as_text=True)
    before = events_of(settings_for, "intake")
    for text in (*CONTROLS.values(), "   "):
        said = client.post(
            f"/track/{token}/answer?lang={lang}", data={"csrf_token": csrf_token(page), "answer": text}
        )
        refused_at_fields(said, lang, "answer")
    assert events_of(settings_for, "intake") == before
    huge = client.post(
        f"/track/{token}/answer?lang={lang}", data={"csrf_token": csrf_token(page), "answer": HUGE_TEXT}
    )
    refused_at_fields(huge, lang, "answer")
    assert events_of(settings_for, "intake") == before


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_survey_refuses_hostile_scores_at_their_questions_and_counts_once(tracked, settings_for, lang):
    intake, tokens = tracked
    client, token = intake.test_client(), tokens["closed"]
    page = client.get(f"/track/{token}?lang={lang}").get_data(as_text=True)
    before = events_of(settings_for, "intake")
    for score in (*NUMBERS, "11", "10.0", "5 ", *CONTROLS.values()):
        form = {"csrf_token": csrf_token(page), "overall": score, "expectations": "8", "ideal": "7"}
        said = client.post(f"/track/{token}/survey?lang={lang}", data=form)
        assert said.status_code == 422, (score, said.status_code)
        assert 'id="overall-error"' in said.get_data(as_text=True) or "overall" in refused_at_fields(
            said, lang
        )
    assert events_of(settings_for, "intake") == before
    form = {"csrf_token": csrf_token(page), "overall": "9", "expectations": "8", "ideal": "7"}
    assert client.post(f"/track/{token}/survey?lang={lang}", data=form).status_code == 303
    again = client.post(f"/track/{token}/survey?lang={lang}", data=form)
    assert again.status_code == 409 and "<html" in again.get_data(as_text=True)
    assert events_of(settings_for, "intake") == before + 1


def test_the_grant_form_sent_twice_grants_one_voucher(vera, settings_for):
    clients, _ = vera
    client = clients["sv"]
    page = client.get("/officer?lang=sv").get_data(as_text=True)
    key = re.search(r'name="grant_key" value="([0-9a-f]{32})"', page).group(1)
    form = {"csrf_token": csrf_token(page), "grant_key": key, **GRANT}
    first = client.post("/officer/vouchers?lang=sv", data=form, follow_redirects=True)
    assert first.status_code == 200 and "Checken är beviljad" in first.get_data(as_text=True)
    again = client.post("/officer/vouchers?lang=sv", data=form, follow_redirects=True)
    assert again.status_code == 200 and "redan beviljad" in again.get_data(as_text=True)
    settings = settings_for("vouchers")
    events = mongo_client(settings)[settings.database]["events"]
    assert events.count_documents({"type": "vouchers.voucher_granted"}) == 2  # the matrix's and this one
    # a page shown again holds a new key: the officer's next grant is another voucher
    assert key not in client.get("/officer?lang=sv").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_citizen_s_choice_refuses_at_its_field_and_writes_nothing_from_the_address(
    world, page_client, settings_for, lang
):
    services, values = world
    cilla = page_client(services["vouchers"], "citizen", lang)
    voucher_id, provider_id = values["voucher_id"], values["provider_id"]
    url = f"/my/vouchers/{voucher_id}/choice?lang={lang}"
    token = csrf_token(cilla.get(f"/my?lang={lang}").get_data(as_text=True))
    before = events_of(settings_for, "vouchers")
    for provider in ("no-such-provider", *CONTROLS.values()):
        said = cilla.post(url, data={"csrf_token": token, "provider_id": provider})
        refused_at_fields(said, lang, f"provider-{voucher_id}")
    assert events_of(settings_for, "vouchers") == before
    chose = cilla.post(url, data={"csrf_token": token, "provider_id": provider_id})
    assert chose.status_code in (302, 303)
    from tests.test_permission_matrix import VERA
    from vouchers.domain.providers import ApplyAsProvider
    from vouchers.handlers import apply_as_provider, decide_on_provider

    vdeps = services["vouchers"].extensions["vouchers.deps"]
    other = apply_as_provider(
        vdeps,
        ApplyAsProvider("kulturpeng", "5567037485", "Q", "private", ["music"], "q@example.se", "Music."),
    )
    decide_on_provider(vdeps, other, "approve", "Meets the criteria.", VERA)
    before += 2
    for day in NO_DAYS:  # a switch, now that it has a provider: from a day that does not exist
        said = cilla.post(url, data={"csrf_token": token, "provider_id": other, "effective_from": day})
        errors = refused_at_fields(said, lang, f"from-{voucher_id}")
        assert errors and "\x00" not in said.get_data(as_text=True)
    assert events_of(settings_for, "vouchers") == before + 1
    # the page writes no text a link brings: ?error= was shown as the page's own alert
    assert "Ring 0900" not in cilla.get(f"/my?lang={lang}&error=Ring+0900-123456").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_day_in_the_past_or_far_ahead_is_refused_in_the_page_s_language(sara, settings_for, lang):
    clients, case_id = sara
    before = events_of(settings_for, "business_desk")
    for day in ("2020-01-01", "0001-01-01"):
        for action, form in (
            ("completion-request", {"message": "Ritningen.", "reply_by": day}),
            ("delay-notice", {"text": "Remiss.", "expected_by": day}),
        ):
            said = post_case_form(clients[lang], case_id, action, form)
            page = markup.unescape(said.get_data(as_text=True))
            assert 400 <= said.status_code < 500, (action, day, said.status_code)
            alert = re.search(r'role="alert"[^>]*>(.*?)</', page, re.S)
            assert alert and alert.group(1).strip(), (action, day)
            if lang == "sv":
                assert not re.search(r"\b(the|must|date|reply|future)\b", alert.group(1)), alert.group(1)
    assert events_of(settings_for, "business_desk") == before
    far = post_case_form(
        clients[lang], case_id, "completion-request", {"message": "Ritningen.", "reply_by": "9999-12-31"}
    )
    assert far.status_code < 500


QUERIES = {
    "q": (*CONTROLS.values(), "x" * 5000, "%", ".*", "$where"),
    "handler": (*CONTROLS.values(), "me", "x" * 5000),
    "status": ("nonsense", "\x00"),
    "cursor": ("garbage", "\x00", "eyJ4IjoxfQ"),
    "limit": ("-1", "0", "99999999999999999999", "NaN", "²"),
    "from": NO_DAYS,
    "to": NO_DAYS,
    "period": ("52w\x00", "-1w", "99999999w"),
    "show": ("nonsense", "age"),
    "band": ("-1", "99", "²"),
    "month": ("2026-13", "\x00", "99999-01"),
    "programme": ("\x00", "nope"),
}


def test_the_new_lists_take_hostile_queries_without_a_server_error(apps, page_client):  # noqa: F811
    services, _ = apps
    desk, vouchers = services["business_desk"], services["vouchers"]
    pages = [
        (
            page_client(desk, "case_handler", "sv"),
            ("/mine", "/queues/alcohol_serving_licence", "/teams/licensing"),
        ),
        (
            page_client(desk, "manager", "sv"),
            ("/dashboard", "/dashboard/cases", "/dashboard/figures.csv", "/dashboard/figures.xlsx"),
        ),
        (
            page_client(vouchers, "voucher_officer", "sv"),
            ("/officer", "/officer/vouchers", "/officer/applications"),
        ),
    ]
    wrong = []
    for client, urls in pages:
        for url in urls:
            for name, hostile in QUERIES.items():
                for value in hostile:
                    status = client.get(url, query_string={name: value, "lang": "sv"}).status_code
                    if status >= 500:
                        wrong.append(f"{url}?{name}={value[:20]!r}: {status}")
    assert not wrong, "\n".join(wrong)
