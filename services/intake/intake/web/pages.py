"""The applicant's pages: the inquiry form, the receipt and the tracking page."""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session
from marshmallow import ValidationError

from intake import handlers
from intake.adapters import attachments, messages
from intake.bootstrap import Deps
from intake.domain.inquiries import SURVEY_QUESTIONS, LinkNotReplaceable, NothingToAnswer, SubmitInquiry
from intake.handlers import LinkRefused
from intake.i18n import languages, request_language, t
from intake.readmodels.tracking import MY_CASES_ORDER
from intake.web import letters
from intake.web.schemas import InquirySchema
from kernel.web.auth import current_principal
from kernel.web.fields import MULTI_LINE_MESSAGE, has_control, normalise_newlines, without_control
from kernel.web.paging import PageRequest, page_from_args, pager_links
from kernel.web.ratelimit import limited
from kernel.web.signin import SESSION_KEY, page_check, session_principal, signed_in

pages = Blueprint("pages", __name__)

FORM_FIELDS = ("organisation_number", "company", "contact_name", "email", "phone", "case_type", "description")


def deps() -> Deps:
    return current_app.extensions["intake.deps"]


def _render_form(lang: str, values: dict, errors: dict, status: int = 200):  # type: ignore[no-untyped-def]
    catalogue = deps().catalogue
    today = deps().clock().date()
    case_types = [
        {
            "id": ct.id,
            "label": ct.label(lang),
            "target": ct.target.describe(lang),
            "promised": catalogue.calendar.due_date(today, ct.target).isoformat(),
        }
        for ct in catalogue.case_types.values()
    ]
    return (
        render_template(
            "form.html",
            lang=lang,
            t=lambda k: t(k, lang),
            values=values,
            errors=errors,
            case_types=case_types,
            fields=FORM_FIELDS,
            languages=languages(),
        ),
        status,
    )


@pages.get("/")
def form():  # type: ignore[no-untyped-def]
    lang = page_language()
    chosen = request.args.get("case_type", "")
    values = {"language": lang, **({"case_type": chosen} if chosen in deps().catalogue.case_types else {})}
    return _render_form(lang, values, {})


@pages.post("/")
@limited("submit")
def submit():  # type: ignore[no-untyped-def]
    values = {key: request.form.get(key, "") for key in (*FORM_FIELDS, "language")}
    values["notify_by"] = request.form.get("notify_by") or "email"
    lang = values["language"] if values["language"] in languages() else request_language()
    try:
        data = InquirySchema().load(values)
    except ValidationError as exc:
        errors = {
            field: [t(m, lang) for m in messages] for field, messages in exc.normalized_messages().items()
        }
        return _render_form(lang, values, errors, 422)
    submitted = handlers.submit(SubmitInquiry(**data), deps())
    receipt = handlers.receipt(submitted, deps())
    label = deps().catalogue.get(receipt["case_type"]).label(lang)
    return render_template(
        "receipt.html", lang=lang, t=lambda k: t(k, lang), receipt=receipt, case_type_label=label
    ), 201


def page_language(case_language: str | None = None) -> str:
    """?lang= when it names a language, else the case's, else the browser's."""
    chosen = request.args.get("lang")
    return chosen if chosen in languages() else case_language or request_language()


def tracked_case(token: str) -> tuple[dict, str]:
    """The case a tracking link leads to and the language to show it in, or a page
    saying why the link leads nowhere."""
    try:
        doc = handlers.case_by_link(deps(), token)
    except LinkRefused as refused:
        abort(refused.status, description=t(refused.reason, page_language(refused.language)))
    return doc, page_language(doc["language"])


def appeal_text(doc: dict, lang: str) -> str:
    appeal = deps().catalogue.get(doc["case_type"]).appeal
    return appeal.get(lang) or appeal.get("en", "")


def render_case(  # type: ignore[no-untyped-def]
    doc: dict,
    lang: str,
    token: str | None,
    letter_url: str,
    answer_error: dict[str, str] | None = None,
    answer_text: str = "",
):
    view = handlers.applicant_view(deps(), doc, lang)
    return render_template(
        "track.html",
        lang=lang,
        t=lambda k: t(k, lang),
        case=view,
        token=token,
        appeal=appeal_text(doc, lang),
        letter_url=f"{letter_url}?lang={lang}",
        answer_url=letter_url.replace("/decision.pdf", "/answer") + f"?lang={lang}",
        survey_url=letter_url.replace("/decision.pdf", "/survey") + f"?lang={lang}",
        messages=shown_messages(doc["reference"]),
        questions=SURVEY_QUESTIONS,
        max_files=attachments.MAX_FILES,
        max_mb=deps().settings.attachment_max_bytes // (1024 * 1024),
        answer_error=answer_error or {},
        answer_text=answer_text,
    )


