"""The case types: what the municipality decides, how fast it promises to, and how fast it is."""

from __future__ import annotations

from flask import abort, render_template, request

from intake.i18n import t
from intake.web.page_blueprint import deps, page_language, pages


def case_type_view(case_type, lang: str) -> dict:  # type: ignore[no-untyped-def]
    catalogue = deps().catalogue
    today = deps().clock().date()
    live = deps().figures.for_case_type(case_type.id) if deps().figures else None
    return {
        "id": case_type.id,
        "label": case_type.label(lang),
        "description": case_type.description.get(lang, ""),
        "target": case_type.target.describe(lang),
        "legal": case_type.kind == "legal",
        "legal_reference": case_type.legal_reference,
        "promised": catalogue.calendar.due_date(today, case_type.target).isoformat(),
        "documents": [d.get(lang) or d.get("en", "") for d in case_type.documents],
        "live": live,
    }


@pages.get("/case-types")
def case_types():  # type: ignore[no-untyped-def]
    """What the municipality decides, how fast it promises to, and how fast it is."""
    lang = page_language()
    query = request.args.get("q", "").strip()[:100]
    views = [case_type_view(ct, lang) for ct in deps().catalogue.case_types.values()]
    if query:
        words = query.lower().split()
        views = [v for v in views if all(w in searchable(v) for w in words)]
    return render_template("case_types.html", lang=lang, t=lambda k: t(k, lang), case_types=views, q=query)


def searchable(view: dict) -> str:
    """What a search of the case types looks through: the name, description and documents."""
    return " ".join([view["label"], view["description"], *view["documents"]]).lower()


@pages.get("/case-types/<case_type_id>")
def case_type(case_type_id: str):  # type: ignore[no-untyped-def]
    lang = page_language()
    found = deps().catalogue.case_types.get(case_type_id)
    if found is None:
        abort(404, description=t("not_found_case_type", lang))
    view = case_type_view(found, lang)
    return render_template("case_type.html", lang=lang, t=lambda k: t(k, lang), ct=view)
