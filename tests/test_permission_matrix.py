"""The whole permission matrix, walked: every API endpoint of every service × every
role, signed in through the real OpenID provider, allowed or refused as written here.
A new endpoint fails this test until its row is added.

Kept in one module: the matrix is one table, read and kept up to date as one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kernel.domain.actors import Actor
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client

VERA = Actor("https://login.kommun.example#vera.officer", "Vera Valfrihetshandläggare")
pytestmark = pytest.mark.integration

ROLES = (
    "anonymous",
    "applicant",
    "case_handler",  # sara: her team has alcohol serving licences
    "case_handler_other_team",  # hugo: building permits and others
    "team_lead",  # tina: sara's team
    "manager",
    "provider",
    "voucher_officer",
    "citizen",  # cilla: the seeded voucher is hers
    "administrator",
    "service:notify",
    "service:intake",
    "service:business_desk",
)
EVERYONE = set(ROLES)
SARAS_TEAM = {"case_handler", "team_lead"}
SERVICES = {"service:notify", "service:intake", "service:business_desk"}  # what `service: all` grants

# (service, method, path) -> the roles allowed; every other role gets 401 or 403.
EXPECTED = {
    ("intake", "POST", "/api/v1/inquiries"): {"anonymous", "applicant"},
    ("intake", "GET", "/api/v1/inquiries/track/{token}"): {"anonymous", "applicant"},
    ("intake", "GET", "/api/v1/inquiries/track/{token}/history"): {"anonymous", "applicant"},
    ("intake", "POST", "/api/v1/inquiries/track/{token}/replace"): {"anonymous", "applicant"},
    ("intake", "POST", "/api/v1/inquiries/{inquiry_id}/tracking-link/replace"): SARAS_TEAM
    | {"administrator"},
    ("intake", "GET", "/api/v1/my/inquiries"): {"applicant"},
    ("intake", "GET", "/api/v1/inquiries/{inquiry_id}/attachments/{attachment_id}"): SARAS_TEAM
    | {"manager", "service:business_desk"},
    ("intake", "GET", "/api/v1/my/inquiries/{inquiry_id}"): {"applicant"},
    ("intake", "GET", "/api/v1/my/inquiries/{inquiry_id}/history"): {"applicant"},
    ("intake", "GET", "/api/v1/case-types"): EVERYONE,
    ("business_desk", "GET", "/api/v1/queues/{case_type}"): SARAS_TEAM | {"manager"},
    ("business_desk", "GET", "/api/v1/cases/{case_id}"): SARAS_TEAM | {"manager"},
    ("business_desk", "GET", "/api/v1/cases/{case_id}/history"): SARAS_TEAM | {"manager"},
    ("business_desk", "GET", "/api/v1/cases/{case_id}/notes"): SARAS_TEAM | {"manager"},
    ("business_desk", "GET", "/api/v1/cases/{case_id}/documents/{document_id}"): SARAS_TEAM
    | {"manager", "service:intake"},
    ("business_desk", "GET", "/api/v1/cases/by-reference/{reference}"): SARAS_TEAM | {"manager"},
    ("business_desk", "GET", "/api/v1/teams/{team}/queue"): SARAS_TEAM | {"manager"},
    ("business_desk", "POST", "/api/v1/cases/{case_id}/claim"): SARAS_TEAM,
    ("business_desk", "POST", "/api/v1/cases/{case_id}/release"): SARAS_TEAM,
    ("business_desk", "POST", "/api/v1/cases/{case_id}/assign"): {"team_lead"},
    ("business_desk", "POST", "/api/v1/cases/{case_id}/notes"): SARAS_TEAM,
    ("business_desk", "POST", "/api/v1/cases/{case_id}/status"): SARAS_TEAM,
    ("business_desk", "POST", "/api/v1/cases/{case_id}/extension"): SARAS_TEAM,
    ("business_desk", "POST", "/api/v1/cases/{case_id}/delay-notice"): SARAS_TEAM,
    ("business_desk", "POST", "/api/v1/cases/{case_id}/close"): SARAS_TEAM,
    ("business_desk", "POST", "/api/v1/cases/{case_id}/reopen"): SARAS_TEAM,
    ("business_desk", "POST", "/api/v1/cases/{case_id}/completion-request"): SARAS_TEAM,
    ("business_desk", "POST", "/api/v1/cases/{case_id}/applicant-reply"): SARAS_TEAM,
    ("business_desk", "POST", "/api/v1/cases/{case_id}/decision"): SARAS_TEAM,
    ("business_desk", "GET", "/api/v1/cases/{case_id}/audit"): {"manager", "administrator"},
    ("business_desk", "GET", "/api/v1/figures"): {"team_lead", "manager"},
    ("business_desk", "GET", "/api/v1/figures.csv"): {"team_lead", "manager"},
    ("business_desk", "GET", "/api/v1/exports/insikt.csv"): {"team_lead", "manager"},
    ("business_desk", "GET", "/api/v1/kpi"): EVERYONE,
    ("notify", "GET", "/api/v1/notifications"): {"team_lead", "manager", "service:business_desk"},
    ("notify", "GET", "/api/v1/messages"): {"service:intake"},
    ("notify", "POST", "/api/v1/bounces"): SERVICES,
    ("notify", "GET", "/api/v1/notifications/figures"): {
        "team_lead",
        "manager",
        "administrator",
        "service:business_desk",
    },
    ("vouchers", "GET", "/api/v1/programmes"): EVERYONE,
    ("vouchers", "GET", "/api/v1/programmes/{programme_id}"): EVERYONE,
    ("vouchers", "GET", "/api/v1/programmes/{programme_id}/providers"): EVERYONE,
    ("vouchers", "GET", "/api/v1/programmes/{programme_id}/comparison"): EVERYONE,
    ("vouchers", "GET", "/api/v1/providers/{provider_id}"): EVERYONE,
    ("vouchers", "GET", "/api/v1/providers/{provider_id}/history"): {
        "provider",
        "voucher_officer",
        "manager",
    },
    ("vouchers", "POST", "/api/v1/programmes/{programme_id}/applications"): {"provider", "voucher_officer"},
    ("vouchers", "POST", "/api/v1/providers/{provider_id}/decisions"): {"voucher_officer"},
    ("vouchers", "POST", "/api/v1/providers/{provider_id}/quality"): {"voucher_officer"},
    ("vouchers", "PUT", "/api/v1/programmes/{programme_id}/default-provider"): {"voucher_officer"},
    ("vouchers", "POST", "/api/v1/vouchers"): {"voucher_officer"},
    ("vouchers", "GET", "/api/v1/vouchers/{voucher_id}"): {"citizen", "voucher_officer"},
    ("vouchers", "GET", "/api/v1/vouchers/{voucher_id}/history"): {"citizen", "voucher_officer"},
    ("vouchers", "GET", "/api/v1/vouchers/{voucher_id}/tenures"): {"citizen", "voucher_officer"},
    ("vouchers", "GET", "/api/v1/my/vouchers"): {"citizen"},
    ("vouchers", "POST", "/api/v1/vouchers/{voucher_id}/choice"): {"citizen", "voucher_officer"},
    ("vouchers", "DELETE", "/api/v1/vouchers/{voucher_id}/choice/switch"): {"citizen"},
    ("vouchers", "POST", "/api/v1/vouchers/{voucher_id}/deliveries"): {"provider"},
    ("vouchers", "POST", "/api/v1/vouchers/{voucher_id}/outcome"): {"voucher_officer"},
    ("vouchers", "POST", "/api/v1/payment-runs"): {"voucher_officer"},
    ("vouchers", "GET", "/api/v1/payments"): {"provider", "voucher_officer", "manager"},
    ("vouchers", "GET", "/api/v1/programmes/{programme_id}/budget"): {"voucher_officer", "manager"},
}


def api_endpoints(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<string:{argument}>", f"{{{argument}}}").replace(
                f"<{argument}>", f"{{{argument}}}"
            )
        found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


@pytest.fixture
def apps(settings_for, personal, wire):
    from business_desk import create_app as desk_app
    from business_desk.bootstrap import bootstrap as desk_bootstrap
    from business_desk.service import consumed_handlers
    from intake import create_app as intake_app
    from notify import create_app as notify_app
    from vouchers import create_app as vouchers_app
    from vouchers.domain.providers import ApplyAsProvider
    from vouchers.domain.vouchers import GrantVoucher
    from vouchers.handlers import apply_as_provider, decide_on_provider, grant_voucher
    from vouchers.web.schemas import valid_personnummer

    desk_settings = settings_for("business_desk")
    desk_db = mongo_client(desk_settings)[desk_settings.database]
    raw = golden_example("intake.inquiry_submitted")
    raw["data"].update(case_type="alcohol_serving_licence", reference="BUS-2026-MATRIX")
    MessageProcessor(
        MongoInbox(desk_db, "business_desk"),
        consumed_handlers(desk_bootstrap(desk_settings, desk_db)),
        personal=personal,
    ).process(wire(raw))
    case_id = desk_db["cases"].find_one({"reference": "BUS-2026-MATRIX"})["_id"]
    intake = intake_app(settings_for("intake"))
    inquiry = {
        **{k: v for k, v in raw["data"]["personal"].items() if k in ("organisation_number", "company")},
        "contact_name": "Anna",
        "email": "anna@example.se",
        "phone": "08-123 456 78",
        "case_type": "alcohol_serving_licence",
        "description": "Matrix",
        "language": "sv",
    }
    receipt = intake.test_client().post("/api/v1/inquiries", json=inquiry).get_json()
    vouchers = vouchers_app(settings_for("vouchers"))
    vdeps = vouchers.extensions["vouchers.deps"]
    provider_id = apply_as_provider(
        vdeps,
        ApplyAsProvider("kulturpeng", "5560360793", "P", "private", ["music"], "p@example.se", "Music."),
    )
    decide_on_provider(vdeps, provider_id, "approve", "Meets the criteria.", VERA)
    number, born = valid_personnummer("20120315-2002")  # the demo citizen's
    voucher_id = grant_voucher(
        vdeps, GrantVoucher("kulturpeng", "music", number, born, "c@example.se", "sv"), VERA
    )
    values = {
        "programme_id": "kulturpeng",
        "provider_id": provider_id,
        "voucher_id": voucher_id,
        "token": "not-a-real-tracking-token",
        "case_type": "alcohol_serving_licence",
        "team": "licensing",
        "case_id": case_id,
        "inquiry_id": receipt["inquiry_id"],
        "attachment_id": "6745a1c2e4b0f1a2b3c4d5e6",  # none such: allowed callers get 404
        "document_id": "6745a1c2e4b0f1a2b3c4d5e7",  # none such either
        "reference": "BUS-2026-MATRIX",
    }
    return {
        "intake": intake,
        "business_desk": desk_app(desk_settings),
        "notify": notify_app(settings_for("notify")),
        "vouchers": vouchers,
    }, values


def test_every_endpoint_for_every_role(apps, tokens):
    services, values = apps
    listed = {(s, m, p) for s, m, p in EXPECTED}
    served = {(name, m, p) for name, app in services.items() for m, p in api_endpoints(app)}
    assert served == listed, f"without a row: {served - listed}; rows without one: {listed - served}"

    wrong = []
    for (service, method, path), allowed in EXPECTED.items():
        client = services[service].test_client()
        url = path.format(**values)
        for role in ROLES:
            headers = {} if role == "anonymous" else tokens.header(role, service)
            # An empty body: allowed callers get as far as validation (422), never a change.
            response = client.open(
                url, method=method, headers=headers, json={} if method in ("POST", "PUT") else None
            )
            refused = response.status_code in (401, 403)
            if refused == (role in allowed) or response.status_code >= 500:
                wrong.append(f"{role:24} {method} {service}{url}: {response.status_code}")
            if role == "anonymous" and refused:
                assert response.status_code == 401 and "Bearer" in response.headers["WWW-Authenticate"]
    assert not wrong, "\n".join(wrong)


def test_the_openapi_documents_say_which_calls_need_a_token(apps):
    services, _ = apps
    for name, app in services.items():
        spec = app.test_client().get("/api/openapi.json").get_json()
        assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer", name
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                if method == "parameters":  # path parameters shared by the operations
                    continue
                allowed = EXPECTED[(name, method.upper(), path)]
                needs_token = "anonymous" not in allowed
                assert operation["security"] == (
                    [{"bearerAuth": []}] if needs_token else [{}, {"bearerAuth": []}]
                ), (name, method, path)
                assert operation["x-permission"]


def references_in(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["reference"] for row in response.get_json()["items"]}


@pytest.fixture
def second_of_everything(apps, settings_for, personal, wire, tokens):
    """Beside the records `apps` made (sara's team's case, cilla's voucher at pelle's
    organisation): another team's case, another citizen's voucher at another provider, both
    cases decided, and the receipts notify recorded for both."""
    from business_desk.bootstrap import bootstrap as desk_bootstrap
    from business_desk.service import consumed_handlers
    from notify.bootstrap import bootstrap as notify_bootstrap
    from notify.handlers import handlers as notify_handlers
    from vouchers.domain.providers import ApplyAsProvider
    from vouchers.domain.vouchers import GrantVoucher
    from vouchers.handlers import apply_as_provider, decide_on_provider, grant_voucher
    from vouchers.web.schemas import valid_personnummer

    services, values = apps
    desk_settings = settings_for("business_desk")
    desk_db = mongo_client(desk_settings)[desk_settings.database]
    notify_settings = replace(settings_for("notify"), intake_public_url="http://intake")
    notify_db = mongo_client(notify_settings)[notify_settings.database]
    to_desk = MessageProcessor(
        MongoInbox(desk_db, "business_desk"),
        consumed_handlers(desk_bootstrap(desk_settings, desk_db)),
        personal=personal,
    )
    notify = notify_bootstrap(notify_settings, notify_db, personal=personal)  # as its consumer wires it
    to_notify = MessageProcessor(MongoInbox(notify_db, "notify"), notify_handlers(notify), personal=personal)
    matrix = golden_example("intake.inquiry_submitted")
    matrix["data"].update(case_type="alcohol_serving_licence", reference="BUS-2026-MATRIX")
    other = golden_example("intake.inquiry_submitted")
    other["event_id"] = "00000000-0000-4000-8000-0000000000ff"
    other["data"].update(
        inquiry_id="10000000-0000-4000-8000-0000000000ff",
        case_type="building_permit",
        reference="BUS-2026-OTHER",
    )
    to_desk.process(wire(other))
    for raw in (matrix, other):
        to_notify.process(wire(raw))
    other_case = desk_db["cases"].find_one({"reference": "BUS-2026-OTHER"})["_id"]
    desk = services["business_desk"].test_client()
    for case_id, role in ((values["case_id"], "case_handler"), (other_case, "case_handler_other_team")):
        auth = tokens.header(role, "business_desk")
        assert desk.post(f"/api/v1/cases/{case_id}/claim", headers=auth).status_code == 200
        decided = desk.post(
            f"/api/v1/cases/{case_id}/decision",
            json={"outcome": "granted", "answer": "Beviljas."},
            headers=auth,
        )
        assert decided.status_code == 200, decided.get_json()

    vdeps = services["vouchers"].extensions["vouchers.deps"]
    provider = apply_as_provider(
        vdeps,
        ApplyAsProvider("kulturpeng", "5567037485", "Q", "private", ["music"], "q@example.se", "Music."),
    )
    decide_on_provider(vdeps, provider, "approve", "Meets the criteria.", VERA)
    number, born = valid_personnummer("20120316-2001")  # not cilla's
    voucher = grant_voucher(
        vdeps, GrantVoucher("kulturpeng", "music", number, born, "d@example.se", "sv"), VERA
    )
    return {"other_case": other_case, "other_provider": provider, "other_voucher": voucher}


def test_each_role_reads_the_records_its_scope_covers_and_no_others(apps, second_of_everything, tokens):
    services, values = apps
    other = second_of_everything
    desk, notify = services["business_desk"].test_client(), services["notify"].test_client()
    vouchers = services["vouchers"].test_client()

    def get(client, url: str, role: str):  # type: ignore[no-untyped-def]
        return client.get(url, headers=tokens.header_for(role, client.application))

    # cases: a handler sees their team's only, in queues, by id and in the exports
    team_queue = "/api/v1/queues/alcohol_serving_licence?status=all"
    other_queue = "/api/v1/queues/building_permit?status=all"
    for role in ("case_handler", "team_lead"):
        assert references_in(get(desk, team_queue, role)) == {"BUS-2026-MATRIX"}, role
        assert get(desk, other_queue, role).status_code == 403, role
        assert get(desk, f"/api/v1/cases/{other['other_case']}", role).status_code in (403, 404), role
        assert references_in(get(desk, "/api/v1/teams/licensing/queue?status=all", role)) == {
            "BUS-2026-MATRIX"
        }
        assert get(desk, "/api/v1/teams/building/queue?status=all", role).status_code == 403, role
    assert references_in(get(desk, other_queue, "case_handler_other_team")) == {"BUS-2026-OTHER"}
    assert get(desk, team_queue, "case_handler_other_team").status_code == 403
    assert references_in(get(desk, other_queue, "manager")) == {"BUS-2026-OTHER"}
    assert references_in(get(desk, team_queue, "manager")) == {"BUS-2026-MATRIX"}

    def exported(role: str) -> set[str]:
        text = get(desk, "/api/v1/exports/insikt.csv", role).get_data(as_text=True)
        return {line.rsplit(";", 1)[1] for line in text.lstrip("\ufeff").splitlines()[1:]}

    assert exported("team_lead") == {"BUS-2026-MATRIX"}
    assert exported("manager") == {"BUS-2026-MATRIX", "BUS-2026-OTHER"}

    def figures_case_types(role: str) -> set[str]:
        figures = get(desk, "/api/v1/figures?group_by=case_type&period=52w", role).get_json()
        return {g["group"] for g in figures["groups"]}

    licensing = {"alcohol_serving_licence", "outdoor_seating"}
    assert figures_case_types("team_lead") <= licensing
    assert "building_permit" in figures_case_types("manager")

    # notifications: a team lead reads their team's cases' only; a manager every case's
    assert references_in(get(notify, "/api/v1/notifications", "team_lead")) == {"BUS-2026-MATRIX"}
    assert references_in(get(notify, "/api/v1/notifications", "manager")) == {
        "BUS-2026-MATRIX",
        "BUS-2026-OTHER",
    }

    # vouchers: a citizen their own, an officer every one
    mine = get(vouchers, "/api/v1/my/vouchers", "citizen").get_json()["items"]
    assert [v["voucher_id"] for v in mine] == [values["voucher_id"]]
    assert get(vouchers, f"/api/v1/vouchers/{other['other_voucher']}", "citizen").status_code == 404
    assert get(vouchers, f"/api/v1/vouchers/{values['voucher_id']}", "citizen").status_code == 200
    for voucher_id in (values["voucher_id"], other["other_voucher"]):
        assert get(vouchers, f"/api/v1/vouchers/{voucher_id}", "voucher_officer").status_code == 200
    # providers: their own record in full, another's public profile only
    own = get(vouchers, f"/api/v1/providers/{values['provider_id']}", "provider").get_json()
    theirs = get(vouchers, f"/api/v1/providers/{other['other_provider']}", "provider").get_json()
    assert "contact_email" in own and "contact_email" not in theirs
