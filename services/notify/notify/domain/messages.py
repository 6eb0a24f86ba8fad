"""Which event becomes which email, rendered from one template per email that takes its
words by key from notify's catalogues (notify.i18n). Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from catalogue.casetypes import Catalogue
from catalogue.decision_letter import DecisionLetter, decision_letter
from catalogue.outcomes import OUTCOMES
from kernel.eventsourcing.envelope import Envelope
from kernel.web import formats
from kernel.web.i18n import LANGUAGES_BY_COUNTRY, currency_of
from notify.domain.access import CITIZEN, PROVIDER
from notify.i18n import ByLanguage, has, t, written_in

TEMPLATES = Path(__file__).parent.parent / "templates" / "email"


class OwnUrl(str):
    """A URL of the system's own (a tracking link, the desk's address): the only kind an
    email may link to."""


class OwnText(str):
    """A text of notify's own catalogues, its values already made unlinkable (words_in)."""


# A web link anywhere in a word, not only at its start: `xhttps://evil.example` holds
# one too (mail clients find it inside a word); the other schemes where a word starts.
_LINK_STARTS = re.compile(r"(?i)(https?|\b(?:ftp|mailto|file|data|javascript))(:/*)")
_WWW = re.compile(r"(?i)www\.")
_ADDRESS = re.compile(r"([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)")


def unlinkable(value: Any) -> Any:
    """Every value a template interpolates, but the system's own URLs: a link or an
    address in it is broken up (`https[:]//`, `www[.]`, `name [at] domain`) so neither
    the HTML part nor a mail client makes it clickable. Links come from OwnUrl only."""
    if value is None or isinstance(value, (OwnUrl, OwnText)) or not isinstance(value, str):
        return "" if value is None else value
    text = _LINK_STARTS.sub(lambda m: f"{m.group(1)}[{m.group(2)[0]}]{m.group(2)[1:]}", value)
    return _ADDRESS.sub(r"\1 [at] \2", _WWW.sub("www[.]", text))


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    finalize=unlinkable,
)

# event type -> template name: emails to the applicant ...
APPLICANT_EMAILS = {
    "intake.inquiry_submitted": "receipt",
    "intake.tracking_link_replaced": "tracking_link",
    "intake.sign_in_link_requested": "sign_in_link",
    "business_desk.completion_requested": "completion_request",
    "business_desk.deadline_extended": "deadline_extended",
    "business_desk.delay_notice_sent": "delay_notice",
    "business_desk.case_decided": "decision",
    "business_desk.case_closed": "survey_invitation",
}
# ... and to the municipality's staff named in the event
STAFF_EMAILS = {"business_desk.deadline_warning_issued": "deadline_warning"}
EMAILS = {**APPLICANT_EMAILS, **STAFF_EMAILS}
# a provider hears of customer choice in the deployment's national language (staff_language)


def staff_language(country: str) -> str:
    """The municipality's own staff read its warnings in the deployment's national language."""
    return LANGUAGES_BY_COUNTRY.get(country, LANGUAGES_BY_COUNTRY["SE"])[0]


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    language: str = "sv"
    template: str = ""
    # the personal link in the body (a tracking or sign-in link: a credential), which only
    # the message itself carries; what notify shows of it later leaves the link out
    link: str | None = None


# what stands in the shown text where the message had its personal link
LINK_WITHHELD = ByLanguage("email.link_withheld")


def shown_body(email: Email) -> str:
    """The text as notify may show it after sending: without the personal link."""
    if not email.link:
        return email.body
    return email.body.replace(email.link, t("email.link_withheld", email.language))


@dataclass(frozen=True)
class About:
    """What a message is about, kept in clear beside its sealed letter: the case or
    voucher it concerns, whom it is for (notify.domain.access), and the data subject whose key
    seals it."""

    reference: str
    event_type: str
    audience: str
    subject_id: str | None = None
    case_type: str | None = None


# The HTML part of every email: its text, escaped (autoescape), in a small layout.
_html = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=True)
# a link stands on its own: not inside a word
URL = re.compile(r"(?<![\w.+-])https?://[^\s<>\"]+")


