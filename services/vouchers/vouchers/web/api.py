"""The vouchers JSON API: thin: parse, check who may, call a handler, render. The
blueprint, what its routes share, and the programmes and providers; the vouchers and the
money in vouchers.web.vouchers_api, on the same blueprint."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Any

from flask import current_app
from flask_smorest import Blueprint, abort

from catalogue.programmes import Programme, UnknownProgramme
from kernel.domain.actors import Actor
from kernel.web.auth import Principal, current_principal, require
from kernel.web.embedded import newest_first, with_head
from kernel.web.paging import page_body, page_schema, sequence_page
from vouchers import handlers
from vouchers.bootstrap import Deps
from vouchers.domain import Refused
from vouchers.domain.providers import ApplyAsProvider
from vouchers.domain.redemptions import Conflict
from vouchers.web.schemas import (
    PROGRAMMES_ORDER,
    ApplicationSchema,
    DecisionSchema,
    DefaultProviderSchema,
    EmbeddedQuerySchema,
    ProgrammeOut,
    ProgrammesQuerySchema,
    ProviderHistoryEntryOut,
    ProviderOut,
    ProvidersQuerySchema,
    PublicProviderOut,
    QualitySchema,
    organisation_number,
)

blp = Blueprint("vouchers", __name__, url_prefix="/api/v1", description="Customer-choice vouchers")
PUBLIC_PROVIDER_FIELDS = (
    "_id",
    "programme",
    "name",
    "ownership",
    "categories",
    "description",
    "website",
    "status",
    "quality",
)


def deps() -> Deps:
    return current_app.extensions["vouchers.deps"]


def today() -> date:
    return deps().clock().date()


def actor() -> Actor:
    """Who takes the step: the signed-in caller by issuer and subject (their name shown)."""
    who = current_principal().actor
    if who is None:
        abort(403, message="Only a signed-in caller can take this step.")
    return who


def scope(permission: str) -> str | None:
    _, matrix = current_app.extensions["kernel.web.auth"]
    return matrix.scope(current_principal(), permission)


@contextmanager
def refusals() -> Any:
    """The domain's refusals as HTTP answers: 422 naming the field at fault, 409 for a
    state that does not allow the step or a report id used before, 404 for what is not there."""
    try:
        yield
    except Conflict as exc:
        abort(409, message=str(exc), errors={"json": {exc.field or "_schema": [str(exc)]}})
    except Refused as exc:
        if exc.field:
            abort(422, message=str(exc), errors={"json": {exc.field: [str(exc)]}})
        abort(409, message=str(exc))
    except UnknownProgramme as exc:
        abort(404, message=str(exc))
    except LookupError as exc:
        abort(404, message=str(exc).capitalize() + ".")


def programme_or_404(programme_id: str) -> Programme:
    with refusals():
        return deps().programmes.get(programme_id)


def programme_out(programme: Programme) -> dict[str, Any]:
    return {
        **programme.__dict__,
        "categories": list(programme.categories.values()),
        "default_provider_id": deps().read.default_provider_id(programme.id),
    }


# -- programmes and providers -------------------------------------------------------------


@blp.route("/programmes", methods=["GET"])
@require("programmes.read")
@blp.arguments(ProgrammesQuerySchema, location="query")
@blp.response(200, page_schema(ProgrammeOut))
def list_programmes(query: dict[str, Any]) -> dict[str, Any]:
    """The voucher programmes, their categories, amounts and approval criteria, by id."""
    programmes = [programme_out(p) for p in deps().programmes]
    return page_body(sequence_page(programmes, query["page"], PROGRAMMES_ORDER))


@blp.route("/programmes/<string:programme_id>", methods=["GET"])
@require("programmes.read")
@blp.response(200, ProgrammeOut)
def get_programme(programme_id: str) -> dict[str, Any]:
    return programme_out(programme_or_404(programme_id))


@blp.route("/programmes/<string:programme_id>/providers", methods=["GET"])
@require("programmes.read")
@blp.arguments(ProvidersQuerySchema, location="query")
@blp.response(200, page_schema(PublicProviderOut))
def programme_providers(query: dict[str, Any], programme_id: str) -> dict[str, Any]:
    """The programme's approved providers, by name: what a citizen chooses between."""
    programme_or_404(programme_id)
    return page_body(deps().read.providers_page(programme_id, ["approved"], query["page"]))


def own_organisation(principal: Principal, given: str | None) -> str:
    """Which organisation a provider acts for: the one given, if it is theirs, or their only one."""
    orgs = sorted(principal.organisations)
    if given:
        number = organisation_number(given)
        if number not in principal.organisations:
            abort(403, message="You may only apply for your own organisation.")
        return number
    if len(orgs) != 1:
        abort(
            422,
            message="Say which organisation applies.",
            errors={"json": {"organisation_number": ["Required."]}},
        )
    return orgs[0]


