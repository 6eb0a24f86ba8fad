"""The pages of issue 19, walked as the API's matrix is (tests/test_permission_matrix.py):
every new page and form × every role, signed in through the real OpenID provider, allowed
or refused as config/permissions.yaml says. A page refuses with the HTML error page (403),
a visitor not signed in is sent to sign in, the API answers JSON; never a 500.

The forms' CSRF tokens are switched off here: what is walked is the permission check
behind them (a post without a token is refused before it, see the last test)."""

from __future__ import annotations

import pytest

from tests.test_permission_matrix import apps  # noqa: F401  (the fixture: one record of each kind)

pytestmark = pytest.mark.integration

ROLES = (
    "anonymous",
    "applicant",
    "case_handler",  # sara: the matrix case is her team's
    "case_handler_other_team",  # hugo
    "manager",
    "voucher_officer",
    "provider",  # pelle: the matrix provider is his organisation
    "citizen",  # cilla: the matrix voucher is hers
)
QUEUE_READERS = {"case_handler", "case_handler_other_team", "manager"}  # queue.read (each their team's)
OFFICER = {"voucher_officer"}

# (service, method, path, form) -> the roles the permission file lets through
PAGES = {
    ("business_desk", "GET", "/mine", None): QUEUE_READERS,
    ("business_desk", "POST", "/mine", (("bulk_action", "claim"), ("cases", "{case_id}"))): QUEUE_READERS,
    ("business_desk", "POST", "/queues/alcohol_serving_licence", (("bulk_action", "claim"),)): {
        "case_handler",
        "manager",
    },
    ("business_desk", "GET", "/dashboard/cases", None): {"manager"},  # dashboard.read: team_lead, manager
    ("business_desk", "GET", "/dashboard/cases?show=overdue", None): {"manager"},
    ("business_desk", "POST", "/cases/{case_id}/release", ()): {"case_handler"},  # case.work, team
    ("business_desk", "POST", "/cases/{case_id}/decision", (("outcome", "granted"),)): {"case_handler"},
    ("vouchers", "GET", "/officer/vouchers", None): OFFICER,
    ("vouchers", "POST", "/officer/vouchers/search", (("personnummer", "20120315-2002"),)): OFFICER,
    ("vouchers", "GET", "/officer/applications", None): OFFICER,
    ("vouchers", "POST", "/officer/vouchers", (("programme_category", "kulturpeng/music"),)): OFFICER,
    ("vouchers", "POST", "/officer/providers/{provider_id}/decision", (("decision", "suspend"),)): OFFICER,
    ("vouchers", "POST", "/officer/payment-runs", (("month", "not-a-month"),)): OFFICER,
    ("vouchers", "POST", "/officer/programmes/kulturpeng/quality", (("value", "x"),)): OFFICER,
    ("vouchers", "POST", "/officer/programmes/kulturpeng/default-provider", ()): OFFICER,
    ("vouchers", "POST", "/provider/{provider_id}/vouchers/{voucher_id}/deliveries", (("units", "-1"),)): {
        "provider"
    },
    ("intake", "POST", "/my-cases/{inquiry_id}/answer", (("answer", "Här är ritningen."),)): {"applicant"},
    ("intake", "POST", "/my-cases/{inquiry_id}/survey", (("q1", "5"),)): {"applicant"},
}
SIGN_IN = {"business_desk": "/auth/login", "vouchers": "/auth/login", "intake": "/auth/login"}


@pytest.fixture
def clients(apps, page_client):  # noqa: F811
    """Each app with CSRF switched off, and a client of it per role (signed in once)."""
    services, values = apps
    for app in services.values():
        app.config["WTF_CSRF_ENABLED"] = False
    made: dict[tuple[str, str], object] = {}

    def client(service: str, role: str):  # type: ignore[no-untyped-def]
        if (service, role) not in made:
            app = services[service]
            made[service, role] = app.test_client() if role == "anonymous" else page_client(app, role, "en")
        return made[service, role]

    return client, values


def _form(form, values):  # type: ignore[no-untyped-def]
    if form is None:
        return None
    data: dict[str, list[str]] = {}
    for key, value in form:
        data.setdefault(key, []).append(value.format(**values))
    return data


