"""Pages: the public programme list, each programme's published comparison of its
providers, the providers' public profiles, and the citizen's own vouchers (balance,
history, choosing and switching provider)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from kernel.web import formats
from kernel.web.auth import current_principal
from kernel.web.embedded import NEWEST_FIRST, newest_first
from kernel.web.fields import without_control
from kernel.web.i18n import best_language, bind_formats, currency_of, kernel_text
from kernel.web.paging import Page, PageRequest, page_or_first, pager_links
from kernel.web.signin import session_principal, signed_in
from vouchers import handlers
from vouchers.bootstrap import Deps
from vouchers.domain import Refused
from vouchers.domain.voucher_state import Tenure, Voucher
from vouchers.domain.vouchers import CITIZEN
from vouchers.i18n import LANGUAGE_NAMES, WORDS, offered_languages, t
from vouchers.readmodels.projections import CITIZEN_VOUCHERS_ORDER
from vouchers.web.api import PUBLIC_PROVIDER_FIELDS
from vouchers.web.schemas import signed_in_number
from vouchers.web.vouchers_api import comparison_for, voucher_out

pages = Blueprint("pages", __name__)


def deps() -> Deps:
    return current_app.extensions["vouchers.deps"]


def languages() -> tuple[str, ...]:
    """The deployment's languages (its country's: sv and en, or da and en)."""
    return tuple(current_app.config.get("LANGUAGES") or offered_languages(deps().country))


def language() -> str:
    """`?lang=` if the deployment offers it, else the browser's best match, else the national one."""
    return best_language(languages())


def currency() -> str:
    return currency_of(deps().country)


def kronor(ore: int | None) -> str:
    """An amount in öre (øre) as the page's language writes the deployment's money (Babel):
    "1 250,00 kr" on a Swedish page, "SEK 1,250.00" on an English one, "1.250,00 kr." in
    Danish kroner."""
    if ore is None:
        return "–"
    return formats.amount(ore / 100, language(), currency())


def share(value: float | None) -> str:
    """A fraction as a percentage in the page's language ("3 %" with a no-break space)."""
    return formats.percent(value, language())


def units(count: float | int | None, programme: Any) -> str:
    """A count with the programme's unit word, singular or plural: "1 timme", "2 timmar",
    "1 lektion", "32 lektioner"; the number as the page's language writes it."""
    if count is None:
        return "–"
    lang = language()
    word = programme.unit[lang] if count == 1 else programme.units_label[lang]
    return f"{formats.number(count, lang, 1)} {word}"


def _param(name: str, value: object, lang: str, programme: Any) -> str:
    if isinstance(value, date):
        return formats.day(value, lang)
    if name == "left" and programme is not None:
        return units(value, programme)  # type: ignore[arg-type]
    return formats.number(value, lang) if isinstance(value, int | float) else str(value)


def refusal(exc: Refused, programme: Any = None) -> str:
    """What the rules refused, in the page's language when the catalogues have its words
    (a count of units with the programme's unit word; a form rule's in the kernel's words)."""
    lang = language()
    if exc.key and exc.key.startswith("form."):
        return kernel_text(exc.key, lang)
    if exc.key and WORDS.has(exc.key, lang):
        params = {k: _param(k, v, lang, programme) for k, v in exc.params.items()}
        return t(exc.key, lang, **params)
    return str(exc)


# the words a deployment's country names its own way: a Danish one's CPR and CVR numbers
COUNTRY_WORDS = ("personnummer", "organisation_number")


def worded(key: str) -> str:
    """The key of a page's word in the deployment's country (`personnummer.DK`: CPR-nummer)."""
    country = deps().country
    return f"{key}.{country}" if country != "SE" and key in COUNTRY_WORDS else key


@pages.record_once
def _formats(state: Any) -> None:
    bind_formats(state.app, language)
    # |amount in the deployment's money (kroner in Denmark), not always SEK
    state.app.jinja_env.filters["amount"] = lambda value, money=None: formats.amount(
        value, language(), money or currency()
    )


