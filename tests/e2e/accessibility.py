"""WCAG 2.1 AA checks with axe-core (npm, installed by scripts/bootstrap.sh) injected
into a page in headless Chromium."""

from __future__ import annotations

from kernel.settings import REPO_ROOT

AXE = REPO_ROOT / ".local" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


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
    found = violations(page)
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in found
    )
    assert not found, f"{page.url}\n{report}"
