"""Pages: the public programme list, each programme's published comparison of its
providers, the providers' public profiles, and the citizen's own vouchers (balance,
history, choosing and switching provider)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from kernel.auth import current_principal
from kernel.signin import session_principal, signed_in
from vouchers import handlers
from vouchers.api import PUBLIC_PROVIDER_FIELDS, comparison_for, voucher_out
from vouchers.bootstrap import Deps
from vouchers.domain import Refused
from vouchers.domain.vouchers import citizen_key

pages = Blueprint("pages", __name__)
LANGUAGES = ("sv", "en")
WORDS: dict[str, dict[str, str]] = {
    "title": {"sv": "Kundval", "en": "Customer choice"},
    "intro": {
        "sv": "Du väljer utförare. Här jämförs alla godkända utförare, kommunala, privata och idéburna, "
        "på lika villkor.",
        "en": "You choose the provider. Every approved provider, municipal, private and non-profit, "
        "is compared here on equal terms.",
    },
    "programmes": {"sv": "Valfrihetssystem", "en": "Programmes"},
    "compare": {"sv": "Jämför utförare", "en": "Compare providers"},
    "provider": {"sv": "Utförare", "en": "Provider"},
    "ownership": {"sv": "Driftsform", "en": "Ownership"},
    "municipal": {"sv": "Kommunal", "en": "Municipal"},
    "private": {"sv": "Privat", "en": "Private"},
    "non_profit": {"sv": "Idéburen", "en": "Non-profit"},
    "choosers": {"sv": "Har valt nu", "en": "Choosers now"},
    "switch_in": {"sv": "Bytt till", "en": "Switched in"},
    "switch_out": {"sv": "Bytt från", "en": "Switched out"},
    "wait": {"sv": "Väntetid (median, dagar)", "en": "Wait for a place (median days)"},
    "delivered": {"sv": "Levererat av beviljat", "en": "Delivered of granted"},
    "criteria": {"sv": "Krav för godkännande", "en": "Criteria for approval"},
    "as_json": {"sv": "Som JSON", "en": "As JSON"},
    "none_yet": {"sv": "Inga godkända utförare ännu.", "en": "No approved providers yet."},
    "my_vouchers": {"sv": "Mina checkar", "en": "My vouchers"},
    "no_vouchers": {"sv": "Du har inga checkar.", "en": "You have no vouchers."},
    "balance": {"sv": "Kvar", "en": "Left"},
    "valid": {"sv": "Giltig", "en": "Valid"},
    "current_provider": {"sv": "Din utförare", "en": "Your provider"},
    "no_provider": {"sv": "Du har inte valt utförare än.", "en": "You have not chosen a provider yet."},
    "choose": {"sv": "Välj utförare", "en": "Choose a provider"},
    "switch": {"sv": "Byt utförare", "en": "Switch provider"},
    "from_date": {"sv": "Från och med", "en": "From"},
    "history": {"sv": "Händelser", "en": "History"},
    "granted": {"sv": "Beviljad", "en": "Granted"},
    "chosen": {"sv": "Du valde", "en": "You chose"},
    "default": {"sv": "Ickevalsalternativ", "en": "Default provider"},
    "switched": {"sv": "Byte till", "en": "Switch to"},
    "bonus": {"sv": "Resultatbonus", "en": "Outcome bonus"},
    "quality": {"sv": "Kvalitet", "en": "Quality"},
    "status": {"sv": "Status", "en": "Status"},
    "approved": {"sv": "Godkänd", "en": "Approved"},
    "suspended": {"sv": "Tillfälligt avstängd", "en": "Suspended"},
    "offers": {"sv": "Erbjuder", "en": "Offers"},
    "saved": {"sv": "Ditt val är sparat.", "en": "Your choice is saved."},
    "per": {"sv": "per", "en": "per"},
    # the voucher officer's and the provider's pages
    "officer_title": {"sv": "Handläggning av valfrihetssystem", "en": "Running customer choice"},
    "officer_nav": {"sv": "Handläggning", "en": "Officer"},
    "provider_nav": {"sv": "Utförare", "en": "Provider"},
    "providers_and_applications": {"sv": "Ansökningar och utförare", "en": "Applications and providers"},
    "organisation_number": {"sv": "Organisationsnummer", "en": "Organisation number"},
    "categories": {"sv": "Inriktning", "en": "Categories"},
    "decision": {"sv": "Beslut", "en": "Decision"},
    "reason": {"sv": "Motivering", "en": "Reason"},
    "save_decision": {"sv": "Spara beslut", "en": "Save decision"},
    "decision_saved": {"sv": "Beslutet är sparat.", "en": "The decision is saved."},
    "no_decision": {
        "sv": "Inget beslut kan fattas i den här statusen.",
        "en": "No decision can be taken in this status.",
    },
    "applied": {"sv": "Har ansökt", "en": "Applied"},
    "rejected": {"sv": "Avslagen", "en": "Rejected"},
    "revoked": {"sv": "Hävd", "en": "Revoked"},
    "approve": {"sv": "Godkänn", "en": "Approve"},
    "reject": {"sv": "Avslå", "en": "Reject"},
    "suspend": {"sv": "Stäng av tillfälligt", "en": "Suspend"},
    "reinstate": {"sv": "Återinför", "en": "Reinstate"},
    "revoke": {"sv": "Häv godkännandet", "en": "Revoke"},
    "no_providers": {"sv": "Inga ansökningar ännu.", "en": "No applications yet."},
    "budget": {"sv": "Budget", "en": "Budget"},
    "redeemed": {"sv": "Inlöst", "en": "Redeemed"},
    "paid": {"sv": "Utbetalt", "en": "Paid"},
    "forecast": {"sv": "Prognos helår", "en": "Forecast for the year"},
    "grant_title": {"sv": "Bevilja en check", "en": "Grant a voucher"},
    "programme_category": {"sv": "Valfrihetssystem och inriktning", "en": "Programme and category"},
    "personnummer": {"sv": "Personnummer", "en": "Personal identity number"},
    "email": {"sv": "E-post", "en": "Email"},
    "language": {"sv": "Språk", "en": "Language"},
    "units_per_period": {
        "sv": "Enheter per period (om inriktningen kräver)",
        "en": "Units per period (where the category asks)",
    },
    "valid_from_optional": {"sv": "Giltig från (annars i dag)", "en": "Valid from (today if empty)"},
    "grant": {"sv": "Bevilja", "en": "Grant"},
    "voucher_granted": {"sv": "Checken är beviljad:", "en": "The voucher is granted:"},
    "payments_title": {"sv": "Utbetalningar", "en": "Payments"},
    "month": {"sv": "Månad", "en": "Month"},
    "run_payments": {"sv": "Gör månadens utbetalning", "en": "Run the month's payments"},
    "payments_made": {"sv": "Nya utbetalningar", "en": "New payments"},
    "no_payments": {"sv": "Inga utbetalningar för månaden.", "en": "No payments for the month."},
    "lines": {"sv": "Rader", "en": "Lines"},
    "total": {"sv": "Summa", "en": "Total"},
    "provider_title": {"sv": "Utförare: checkar och leveranser", "en": "Provider: vouchers and deliveries"},
    "no_own_providers": {
        "sv": "Din organisation har inte ansökt till något valfrihetssystem.",
        "en": "Your organisation has not applied to any programme.",
    },
    "vouchers_held": {"sv": "Checkar hos er", "en": "Vouchers with you"},
    "no_vouchers_held": {"sv": "Inga checkar hos er just nu.", "en": "No vouchers with you just now."},
    "voucher": {"sv": "Check", "en": "Voucher"},
    "units": {"sv": "Antal", "en": "Units"},
    "delivered_on": {"sv": "Levererat den", "en": "Delivered on"},
    "report": {"sv": "Rapportera", "en": "Report"},
    "reported": {"sv": "Rapporterat", "en": "Reported"},
    "reported_before": {"sv": "Redan rapporterat", "en": "Already reported"},
    "your_payments": {"sv": "Era utbetalningar", "en": "Your payments"},
    "fix_errors": {"sv": "Rätta det som är markerat.", "en": "Please correct what is marked."},
}


def deps() -> Deps:
    return current_app.extensions["vouchers.deps"]


def language() -> str:
    lang = request.args.get("lang") or request.accept_languages.best_match(LANGUAGES) or "sv"
    return lang if lang in LANGUAGES else "sv"


def kronor(ore: int | None) -> str:
    if ore is None:
        return "–"
    return f"{ore / 100:,.2f}".replace(",", " ").replace(".", ",") + " kr"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


@pages.app_context_processor
def helpers() -> dict[str, Any]:
    lang = language()
    return {
        "lang": lang,
        "w": lambda key: WORDS.get(key, {}).get(lang, key),
        "kronor": kronor,
        "share": share,
        "visitor": session_principal(),
    }


@pages.get("/")
def index():  # type: ignore[no-untyped-def]
    return render_template("index.html", programmes=list(deps().programmes))


@pages.get("/programmes/<programme_id>")
def programme(programme_id: str):  # type: ignore[no-untyped-def]
    programme = deps().programmes.by_id.get(programme_id)
    if programme is None:
        abort(404)
    figures = comparison_for(programme)
    return render_template("comparison.html", programme=programme, figures=figures)


@pages.get("/providers/<provider_id>")
def provider(provider_id: str):  # type: ignore[no-untyped-def]
    doc = deps().read.provider(provider_id)
    if doc is None or doc["status"] not in ("approved", "suspended"):
        abort(404)
    public = {k: doc[k] for k in PUBLIC_PROVIDER_FIELDS if k in doc}
    return render_template(
        "provider.html", provider=public, programme=deps().programmes.get(doc["programme"])
    )


def citizens_vouchers() -> list[dict[str, Any]]:
    number = current_principal().personal_number
    if not number:
        abort(403, description="Sign in with your personnummer (e-ID) to see your vouchers.")
    today = deps().clock().date()
    return [
        voucher_out(doc, today)
        for doc in deps().read.vouchers_of_citizen(citizen_key(number, deps().citizen_secret))
    ]


@pages.get("/my")
@signed_in("voucher.mine")
def my_vouchers():  # type: ignore[no-untyped-def]
    d = deps()
    vouchers = citizens_vouchers()
    choices = {
        v["_id"]: [
            p
            for p in d.read.providers_of(v["programme"], ["approved"])
            if v["category"] in p["categories"] and p["_id"] != v["provider_id"]  # not the one it is with
        ]
        for v in vouchers
    }
    return render_template(
        "my.html",
        vouchers=vouchers,
        choices=choices,
        programmes=d.programmes.by_id,
        today=d.clock().date().isoformat(),
        error=request.args.get("error"),
    )


@pages.post("/my/vouchers/<voucher_id>/choice")
@signed_in("voucher.mine")
def choose(voucher_id: str):  # type: ignore[no-untyped-def]
    if voucher_id not in {v["_id"] for v in citizens_vouchers()}:
        abort(404)
    raw_from = request.form.get("effective_from", "").strip()
    try:
        effective_from = date.fromisoformat(raw_from) if raw_from else None
        handlers.choose_provider(
            deps(), voucher_id, request.form.get("provider_id", ""), effective_from, current_principal().name
        )
    except ValueError:
        return redirect(
            url_for("pages.my_vouchers", error="The date must look like 2026-12-01.", lang=language())
        )
    except Refused as exc:
        return redirect(url_for("pages.my_vouchers", error=str(exc), lang=language()))
    flash(WORDS["saved"][language()])
    return redirect(url_for("pages.my_vouchers", lang=language()))
