"""Swedish and English texts for applicants: page labels, validation errors and the
plain-words status of a case."""

from __future__ import annotations

from flask import request

LANGUAGES = ("sv", "en")

TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Fråga eller ansökan till kommunen",
        "intro": "Skicka in din ansökan eller fråga. Du får direkt ett kvitto med datum då du senast får besked.",
        "organisation_number": "Organisationsnummer (eller CVR-nummer)",
        "company": "Företagets namn",
        "contact_name": "Kontaktperson",
        "email": "E-post",
        "phone": "Telefon",
        "case_type": "Ärendetyp",
        "description": "Beskriv ditt ärende",
        "language": "Språk för svar",
        "submit": "Skicka in",
        "errors_heading": "Något behöver rättas innan vi kan ta emot ärendet:",
        "receipt_title": "Tack, vi har tagit emot ditt ärende",
        "reference": "Ärendenummer",
        "promised": "Du får besked senast",
        "tracking": "Följ ditt ärende här (spara länken, den är personlig)",
        "track_title": "Ditt ärende",
        "status": "Status",
        "history": "Händelser",
        "decision": "Beslut",
        "waiting_for": "Vi väntar på att du kompletterar",
        "reply_by": "Svara senast",
        "delayed": "Beslutet blir försenat",
        "expected_by": "Vi räknar med att ge besked senast",
        "not_found": "Vi hittar inget ärende för den här länken.",
        "my_cases": "Mina ärenden",
        "my_cases_intro": "Ärenden för de företag du företräder",
        "my_cases_none": "Det finns inga ärenden för dina företag ännu.",
        "error.generic": "Något gick fel med den här sidan. Försök igen, eller kontakta kommunen.",
        "link_replaced": "Den här länken har bytts ut och gäller inte längre. Den nya länken skickades till kontaktpersonens e-post.",
        "new_link_title": "Har någon annan fått den här länken?",
        "new_link_explain": "Begär en ny länk. Den skickas till kontaktpersonens e-post och den här länken slutar gälla direkt.",
        "new_link_button": "Skicka en ny länk",
        "new_link_sent": "Klart. Den här länken gäller inte längre. En ny länk har skickats till kontaktpersonens e-post.",
        "new_link_impossible": "Det går inte att byta länk för det här ärendet.",
        "link_expired": "Länken har slutat gälla eftersom ärendet avgjordes för länge sedan. Kontakta kommunen om du behöver beslutet igen.",
        "received_on": "Inkom",
        "target": "Handläggningstid",
        # validation
        "Missing data for required field.": "Fältet måste fyllas i.",
        "Not a valid email address.": "Ange en giltig e-postadress.",
        "Unknown field.": "Okänt fält.",
        "Not a valid string.": "Ange text.",
        "Field may not be null.": "Fältet får inte vara tomt.",
        "Invalid input type.": "Ogiltig typ av indata.",
        "org.checksum": "Organisationsnumret är inte giltigt (kontrollsiffran stämmer inte).",
        "org.length": "Ange ett svenskt organisationsnummer (10 siffror) eller ett danskt CVR-nummer (8 siffror).",
        "case_type.unknown": "Välj en av kommunens ärendetyper.",
        "language.unknown": "Välj svenska (sv) eller engelska (en).",
        "text.length": "Texten är för lång eller för kort.",
        "phone.invalid": "Ange ett telefonnummer med siffror (t.ex. 08-123 456 78).",
        "body.too_large": "Ärendet är för stort att ta emot.",
        "validation.message": "Uppgifterna kunde inte tas emot.",
    },
    "en": {
        "title": "Inquiry or application to the municipality",
        "intro": "Submit your application or question. You get a receipt at once with the date you will have an answer.",
        "organisation_number": "Organisation number (or Danish CVR)",
        "company": "Company name",
        "contact_name": "Contact person",
        "email": "Email",
        "phone": "Phone",
        "case_type": "Case type",
        "description": "Describe your case",
        "language": "Language for answers",
        "submit": "Submit",
        "errors_heading": "Please correct the following before we can accept your case:",
        "receipt_title": "Thank you, we have received your case",
        "reference": "Case reference",
        "promised": "You will have an answer by",
        "tracking": "Follow your case here (keep the link, it is personal)",
        "track_title": "Your case",
        "status": "Status",
        "history": "History",
        "decision": "Decision",
        "waiting_for": "We are waiting for you to complete",
        "reply_by": "Reply by",
        "delayed": "The decision is delayed",
        "expected_by": "We expect to give you an answer by",
        "not_found": "We cannot find a case for this link.",
        "my_cases": "My cases",
        "my_cases_intro": "Cases of the companies you represent",
        "my_cases_none": "There are no cases for your companies yet.",
        "error.generic": "Something went wrong with this page. Try again, or contact the municipality.",
        "link_replaced": "This link was replaced and no longer works. The new link was sent to the contact's email.",
        "new_link_title": "Has someone else got this link?",
        "new_link_explain": "Ask for a new link. It goes to the contact's email, and this link stops working at once.",
        "new_link_button": "Send a new link",
        "new_link_sent": "Done. This link no longer works. A new link has been sent to the contact's email.",
        "new_link_impossible": "The link of this case cannot be replaced.",
        "link_expired": "This link has expired because the case was decided long ago. Contact the municipality if you need the decision again.",
        "received_on": "Received",
        "target": "Processing time",
        "org.checksum": "The organisation number is not valid (its check digit is wrong).",
        "org.length": "Enter a Swedish organisation number (10 digits) or a Danish CVR number (8 digits).",
        "case_type.unknown": "Choose one of the municipality's case types.",
        "language.unknown": "Choose Swedish (sv) or English (en).",
        "text.length": "The text is too long or too short.",
        "phone.invalid": "Enter a phone number in digits (e.g. +46 8 123 456 78).",
        "body.too_large": "The request is too large to accept.",
        "validation.message": "The request could not be accepted.",
    },
}


def t(key: str, lang: str) -> str:
    return TEXTS.get(lang, TEXTS["en"]).get(key) or TEXTS["en"].get(key) or key


def request_language(default: str = "sv") -> str:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or default