@pages.app_context_processor
def helpers() -> dict[str, Any]:
    lang = language()
    return {
        "lang": lang,
        "t": lambda key, **params: t(worded(key), lang, **params),
        "kronor": kronor,
        "share": share,
        "units": units,
        "tn": lambda key, count, **params: WORDS.tn(key, count, lang, **params),
        "visitor": session_principal(),
        "other_languages": [(code, LANGUAGE_NAMES[code]) for code in languages() if code != lang],
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


def citizens_number() -> str:
    number = signed_in_number(current_principal().personal_number)
    if not number:
        abort(403, description="Sign in with your personnummer (e-ID) to see your vouchers.")
    return str(number)


def citizens_vouchers(page: PageRequest) -> Page[dict[str, Any]]:
    today = deps().clock().date()
    return handlers.vouchers_of_citizen(deps(), citizens_number(), page).map(lambda d: voucher_out(d, today))


@pages.get("/my")
@signed_in("voucher.mine")
def my_vouchers():  # type: ignore[no-untyped-def]
    return my_page()


def my_page(  # type: ignore[no-untyped-def]
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    error_in: str | None = None,
    kept: dict[str, str] | None = None,
):
    """The citizen's vouchers; after a refused choice, that voucher's form with its errors at
    its fields and what was chosen kept (a refusal is never read from the address: a link
    could write anything on the page)."""
    d = deps()
    page, refused = page_or_first(CITIZEN_VOUCHERS_ORDER, request.args, citizens_vouchers)
    vouchers = page.items
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
        error=refused,
        pager=pager_links(page),
        errors=errors or {},
        error_in=error_in,
        kept=kept or {},
    ), 422 if refused and status == 200 else status


def citizens_voucher(voucher_id: str) -> dict[str, Any]:
    """The signed-in citizen's voucher (another's is not told apart from none)."""
    voucher = deps().read.voucher(voucher_id)
    if voucher is None or not deps().read.belongs_to(voucher, citizens_number()):
        abort(404)
    return voucher  # type: ignore[no-any-return]


@pages.get("/my/vouchers/<voucher_id>/history")
@signed_in("voucher.mine")
def voucher_history(voucher_id: str):  # type: ignore[no-untyped-def]
    """All of a voucher's history, newest first, page by page."""
    voucher = citizens_voucher(voucher_id)
    page, refused = page_or_first(
        NEWEST_FIRST, request.args, lambda asked: newest_first(voucher["history"], asked)
    )
    return render_template(
        "voucher_history.html",
        voucher=voucher,
        history=page.items,
        programmes=deps().programmes.by_id,
        error=refused,
        pager=pager_links(page),
    ), 422 if refused else 200


@pages.post("/my/vouchers/<voucher_id>/choice")
@signed_in("voucher.mine")
def choose(voucher_id: str):  # type: ignore[no-untyped-def]
    voucher = citizens_voucher(voucher_id)
    raw_from = request.form.get("effective_from", "").strip()
    provider_id = request.form.get("provider_id", "")
    kept = {"provider_id": provider_id, "effective_from": without_control(raw_from)[:10]}
    try:
        effective_from = date.fromisoformat(raw_from) if raw_from else None
    except ValueError:
        errors = {f"from-{voucher_id}": [kernel_text("form.date", language())]}
        return my_page(422, errors, voucher_id, kept)
    try:
        handlers.choose_provider(deps(), voucher_id, provider_id, effective_from, CITIZEN)
    except Refused as exc:
        field = "from" if exc.field == "effective_from" else "provider"
        programme = deps().programmes.get(voucher["programme"])
        message = refusal(exc, programme) if exc.key else kernel_text("form.choice", language())
        return my_page(422, {f"{field}-{voucher_id}": [message]}, voucher_id, kept)
    flash(t("saved", language()))
    return redirect(url_for("pages.my_vouchers", lang=language()))


@pages.post("/my/vouchers/<voucher_id>/switch/cancel")
@signed_in("voucher.mine")
def cancel_switch(voucher_id: str):  # type: ignore[no-untyped-def]
    """The citizen takes back their scheduled switch: the result, or why not, on their page."""
    voucher = citizens_voucher(voucher_id)
    lang = language()
    today = deps().clock().date()
    coming = Voucher.from_document(voucher).scheduled_switch(today)
    try:
        handlers.cancel_switch(deps(), voucher_id, CITIZEN)
    except Refused as exc:  # told in the voucher's card, never through the address
        return my_page(409, {f"cancel-{voucher_id}": [refusal(exc)]}, voucher_id)
    flash(_cancelled(voucher, coming, today, lang))
    return redirect(url_for("pages.my_vouchers", lang=lang))


def _cancelled(voucher: dict[str, Any], coming: Tenure | None, today: date, lang: str) -> str:
    """What the citizen is told of a cancelled switch: to whom and from when it was, and
    with whom they stay."""
    if coming is None:
        return t("switch_cancelled", lang)
    names = {tenure["provider_id"]: tenure["provider_name"] for tenure in voucher["tenures"]}
    staying = Voucher.from_document(voucher).provider_on(today) or ""
    return t(
        "switch_cancelled.result",
        lang,
        provider=names.get(coming.provider_id, ""),
        day=formats.day(coming.since, lang),
        current=names.get(staying, ""),
    )