def test_every_new_page_and_form_for_every_role(clients, apps, tokens):  # noqa: F811
    client, values = clients
    services, _ = apps
    # the applicant's own case (anna's organisation), for the answer and survey forms
    intake = services["intake"].test_client()
    own = intake.post(
        "/api/v1/inquiries",
        json={
            "organisation_number": "556703-7485",
            "company": "Krogen AB",
            "contact_name": "Anna",
            "email": "anna@krogen.example.se",
            "phone": "08-123 456 78",
            "case_type": "alcohol_serving_licence",
            "description": "Matrix",
            "language": "sv",
        },
    )
    assert own.status_code == 201, own.get_json()
    values = {**values, "inquiry_id": own.get_json()["inquiry_id"]}

    wrong = []
    for (service, method, path, form), allowed in PAGES.items():
        url = path.format(**values)
        for role in ROLES:
            response = client(service, role).open(url, method=method, data=_form(form, values))
            status, kind = response.status_code, response.headers.get("Content-Type", "")
            said = f"{role:24} {method} {service}{url}: {status}"
            if status >= 500:
                wrong.append(said + " (a server error)")
            elif role == "anonymous":
                where = response.headers.get("Location", "")
                if status != 302 or not (SIGN_IN[service] in where or "/sign-in" in where):
                    wrong.append(said + f" (not sent to sign in: {where})")
            elif (status == 403) == (role in allowed) or status == 401:
                wrong.append(said)
            elif status == 403 and not kind.startswith("text/html"):
                wrong.append(said + f" (refused as {kind}, not as a page)")
    assert not wrong, "\n".join(wrong)
    # signing out of intake: anyone's, signed in or not, and the session is gone after it
    for role in ROLES:
        out = client("intake", role).post("/auth/logout")
        assert out.status_code == 302 and out.headers["Location"].endswith("/session/end"), role
    applicant = client("intake", "applicant")
    assert applicant.get("/my-cases").status_code == 302


def test_the_api_refuses_in_json_where_the_pages_refuse_in_html(clients, apps, tokens):  # noqa: F811
    client, values = clients
    services, _ = apps
    desk = services["business_desk"].test_client()
    api = desk.post(
        f"/api/v1/cases/{values['case_id']}/release",
        headers=tokens.header("case_handler_other_team", "business_desk"),
    )
    assert api.status_code == 403 and api.is_json and api.get_json()["code"] == 403
    page = client("business_desk", "case_handler_other_team").post(f"/cases/{values['case_id']}/release")
    assert page.status_code == 403 and page.headers["Content-Type"].startswith("text/html")
    assert "<html" in page.get_data(as_text=True)
    vouchers = services["vouchers"].test_client()
    api = vouchers.post(
        "/api/v1/payment-runs", json={"month": "2026-11"}, headers=tokens.header("provider", "vouchers")
    )
    assert api.status_code == 403 and api.is_json
    page = client("vouchers", "provider").post("/officer/payment-runs", data={"month": "2026-11"})
    assert page.status_code == 403 and page.headers["Content-Type"].startswith("text/html")


def test_a_bulk_step_naming_another_team_s_case_or_none_changes_nothing_and_says_so(clients, apps):  # noqa: F811
    client, values = clients
    services, _ = apps
    desk_db = services["business_desk"].extensions["business_desk.deps"].cases
    before = desk_db.get(values["case_id"])
    hugo = client("business_desk", "case_handler_other_team")
    missing = "6745a1c2e4b0f1a2b3c4d5e6"
    for url in ("/queues/general_business_advice", "/mine"):
        for action, extra in (("claim", {}), ("status", {"work_status": "site_visit"}), ("release", {})):
            form = {"bulk_action": action, "cases": [values["case_id"], missing], **extra}
            response = hugo.post(url, data=form)
            html = response.get_data(as_text=True)
            assert response.status_code == 200, (url, action, response.status_code)
            assert html.count(": not done (not in this queue)") == 2, (url, action)
            assert "BUS-2026-MATRIX" not in html  # another team's case is not even named
    # a manager reads every queue but works no case: each one refused, nothing changed
    maria = client("business_desk", "manager")
    html = maria.post(
        "/queues/alcohol_serving_licence", data={"bulk_action": "claim", "cases": [values["case_id"]]}
    ).get_data(as_text=True)
    assert "BUS-2026-MATRIX</a>: not done" in html
    after = desk_db.get(values["case_id"])
    assert after.get("handler") == before.get("handler") and after["status"] == before["status"]
    assert after.get("work_status") == before.get("work_status")


def test_a_page_form_posted_without_its_csrf_token_is_refused(apps, page_client):  # noqa: F811
    services, values = apps
    hugo = page_client(services["business_desk"], "case_handler_other_team", "sv")
    refused = hugo.post("/mine", data={"bulk_action": "claim", "cases": [values["case_id"]]})
    assert refused.status_code == 400 and refused.headers["Content-Type"].startswith("text/html")
    vera = page_client(services["vouchers"], "voucher_officer", "sv")
    refused = vera.post("/officer/vouchers/search", data={"personnummer": "20120315-2002"})
    assert refused.status_code == 400 and "20120315" not in refused.get_data(as_text=True)