@blp.route("/programmes/<string:programme_id>/applications", methods=["POST"])
@require("provider.apply")
@blp.arguments(ApplicationSchema)
@blp.response(201, ProviderOut)
@blp.alt_response(409, description="The organisation already has an application or approval")
def apply(body: dict[str, Any], programme_id: str) -> dict[str, Any]:
    """A provider applies to a programme (municipal, private and non-profit alike)."""
    programme_or_404(programme_id)
    if scope("provider.apply") == "own":
        number = own_organisation(current_principal(), body.get("organisation_number"))
    elif body.get("organisation_number"):
        number = organisation_number(body["organisation_number"])
    else:
        abort(
            422,
            message="Say which organisation applies.",
            errors={"json": {"organisation_number": ["Required."]}},
        )
    command = ApplyAsProvider(
        programme=programme_id,
        organisation_number=number,
        name=body["name"].strip(),
        ownership=body["ownership"],
        categories=body["categories"],
        contact_email=body["contact_email"],
        description=body["description"].strip(),
        website=body["website"],
    )
    with refusals():
        provider_id = handlers.apply_as_provider(deps(), command)
    return provider_out(deps().read.provider(provider_id))  # type: ignore[arg-type]


def provider_out(doc: dict[str, Any]) -> dict[str, Any]:
    """A provider's full record as the API answers it: of its history only the newest
    decisions, with their count and the link to the older ones."""
    return with_head(doc, "history", f"{blp.url_prefix}/providers/{doc['_id']}/history")


def may_read_in_full(doc: dict[str, Any]) -> bool:
    """Whether the caller may read the provider's full record: the municipality any, a
    provider only its own."""
    may = scope("provider.read")
    return may == "all" or (may == "own" and doc["organisation_number"] in current_principal().organisations)


def readable_provider(provider_id: str) -> dict[str, Any]:
    """The provider's full record, if the caller may read it (another's is not told apart
    from none)."""
    doc = provider_or_404(provider_id)
    if not may_read_in_full(doc):
        abort(404, message=f"No provider {provider_id}.")
    return doc


def provider_or_404(provider_id: str) -> dict[str, Any]:
    doc = deps().read.provider(provider_id)
    if doc is None:
        abort(404, message=f"No provider {provider_id}.")
    return doc  # type: ignore[return-value]


@blp.route("/providers/<string:provider_id>", methods=["GET"])
@require("programmes.read")
@blp.response(200, ProviderOut)
def get_provider(provider_id: str) -> dict[str, Any]:
    """A provider's public profile; the municipality and the provider itself also see its
    decisions and contact."""
    doc = provider_or_404(provider_id)
    if may_read_in_full(doc):
        return provider_out(doc)
    if doc["status"] not in ("approved", "suspended"):
        abort(404, message=f"No provider {provider_id}.")
    return {k: doc[k] for k in PUBLIC_PROVIDER_FIELDS if k in doc}


@blp.route("/providers/<string:provider_id>/history", methods=["GET"])
@require("provider.read")
@blp.arguments(EmbeddedQuerySchema, location="query")
@blp.response(200, page_schema(ProviderHistoryEntryOut))
def provider_history(query: dict[str, Any], provider_id: str) -> dict[str, Any]:
    """The provider's decisions with reasons, newest first (a provider sees its own)."""
    doc = readable_provider(provider_id)
    return page_body(newest_first(doc["history"], query["page"]))


@blp.route("/providers/<string:provider_id>/decisions", methods=["POST"])
@require("provider.decide")
@blp.arguments(DecisionSchema)
@blp.response(200, ProviderOut)
@blp.alt_response(409, description="Not allowed in the provider's current status")
def decide(body: dict[str, Any], provider_id: str) -> dict[str, Any]:
    """Approve or reject an application against the criteria; suspend, reinstate or revoke an approval."""
    provider_or_404(provider_id)
    with refusals():
        handlers.decide_on_provider(deps(), provider_id, body["decision"], body["reason"], actor())
    return provider_out(provider_or_404(provider_id))


@blp.route("/providers/<string:provider_id>/quality", methods=["POST"])
@require("provider.decide")
@blp.arguments(QualitySchema)
@blp.response(200, ProviderOut)
def record_quality(body: dict[str, Any], provider_id: str) -> dict[str, Any]:
    """Record a quality result (e.g. a survey score) that the comparison publishes."""
    provider_or_404(provider_id)
    with refusals():
        handlers.record_quality(deps(), provider_id, body["measure"], body["value"], body["period"], actor())
    return provider_out(provider_or_404(provider_id))


@blp.route("/programmes/<string:programme_id>/default-provider", methods=["PUT"])
@require("provider.decide")
@blp.arguments(DefaultProviderSchema)
@blp.response(200, ProgrammeOut)
def default_provider(body: dict[str, Any], programme_id: str) -> dict[str, Any]:
    """Designate the default provider (ickevalsalternativ) for citizens who do not choose."""
    programme = programme_or_404(programme_id)
    with refusals():
        handlers.designate_default(deps(), programme_id, body["provider_id"])
    return programme_out(programme)