def _linkify(text: str) -> Markup:
    """Escape, keep line breaks, and make the links clickable."""
    escaped = str(escape(text))
    linked = URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    return Markup(linked.replace("\n", "<br>\n"))


_html.filters["linkify"] = _linkify


def html_body(subject: str, text: str, language: str, sender: str | None = None) -> str:
    """The HTML part; its sender's name, unless given, the catalogue's (`email.sender`)."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]
    return _html.get_template("layout.html").render(
        subject=subject, paragraphs=paragraphs, lang=language, sender=sender or t("email.sender", language)
    )


def words_in(language: str) -> dict[str, Callable[..., Any]]:
    """What a template takes its words with: `t(key, **params)`, the key's text in the
    language with each parameter made unlinkable, and `has(key)`, whether the language's
    own catalogue words a line at all (the delay notice's note on the Swedish act)."""

    def text(key: str, **params: Any) -> OwnText:
        return OwnText(t(key, language, **{name: unlinkable(value) for name, value in params.items()}))

    def worded(key: str) -> bool:
        return has(key, language)

    return {"t": text, "has": worded}


def render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Returns (subject, body): the template's first line is `Subject: ...`."""
    language = written_in(template, language)
    own = {key: OwnUrl(value) for key, value in context.items() if key.endswith("_url") and value}
    text = _env.get_template(f"{template}.txt").render(
        **{**context, **own}, outcomes=OUTCOMES, lang=language, **words_in(language)
    )
    first, _, body = text.partition("\n")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n")


def email_for(
    event: Envelope, recipient: dict[str, Any], tracking_url: str | None, catalogue: Catalogue
) -> Email:
    """The email an applicant (or whoever asked to sign in) gets of `event`; a decision in
    the words of the decision letter the handler previewed (catalogue.decision_letter)."""
    template = EMAILS[event.type]
    context = {"data": event.data, "recipient": recipient, "tracking_url": tracking_url}
    if event.type == "business_desk.case_decided":
        context["letter"] = decision_letter_of(event.data, recipient, catalogue)
    subject, body = render(template, recipient["language"], context)
    return Email(
        to=recipient["email"],
        subject=subject,
        body=body,
        language=recipient["language"],
        template=template,
        link=tracking_url,
    )


def decision_letter_of(
    data: dict[str, Any], recipient: dict[str, Any], catalogue: Catalogue
) -> DecisionLetter:
    """`data`: a case_decided event's; its answer is None once erased."""
    language = written_in("decision", recipient["language"])
    return decision_letter(
        catalogue,
        recipient.get("case_type"),
        language,
        reference=data["reference"],
        outcome=data["outcome"],
        decided_on=data["decided_on"],
        answer=(data.get("personal") or {}).get("answer"),
        legal_reference=data["legal_reference"],
        handler=data["handler"],
        name=recipient.get("name"),
        documents=int(data.get("document_count") or 0),
    )


def staff_emails(event: Envelope, desk_url: str, language: str = "sv") -> list[Email]:
    """A warning to each of the staff the event names (the handler and the team lead), in
    the staff's `language` (staff_language)."""
    template = EMAILS[event.type]
    subject, body = render(template, language, {"data": event.data, "desk_url": desk_url})
    return [
        Email(to=address, subject=subject, body=body, template=template)
        for address in event.data["recipients"]
    ]


# customer choice: event type -> (who, template) for each email it makes
VOUCHER_EMAILS: dict[str, list[tuple[str, str]]] = {
    "vouchers.voucher_granted": [(CITIZEN, "voucher_granted")],
    "vouchers.provider_chosen": [(PROVIDER, "provider_new_choice")],
    "vouchers.provider_switched": [
        (CITIZEN, "provider_switched"),
        (PROVIDER, "provider_new_choice"),
        (PROVIDER, "provider_citizen_left"),
    ],
    "vouchers.switch_cancelled": [(CITIZEN, "switch_cancelled"), (PROVIDER, "provider_switch_cancelled")],
    "vouchers.payment_made": [(PROVIDER, "provider_payment")],
    "vouchers.provider_approved": [(PROVIDER, "provider_approved")],
}
# the provider emails whose event carries no address: the provider the event names by this
# field, written to at the address its application gave (notify.readmodels.providers)
PROVIDER_NAMED_BY = {"provider_citizen_left": "previous_provider_id", "provider_approved": "provider_id"}


def kronor(ore: int, language: str = "sv", country: str = "SE") -> str:
    """An amount in öre (øre) in the deployment's money as the email's language writes it
    (kernel.web.formats): "7 668,00 kr", "7.668,00 kr.", "DKK7,668.00"."""
    return formats.amount(ore / 100, language, currency_of(country))


def voucher_formats(template: str, language: str, country: str = "SE") -> dict[str, Callable[[Any], str]]:
    """What a vouchers email writes its amounts (`kronor`) and dates (`day`) with: in the
    language it is written in, the deployment's money."""
    written = written_in(template, language)
    return {
        "kronor": lambda ore: kronor(ore, written, country),
        "day": lambda value: formats.day(value, written),
    }


def voucher_emails(
    event: Envelope,
    citizen: dict[str, Any] | None,
    vouchers_url: str,
    programme_names: Mapping[str, Mapping[str, str]] | None = None,
    providers: Mapping[str, Mapping[str, Any] | None] | None = None,
    country: str = "SE",
) -> list[Email]:
    """The emails a vouchers event makes: to the citizen (their address from the grant)
    and to the provider (its address travels in the event, or, for those PROVIDER_NAMED_BY
    a field, is in `providers` by provider id; one not known there is not written to), who
    reads the `country`'s national language (staff_language); amounts in the country's
    money. `programme_names`: each programme's name by language (catalogue.programmes).
    No email names the citizen: neither their personnummer nor any id."""
    emails = []
    data = event.data
    names = (programme_names or {}).get(data.get("programme", ""), {})
    for who, template in VOUCHER_EMAILS[event.type]:
        to = _address(who, template, data, citizen, providers or {})
        if to is None:
            continue
        language = citizen["language"] if who == CITIZEN and citizen else staff_language(country)
        context = {
            "data": data,
            "programme_name": names.get(language, data.get("programme", "")),
            "vouchers_url": vouchers_url,
            **voucher_formats(template, language, country),
            "provider": (providers or {}).get(data.get(PROVIDER_NAMED_BY.get(template, ""), "")) or {},
            "last_day": _day_before(data.get("effective_from")),
        }
        subject, body = render(template, language, context)
        emails.append(Email(to=to, subject=subject, body=body, language=language, template=template))
    return emails


def _day_before(iso_day: str | None) -> str | None:
    """The last day of the tenure a switch from `iso_day` ends."""
    return (date.fromisoformat(iso_day) - timedelta(days=1)).isoformat() if iso_day else None


def _address(
    who: str,
    template: str,
    data: Mapping[str, Any],
    citizen: Mapping[str, Any] | None,
    providers: Mapping[str, Mapping[str, Any] | None],
) -> str | None:
    """Where the email goes: the citizen's address, the provider's in the event, or the
    address of the provider the event names (None: nobody to write to)."""
    if who == CITIZEN:
        return citizen["email"] if citizen else None
    if template not in PROVIDER_NAMED_BY:
        return str(data["provider_email"])
    contact = providers.get(data.get(PROVIDER_NAMED_BY[template], ""))
    return str(contact["email"]) if contact else None


def delay_notice_copies(event: Envelope, desk_url: str, language: str = "sv") -> list[Email]:
    """§11: the team lead hears that the applicant was told of a delay (in the staff's language)."""
    subject, body = render("delay_notice_staff", language, {"data": event.data, "desk_url": desk_url})
    return [
        Email(to=address, subject=subject, body=body, template="delay_notice_staff")
        for address in event.data.get("staff_recipients", [])
    ]


def sms_text(subject: str, link: str | None) -> str:
    """The SMS: the email's subject, and the link to the case."""
    return f"{subject}\n{link}" if link else subject
