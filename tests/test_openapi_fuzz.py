"""Every service's OpenAPI, fuzzed with schemathesis (bounded): at least REQUESTS_PER_SERVICE
generated requests per service, spread over its operations, no 5xx, responses that match
the documented schemas, no stack traces. Calls carry a token of a role that may use the
operation, so the fuzzing reaches past the permission checks. The apps run in-process
(WSGI), so a thousand requests take seconds, not minutes. Then stateful scenarios: calls
chained along the links schemathesis infers between the operations (business_desk and
vouchers; intake's and notify's APIs have almost none to follow)."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput

from devstack import settings_of
from kernel.domain.actors import Actor
from kernel.platform.connections import mongo_client

VERA = Actor("https://login.kommun.example#vera.officer", "Vera Valfrihetshandläggare")
pytestmark = pytest.mark.integration

ROLE_FOR = {
    "intake": None,
    "business_desk": "case_handler",
    "notify": "manager",
    "vouchers": "voucher_officer",
}
REQUESTS_PER_SERVICE = 1000
UNHEALTHY_IS_FINE = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
    HealthCheck.function_scoped_fixture,
]
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def build_app(service: str):  # type: ignore[no-untyped-def]
    if service == "intake":
        from intake import create_app
    elif service == "business_desk":
        from business_desk import create_app
    elif service == "vouchers":
        from vouchers import create_app
    else:
        from notify import create_app
    return create_app()


def seed(service: str, app, personal, wire) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A real record for the path parameters, so the fuzzing gets past "no such case"."""
    from kernel.eventsourcing.contracts import golden_example

    if service == "intake":
        inquiry = {
            "organisation_number": "5567037485",
            "company": "Fuzz AB",
            "contact_name": "F",
            "email": "fuzz@example.se",
            "phone": "08-123 456 78",
            "case_type": "outdoor_seating",
            "description": "Fuzz",
            "language": "sv",
        }
        receipt = app.test_client().post("/api/v1/inquiries", json=inquiry).get_json()
        return {"inquiry_id": receipt["inquiry_id"], "token": receipt["tracking_url"].rsplit("/", 1)[1]}
    if service == "business_desk":
        from business_desk.bootstrap import bootstrap as desk_bootstrap
        from business_desk.service import consumed_handlers
        from kernel.eventsourcing.inbox import MongoInbox
        from kernel.eventsourcing.processor import MessageProcessor
        from kernel.platform.connections import mongo_client

        deps = app.extensions["business_desk.deps"]
        db = mongo_client(deps.settings)[deps.settings.database]
        raw = golden_example("intake.inquiry_submitted")
        raw["data"].update(case_type="alcohol_serving_licence", reference="BUS-2026-FUZZED")
        MessageProcessor(
            MongoInbox(db, "business_desk"),
            consumed_handlers(desk_bootstrap(deps.settings, db)),
            personal=personal,
        ).process(wire(raw))
        case_id = deps.cases.by_reference("BUS-2026-FUZZED")["_id"]
        return {"case_id": case_id, "case_type": "alcohol_serving_licence", "reference": "BUS-2026-FUZZED"}
    if service == "vouchers":
        from vouchers.domain.providers import ApplyAsProvider
        from vouchers.domain.vouchers import GrantVoucher
        from vouchers.handlers import apply_as_provider, decide_on_provider, grant_voucher
        from vouchers.web.schemas import valid_personnummer

        deps = app.extensions["vouchers.deps"]
        provider_id = apply_as_provider(
            deps,
            ApplyAsProvider("kulturpeng", "5560360793", "P", "private", ["music"], "p@example.se", "Music."),
        )
        decide_on_provider(deps, provider_id, "approve", "Meets the criteria.", VERA)
        number, born = valid_personnummer("20120315-2002")
        voucher_id = grant_voucher(
            deps, GrantVoucher("kulturpeng", "music", number, born, "c@example.se", "sv"), VERA
        )
        return {"programme_id": "kulturpeng", "provider_id": provider_id, "voucher_id": voucher_id}
    return {}


