"""Signing in to My cases: by the e-ID / OpenID Connect login, or by a link sent by email."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session

from intake import handlers
from intake.i18n import t
from intake.web.page_blueprint import deps, page_language, pages
from kernel.web.fields import has_control
from kernel.web.ratelimit import limited
from kernel.web.signin import SESSION_KEY, safe_next


@pages.get("/sign-in")
def sign_in():  # type: ignore[no-untyped-def]
    """Two ways into My cases: the e-ID / OpenID Connect login, or a link by email."""
    lang = page_language()
    target = safe_next(request.args.get("next"), "/my-cases")
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
