"""After the personal-data erasure of a case or a voucher (the same path the retention
job takes), none of issue 19's pages shows what was erased: not My cases, the queues with
their bulk form, the dashboard's case lists or the case page with its decision letter;
not the officer's voucher list, the search by personnummer or the applications.
(The erasure audits, test_erasure_audit_*.py, look for the values on the store, on Kafka
and in the logs; this looks on the pages people read.)"""

from __future__ import annotations

import html as markup
from datetime import timedelta

import pytest

from conftest import csrf_token
from kernel.eventsourcing.contracts import golden_example
from tests.test_permission_matrix import apps  # noqa: F401  (the fixture: one record of each kind)

pytestmark = pytest.mark.integration

SUBMITTED = golden_example("intake.inquiry_submitted")["data"]["personal"]


def shown(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return markup.unescape(response.get_data(as_text=True)).lower()


def found_in(page: str, values: dict[str, str]) -> list[str]:
    return [name for name, value in values.items() if value and value.lower() in page]


def test_an_erased_case_is_shown_on_no_new_page(apps, page_client):  # noqa: F811
    services, ids = apps
    desk, case_id = services["business_desk"], ids["case_id"]
    sara = page_client(desk, "case_handler", "sv")
    maria = page_client(desk, "manager", "sv")
    token = csrf_token(sara.get(f"/cases/{case_id}").get_data(as_text=True))
    values = {
        "contact name": SUBMITTED["contact"]["name"],
        "email": SUBMITTED["contact"]["email"],
        "phone": SUBMITTED["contact"]["phone"],
        "company": SUBMITTED["company"],
        "description": SUBMITTED["description"],
        "completion request": "Skicka planritningen för Ingrid Raderasdotters uteservering.",
        "decision": "Serveringstillstånd beviljas Ingrid Raderasdotter för uteserveringen.",
    }

    def post(action: str, form: dict) -> None:
        done = sara.post(f"/cases/{case_id}/{action}", data={"csrf_token": token, **form})
        assert done.status_code == 303, (action, done.status_code)

    post("claim", {})
    post("completion-request", {"message": values["completion request"]})
    post("applicant-reply", {"reply": "Ritningen kom per post."})
    pages_of_sara = ("/mine", "/queues/alcohol_serving_licence?status=all", "/teams/licensing?status=all")
    pages_of_maria = ("/dashboard/cases?show=open",)
    # before: the open case on every list (its company), so the lists are where to look
    for url in pages_of_sara:
        assert "company" in found_in(shown(sara, url), values), url
    for url in pages_of_maria:
        assert "company" in found_in(shown(maria, url), values), url
    post("decision", {"outcome": "granted", "answer": values["decision"], "step": "confirm"})
    assert values["decision"].lower() in shown(sara, f"/cases/{case_id}")

    from business_desk.handlers import erase_personal_data

    assert erase_personal_data(desk.extensions["business_desk.deps"], case_id, "retention")

    everything = [
        *(
            (sara, url)
            for url in (*pages_of_sara, f"/cases/{case_id}", "/queues/alcohol_serving_licence?status=decided")
        ),
        *(
            (maria, url)
            for url in (*pages_of_maria, "/dashboard/cases?show=waiting", "/dashboard/cases?show=age&band=0")
        ),
        (maria, f"/cases/{case_id}"),
    ]
    left = {url: found_in(shown(client, url), values) for client, url in everything}
    assert not any(left.values()), left
    letter = shown(sara, f"/cases/{case_id}")
    assert "ingrid" not in letter and "raderasdotter" not in letter
    # the bulk form on the erased case: it still works on the case, and names it by its reference only
    said = sara.post(
        "/queues/alcohol_serving_licence?status=all",
        data={"csrf_token": token, "bulk_action": "claim", "cases": [case_id]},
    )
    assert said.status_code == 200 and not found_in(
        markup.unescape(said.get_data(as_text=True)).lower(), values
    )


def test_an_erased_voucher_is_shown_on_no_new_page(apps, page_client):  # noqa: F811
    services, ids = apps
    vouchers, voucher_id = services["vouchers"], ids["voucher_id"]
    vera = page_client(vouchers, "voucher_officer", "sv")
    values = {"email": "c@example.se", "personnummer": "20120315-2002", "compact": "201203152002"}
    token = csrf_token(vera.get("/officer/vouchers?lang=sv").get_data(as_text=True))

    def searched() -> str:
        found = vera.post(
            "/officer/vouchers/search?lang=sv",
            data={"csrf_token": token, "personnummer": values["personnummer"]},
        )
        assert found.status_code == 200
        page = markup.unescape(found.get_data(as_text=True)).lower()
        result = page.split('id="search"', 1)[1].split('id="list"', 1)[0]  # the list of all follows
        return result.replace(f'value="{values["personnummer"]}"', "")  # what was typed, shown back

    assert voucher_id in searched()  # before: the search finds it

    from vouchers.handlers import erase_personal_data

    deps = vouchers.extensions["vouchers.deps"]
    run_out = deps.clock
    deps.clock = lambda: run_out() + timedelta(days=3 * 365)  # once the voucher has run out
    try:
        assert erase_personal_data(deps, voucher_id, "retention")
    finally:
        deps.clock = run_out

    after = searched()
    assert voucher_id not in after and not found_in(after, values)
    for url in (
        "/officer/vouchers?lang=sv",
        "/officer/vouchers?lang=sv&status=active",
        "/officer/applications",
    ):
        assert not found_in(shown(vera, url), values), url
    for url in ("/officer?lang=sv",):
        assert not found_in(shown(vera, url), values), url
