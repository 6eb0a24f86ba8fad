"""Who did something. A person or service is identified by the issuer and subject of its
token (an actor id), never by a display name: two people may share a name, nobody shares
an issuer and subject. The name is kept next to the id, for showing only."""

from __future__ import annotations

from dataclasses import dataclass

# An issuer identifier has no query or fragment (OpenID Connect Discovery 1.0, §3), so the
# first "#" of an actor id ends the issuer and the rest is the subject, whatever it holds.
SEPARATOR = "#"
# Events written before actors were identified by subject name them only: their actor id
# says so, and matches nobody (such a case is claimed again by whoever takes it on).
LEGACY_PREFIX = "legacy:"


@dataclass(frozen=True)
class Actor:
    """Someone who did something: `id` says who (compare by it), `name` is for showing."""

    id: str
    name: str


def actor_id(issuer: str, subject: str) -> str:
    if not issuer or not subject:
        raise ValueError("an actor id needs both an issuer and a subject")
    return f"{issuer}{SEPARATOR}{subject}"


def legacy_actor_id(name: str | None) -> str | None:
    """The actor id given to someone an old event names only by `name`."""
    return f"{LEGACY_PREFIX}{name}" if name else None


def is_legacy(actor: str | None) -> bool:
    return bool(actor) and actor.startswith(LEGACY_PREFIX)  # type: ignore[union-attr]
