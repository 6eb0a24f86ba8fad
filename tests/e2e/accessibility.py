"""WCAG 2.1 AA checks with axe-core (npm, installed by scripts/bootstrap.sh) injected
into a page in headless Chromium."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlparse

from kernel.platform.settings import REPO_ROOT

AXE = REPO_ROOT / ".local" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = REPO_ROOT / ".local" / "screenshots"


def screenshot(page) -> Path:  # type: ignore[no-untyped-def]
    path_part = re.sub(r"[^a-z0-9]+", "-", urlparse(page.url).path.lower()).strip("-") or "home"
    width = page.viewport_size["width"] if page.viewport_size else 0
    shot = SCREENSHOTS / f"{path_part[:60]}-{width}px-{uuid.uuid4().hex[:6]}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 2_000, f"an empty screenshot of {page.url}"
    return shot


def violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: the pages' Content-Security-Policy
        # (no inline or foreign script) stays as it is for the check
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return list(result["violations"])


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """No WCAG 2.1 A/AA violations; and a full-page screenshot of the page as it was checked,
    kept under .local/screenshots/ for a person to look at."""
    screenshot(page)
    found = violations(page)
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in found
    )
    assert not found, f"{page.url}\n{report}"