@pytest.mark.timeout(900)  # about a minute per service on a quiet machine; the bound under load
@pytest.mark.parametrize("service", sorted(ROLE_FOR))
def test_fuzz_every_operation(service, isolated_env, tokens, personal, wire):
    app = build_app(service)
    known = seed(service, app, personal, wire)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = tokens.header(ROLE_FOR[service], service) if ROLE_FOR[service] else {}
    failures, statuses = [], []
    every = [operation.ok() for operation in schema.get_all_operations()]
    operations = len(every)

    def fuzz(operation, examples: int) -> None:  # type: ignore[no-untyped-def]
        # no shrinking: a failure is reported as found, so the run stays bounded in time
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=UNHEALTHY_IS_FINE,
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=operation.as_strategy())
        def check(case):  # type: ignore[no-untyped-def]
            for name in case.path_parameters or {}:
                if name in known:
                    case.path_parameters[name] = known[name]
            response = case.call(headers=headers)
            statuses.append(response.status_code)
            assert "Traceback" not in response.text
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:1500])

    # Each operation its share; hypothesis stops early on one with few distinct inputs (no
    # parameters), so further rounds over all of them make up the rest.
    for _ in range(5):
        missing = REQUESTS_PER_SERVICE - len(statuses)
        if missing <= 0:
            break
        for operation in every:
            fuzz(operation, -(-missing // operations) + 5)
    assert not failures, "\n\n".join(failures)
    assert len(statuses) >= REQUESTS_PER_SERVICE, len(statuses)  # the fuzzing really ran
    assert sum(status < 400 for status in statuses) >= operations  # it got past validation


STATEFUL_SCENARIOS = 40


def forget_everything(db) -> None:  # type: ignore[no-untyped-def]
    """Every document of the service's database, its indexes kept."""
    for name in db.list_collection_names():
        db[name].delete_many({})


@pytest.mark.timeout(900)
@pytest.mark.parametrize("service", sorted(ROLE_FOR))
def test_stateful_workflows_follow_the_links_between_operations(
    service, isolated_env, tokens, personal, wire
):
    """Scenarios of several calls, each taking its ids from an earlier response along the
    links schemathesis finds between the operations (the ids an operation returns and the
    path parameters another takes): claim then decide a case that was just read, choose
    a provider for the voucher just granted. The same checks as above on every step."""
    app = build_app(service)
    known = seed(service, app, personal, wire)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = tokens.header(ROLE_FOR[service], service) if ROLE_FOR[service] else {}
    steps: Counter[str] = Counter()
    failures: list[str] = []
    service_settings = settings_of(service)
    db = mongo_client(service_settings)[service_settings.database]

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each scenario starts from the same store, so that replaying one gives the
            # same answers (hypothesis requires it of a state machine).
            forget_everything(db)
            known.update(seed(service, app, personal, wire))

        def step(self, input: StepInput) -> StepOutput:
            if input.transition is None:  # a first step: a real record, not a random id
                for name in input.case.path_parameters or {}:
                    if name in known:
                        input.case.path_parameters[name] = known[name]
            steps["linked" if input.transition is not None and input.is_applied else "first"] += 1
            return super().step(input)

        def get_call_kwargs(self, case):  # type: ignore[no-untyped-def]
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
            # Collected, not raised: a replay would meet a changed store (the case it
            # decided stays decided), which hypothesis reports as flaky generation.
            steps[f"{response.status_code // 100}xx"] += 1
            try:
                assert "Traceback" not in response.text
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:
                failures.append(f"{case.method} {case.formatted_path}: {exc}"[:1500])

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=8,
            deadline=None,
            database=None,
            suppress_health_check=UNHEALTHY_IS_FINE,
            phases=[Phase.explicit, Phase.generate],
        )
    )
    print(f"{service}: {dict(steps)}")
    assert not failures, "\n\n".join(sorted(set(failures)))
    # intake's scenarios run anonymously: its links lead from the signed-in applicant's
    # list to their cases (and a case to its history), which answer 401 to anyone else
    if ROLE_FOR[service] and len(schema.operations_with_incoming_links()) > 1:
        assert steps["linked"] >= STATEFUL_SCENARIOS // 4, steps  # the links were followed