def shown_messages(reference: str) -> list[dict] | None:
    """The case's messages as the portal shows them (intake.adapters.messages.shown: never a text)."""
    found = deps().messages(reference)
    return None if found is None else [messages.shown(m) for m in found]


def decision_pdf(doc: dict, lang: str):  # type: ignore[no-untyped-def]
    """The decision as a PDF letter; 404 until there is a decision."""
    view = handlers.applicant_view(deps(), doc, lang)
    if not view["decision"]:
        abort(404, description=t("no_decision_yet", lang))
    municipality = deps().catalogue.municipality.get("name") or t("municipality", lang)
    pdf = letters.decision_letter(view, appeal_text(doc, lang), municipality, lang)
    name = f"{t('decision', lang).lower()}-{view['reference']}.pdf"
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


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


@pages.get("/track/<token>")
@limited("tracking")
def track(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    return render_case(doc, lang, token, f"/track/{token}/decision.pdf")


@pages.get("/track/<token>/decision.pdf")
@limited("tracking")
def track_letter(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    return decision_pdf(doc, lang)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/my-cases"


@pages.get("/sign-in")
def sign_in():  # type: ignore[no-untyped-def]
    """Two ways into My cases: the e-ID / OpenID Connect login, or a link by email."""
    lang = page_language()
    target = _safe_next(request.args.get("next"))
    return render_template("sign_in.html", lang=lang, t=lambda k: t(k, lang), next=target)


@pages.post("/sign-in")
@limited("tracking")
def sign_in_by_email():  # type: ignore[no-untyped-def]
    lang = page_language()
    email = request.form.get("email", "").strip()
    if "@" not in email or len(email) > 254 or has_control(email):
        return render_template(
            "message.html",
            lang=lang,
            t=lambda k: t(k, lang),
            message=t("sign_in.bad_email", lang),
            error=True,
            back=f"/sign-in?lang={lang}",
        ), 422
    handlers.request_sign_in(deps(), email, lang)
    return render_template(
        "message.html", lang=lang, t=lambda k: t(k, lang), message=t("sign_in.link_sent", lang)
    )


@pages.get("/sign-in/<token>")
@limited("tracking")
def sign_in_with_link(token: str):  # type: ignore[no-untyped-def]
    """Opening the emailed link changes nothing (a mail scanner may open it first): it
    shows whom it signs in, and signing in is the button's POST."""
    lang = page_language()
    shown_as = handlers.sign_in_link_shown_as(deps(), token)
    if shown_as is None:
        abort(410, description=t("sign_in.link_invalid", lang))
    return render_template(
        "sign_in_confirm.html",
        lang=lang,
        t=lambda k: t(k, lang),
        shown_as=shown_as,
        action=f"/sign-in/{token}?lang={lang}",
    )


@pages.post("/sign-in/<token>")
@limited("tracking")
def redeem_sign_in_link(token: str):  # type: ignore[no-untyped-def]
    """Redeems the link once (the form's CSRF token shows it was this browser's choice)."""
    lang = page_language()
    principal = handlers.redeem_sign_in(deps(), token)
    if principal is None:
        abort(410, description=t("sign_in.link_invalid", lang))
    session.clear()  # a fresh session on sign-in: no fixation
    session.permanent = True
    session[SESSION_KEY] = principal
    return redirect(f"/my-cases?lang={lang}")


def my_case_and_language(inquiry_id: str) -> tuple[dict, str]:
    """A case of the signed-in applicant's organisations and its page language, or 404
    (another company's case is not told apart from none)."""
    doc = handlers.own_case(deps(), inquiry_id, current_principal())
    if doc is None:
        abort(404, description=t("not_found", page_language()))
    return doc, page_language(doc["language"])


def applicant_signed_in(view):  # type: ignore[no-untyped-def]
    """My cases: a visitor not signed in chooses how to sign in first."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        if session_principal().anonymous:
            return redirect(f"/sign-in?lang={page_language()}&next={quote(request.path)}")
        page_check("inquiry.mine")
        return view(*args, **kwargs)

    return wrapper


@pages.get("/my-cases")
@applicant_signed_in
def my_cases():  # type: ignore[no-untyped-def]
    principal, lang = current_principal(), page_language()
    asked = page_from_args(MY_CASES_ORDER, request.args)
    refused = asked if isinstance(asked, str) else None
    page = handlers.own_cases(deps(), principal, PageRequest() if refused else asked)  # type: ignore[arg-type]
    cases = [handlers.applicant_view(deps(), doc, lang) for doc in page.items]
    return render_template(
        "my_cases.html",
        lang=lang,
        t=lambda k: t(k, lang),
        cases=cases,
        user=principal,
        pager=pager_links(page),
        error=refused,
    ), 422 if refused else 200


@pages.get("/my-cases/<inquiry_id>")
@applicant_signed_in
def my_case(inquiry_id: str):  # type: ignore[no-untyped-def]
    doc, lang = my_case_and_language(inquiry_id)
    return render_case(doc, lang, None, f"/my-cases/{inquiry_id}/decision.pdf")


def upload_budget(deps_: Deps, doc: dict) -> int:
    """The body an answer may have: files only while the case waits for the applicant's
    answer; the answer text alone otherwise."""
    if not handlers.awaits_answer(doc):
        return deps_.settings.max_request_bytes
    return attachments.MAX_FILES * deps_.settings.attachment_max_bytes + 256 * 1024


def track_answer_budget(view_args: dict) -> int:
    """Checked before the body is read (the CSRF check included): an unknown, replaced or
    expired link is refused before a byte of a 50 MB upload is parsed."""
    doc, _ = tracked_case(view_args["token"])
    return upload_budget(deps(), doc)


def my_case_answer_budget(view_args: dict) -> int:
    """The same for My cases: signed in, and a case of one's own, before the body is read."""
    page_check("inquiry.mine")
    doc, _ = my_case_and_language(view_args["inquiry_id"])
    return upload_budget(deps(), doc)


BODY_BUDGETS = {"pages.track_answer": track_answer_budget, "pages.my_case_answer": my_case_answer_budget}


def answer(doc: dict, lang: str, back: str, token: str | None, letter_url: str):  # type: ignore[no-untyped-def]
    """Registers the applicant's answer. A refusal shows the case page again with the
    reason at the answer field and what was typed still there (files must be chosen again:
    a browser never refills a file input)."""
    uploads = [
        attachments.Upload(f.filename or "file", f.read())
        for f in request.files.getlist("files")
        if f and f.filename
    ]
    text = request.form.get("answer", "")

    def refused(message: str, field: str = "answer"):  # type: ignore[no-untyped-def]
        kept = without_control(text, multi_line=True)
        page = render_case(doc, lang, token, letter_url, answer_error={field: message}, answer_text=kept)
        return page, 422

    if has_control(text, multi_line=True):
        return refused(t(MULTI_LINE_MESSAGE, lang))
    try:
        handlers.answer_completion(deps(), doc, normalise_newlines(text), uploads)
    except attachments.Rejected as rejected:
        named = f" ({rejected.filename})" if rejected.filename else ""
        return refused(t(rejected.key, lang) + named, "files")
    except ValueError:
        return refused(t("answer.empty", lang))
    except NothingToAnswer:
        abort(409, description=t("answer.nothing_to_answer", lang))
    return render_template(
        "message.html", lang=lang, t=lambda k: t(k, lang), message=t("answer.sent", lang), back=back
    )


@pages.post("/track/<token>/answer")
@limited("tracking")
def track_answer(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    return answer(doc, lang, f"/track/{token}", token, f"/track/{token}/decision.pdf")


@pages.post("/my-cases/<inquiry_id>/answer")
@signed_in("inquiry.mine")
def my_case_answer(inquiry_id: str):  # type: ignore[no-untyped-def]
    doc, lang = my_case_and_language(inquiry_id)
    return answer(doc, lang, f"/my-cases/{inquiry_id}", None, f"/my-cases/{inquiry_id}/decision.pdf")


def survey(doc: dict, lang: str, back: str):  # type: ignore[no-untyped-def]
    scores = {}
    for question in SURVEY_QUESTIONS:
        raw = request.form.get(question, "")
        scores[question] = int(raw) if raw.isdigit() else 0
    try:
        handlers.answer_survey(deps(), doc, scores)
    except ValueError:
        message = t("survey.incomplete", lang)
        return render_template(
            "message.html", lang=lang, t=lambda k: t(k, lang), message=message, error=True, back=back
        ), 422
    except NothingToAnswer:
        abort(409, description=t("survey.closed", lang))
    return render_template(
        "message.html", lang=lang, t=lambda k: t(k, lang), message=t("survey.thanks", lang), back=back
    )


@pages.post("/track/<token>/survey")
@limited("tracking")
def track_survey(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    return survey(doc, lang, f"/track/{token}")


@pages.post("/my-cases/<inquiry_id>/survey")
@signed_in("inquiry.mine")
def my_case_survey(inquiry_id: str):  # type: ignore[no-untyped-def]
    doc, lang = my_case_and_language(inquiry_id)
    return survey(doc, lang, f"/my-cases/{inquiry_id}")


@pages.get("/my-cases/<inquiry_id>/decision.pdf")
@signed_in("inquiry.mine")
def my_case_letter(inquiry_id: str):  # type: ignore[no-untyped-def]
    doc, lang = my_case_and_language(inquiry_id)
    return decision_pdf(doc, lang)


@pages.post("/track/<token>/new-link")
@limited("tracking")
def new_link(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    try:
        handlers.replace_tracking_link(deps(), doc["_id"], "applicant")
    except LinkNotReplaceable:
        abort(409, description=t("new_link_impossible", lang))
    return render_template(
        "message.html", lang=lang, t=lambda k: t(k, lang), message=t("new_link_sent", lang)
    )
