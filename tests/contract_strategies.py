"""Hypothesis strategies for events, generated from the JSON Schemas in `contracts/`.

hypothesis-jsonschema does not run on the hypothesis version schemathesis needs, so the
events come from schemathesis' own JSON Schema engine (the one that generates its API
requests). The envelope schema is inlined where an event schema refers to it, and the
sealed `personal` field is generated from the schema's `$defs/personal` (what it opens
to): the caller seals it, as a producer would."""

from __future__ import annotations

import copy
import json
from datetime import UTC
from functools import lru_cache
from typing import Any

import jsonschema_rs
from hypothesis import strategies as st
from schemathesis.generation.jsonschema.builder import build

from kernel.eventsourcing.contracts import CONTRACTS_DIR, current_version, schema_path

FORMATS: dict[str, st.SearchStrategy[str]] = {
    "uuid": st.uuids().map(str),
    "date": st.dates().map(lambda day: day.isoformat()),
    "date-time": st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat()),
    "email": st.emails(),
}


@lru_cache(maxsize=1)
def _envelope_schema() -> dict[str, Any]:
    envelope = json.loads((CONTRACTS_DIR / "envelope.schema.json").read_text())
    return {key: value for key, value in envelope.items() if key not in ("$id", "$schema")}


def opened_schema(event_type: str, schema_version: int) -> dict[str, Any]:
    """The event's schema, self-contained, with `personal` as it opens."""
    schema = copy.deepcopy(json.loads(schema_path(event_type, schema_version).read_text()))
    schema.pop("$id", None)
    schema["allOf"] = [
        _envelope_schema() if part.get("$ref", "").endswith("/envelope.schema.json") else part
        for part in schema.get("allOf", [])
    ]
    data = schema.get("properties", {}).get("data", {})
    personal = schema.get("$defs", {}).get("personal")
    if personal is not None and "personal" in data.get("properties", {}):
        data["properties"]["personal"] = {"anyOf": [personal, {"type": "null"}]}
    return schema


@lru_cache(maxsize=256)
def _strategy(event_type: str, schema_version: int) -> st.SearchStrategy[dict[str, Any]]:
    return build(opened_schema(event_type, schema_version), draft=jsonschema_rs.Draft202012, formats=FORMATS)


def events(event_type: str, schema_version: int | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Events of this type that match its contract (the current version by default)."""
    return _strategy(event_type, schema_version or current_version(event_type))


def contract_versions(event_type: str) -> list[int]:
    """Every published version of an event type, oldest first."""
    paths = (CONTRACTS_DIR / "events" / event_type).glob("v*.schema.json")
    return sorted(int(path.name[1:].split(".")[0]) for path in paths)
