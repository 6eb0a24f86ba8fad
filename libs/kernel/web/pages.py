"""Pages the kernel itself answers with, in the page's language as the service chooses
it; their words are the kernel's own texts (kernel.web.i18n.kernel_text)."""

from __future__ import annotations

from typing import Any

from markupsafe import escape
from werkzeug.exceptions import ServiceUnavailable

from kernel.web.i18n import kernel_text
from kernel.web.ratelimit import page_language


class ProviderUnavailablePage(ServiceUnavailable):
    """503 for a page: the sign-in service does not answer, so nobody can sign in now."""

    def __init__(self, retry_after_s: int) -> None:
        self.language = page_language()
        super().__init__(
            description=kernel_text("provider_unavailable.message", self.language),
            retry_after=retry_after_s,
        )

    def get_body(self, environ: Any = None, scope: Any = None) -> str:
        title = escape(kernel_text("provider_unavailable.title", self.language))
        return (
            f'<!doctype html>\n<html lang="{escape(self.language)}">\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n<h1>{title}</h1>\n<p>{escape(self.description)}</p>\n"
        )
