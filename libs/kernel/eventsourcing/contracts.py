"""Event contracts: the JSON Schemas in `contracts/` checked at run time by consumers
(and by tests on both sides)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from kernel.eventsourcing.envelope import Envelope
from kernel.platform.settings import REPO_ROOT
from kernel.privacy.personal import PersonalData

CONTRACTS_DIR = Path(os.environ.get("CONTRACTS_DIR", str(REPO_ROOT / "contracts")))


class ContractViolation(ValueError):
    """An event that does not match its published schema."""


def schema_path(event_type: str, schema_version: int) -> Path:
    return CONTRACTS_DIR / "events" / event_type / f"v{schema_version}.schema.json"


@lru_cache(maxsize=1)
def _registry() -> Registry:
    envelope = Resource.from_contents(json.loads((CONTRACTS_DIR / "envelope.schema.json").read_text()))
    return Registry().with_resource(envelope.id(), envelope)


@lru_cache(maxsize=128)
def _validator(event_type: str, schema_version: int) -> Draft202012Validator | None:
    path = schema_path(event_type, schema_version)
    if not path.exists():
        return None
    return Draft202012Validator(
        json.loads(path.read_text()), registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def validate(envelope: Envelope) -> None:
    validator = _validator(envelope.type, envelope.schema_version)
    if validator is None:
        raise ContractViolation(f"no contract for {envelope.type} v{envelope.schema_version}")
    errors = sorted(validator.iter_errors(envelope.to_dict()), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(envelope)"
        raise ContractViolation(f"{envelope.type} v{envelope.schema_version}: {where}: {first.message}")


def current_version(event_type: str) -> int:
    paths = (CONTRACTS_DIR / "events" / event_type).glob("v*.schema.json")
    versions = [int(p.name[1:].split(".")[0]) for p in paths]
    if not versions:
        raise ContractViolation(f"no contract for {event_type}")
    return max(versions)


def validate_personal(envelope: Envelope) -> None:
    """The opened `personal` field of an event against its schema's `$defs/personal`."""
    schema = json.loads(schema_path(envelope.type, envelope.schema_version).read_text())
    personal_schema = schema.get("$defs", {}).get("personal")
    personal = envelope.data.get("personal")
    if personal_schema is None or personal is None:
        return
    validator = Draft202012Validator(personal_schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = list(validator.iter_errors(personal))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(personal)"
        raise ContractViolation(
            f"{envelope.type} v{envelope.schema_version}: personal/{where}: {errors[0].message}"
        )


def golden_example(
    event_type: str, schema_version: int | None = None, personal: PersonalData | None = None
) -> dict[str, Any]:
    """An event as documented. Examples show `personal` opened; with a codec, it comes
    back sealed, as it travels."""
    version = schema_version or current_version(event_type)
    example = json.loads((CONTRACTS_DIR / "examples" / f"{event_type}.v{version}.json").read_text())
    if personal is not None:
        example = personal.seal_event(Envelope.from_dict(example)).to_dict()
    return example
