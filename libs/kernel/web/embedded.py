"""Lists embedded in one resource (a case's history, its notes, a tracking view's
history): appended to in order and never reordered, so an entry's position (`seq`, 1 for
the first) is its unique, stable sort key. They page like every other list
(kernel.web.paging), newest first: the one a reader of a case wants on top.

The resource itself carries only the newest `head` entries, in the order they happened
(as before the lists paged, so a client that reads `history[-1]` still gets the latest),
with how many there are in all and the link to the older ones: the paged list's page
that starts past the oldest entry the resource carried."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from marshmallow import Schema, fields

from kernel.web.paging import Cursor, Page, PageRequest, SortKey, sequence_page

NEWEST_FIRST = SortKey.of(("seq", -1))
HEAD = 50  # the entries a resource carries of each embedded list


def position_field(where: str) -> fields.Integer:
    """The `seq` field of an entry's schema: its position `where` (in the case's
    history, among the case's notes), 1 for the first."""
    return fields.Integer(metadata={"description": f"Its position {where}, 1 for the first"})


def numbered(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The entries with their position, 1 for the first appended."""
    return [{**entry, "seq": i} for i, entry in enumerate(entries, start=1)]


def newest_first(entries: Sequence[Mapping[str, Any]], page: PageRequest) -> Page[dict[str, Any]]:
    """One page of an embedded list, newest first."""
    return sequence_page(numbered(entries), page, NEWEST_FIRST)


def head(entries: Sequence[Mapping[str, Any]], path: str, size: int = HEAD) -> dict[str, Any]:
    """What a resource carries of an embedded list served in full at `path`: the newest
    `size` entries in the order they happened, the count, and the link to the older ones
    (None when the resource carries them all)."""
    shown = numbered(entries)[-size:] if size else []
    older = None
    if len(entries) > len(shown):
        oldest = shown[0]["seq"] if shown else len(entries) + 1
        cursor = Cursor((oldest,), backwards=False, number=2).encode(NEWEST_FIRST)
        older = f"{path}?{urlencode({'limit': size, 'cursor': cursor})}"
    return {"items": shown, "total": len(entries), "older": older}


def with_head(resource: Mapping[str, Any], name: str, path: str, size: int = HEAD) -> dict[str, Any]:
    """The resource with its embedded list `name` cut to its head: `name` the newest
    entries, `<name>_total` the count, `<name>_older` the link to the older ones."""
    shown = head(resource[name], path, size)
    return {
        **resource,
        name: shown["items"],
        f"{name}_total": shown["total"],
        f"{name}_older": shown["older"],
    }


def head_schema(name: str, entries: type[Schema], what: str, path: str) -> type[Schema]:
    """The fields a resource's schema gets for what `with_head` makes of its embedded list
    `name` (inherit it): `name`, `<name>_total`, `<name>_older`. `what` names the entries
    (plural), `path` where the whole list is served."""
    return Schema.from_dict(
        {
            name: fields.List(
                fields.Nested(entries),
                metadata={
                    "description": f"The newest {HEAD} {what}, oldest of them first "
                    f"(all of them, newest first and paged: `{path}`)"
                },
            ),
            f"{name}_total": fields.Integer(metadata={"description": f"How many {what} there are in all"}),
            f"{name}_older": fields.String(
                allow_none=True,
                metadata={
                    "description": f"Link to the {what} older than those in `{name}` (newest first); "
                    "null if none"
                },
            ),
        },
        name=f"{name.capitalize()}Head",
    )
