"""How every list of every API and page pages: by a cursor on the list's sort key
(keyset paging), never by an offset, so that a deadline-sorted queue stays in order
while cases come and go between two pages, and a page costs the same however deep.

A list declares its `SortKey`, whose last field is unique (the id): ties on the
other fields are broken by it, so no item is shown twice or skipped. The fields of a
sort key are always set on every item (a null cannot be compared past).

The cursor is opaque to callers: the sort values of the item it points past, the list
it belongs to (a fingerprint of the sort key) and the page's number, base64url-encoded
JSON. It grants nothing: every page runs the list's full query, the caller's reach
included, and only the position comes from the cursor. A cursor that does not decode,
or belongs to another list, is refused at the `cursor` field (422); so is a `limit`
outside 1..MAX_LIMIT. Their messages are the kernel's texts in the request's language.

Over 300 lines for a reason: the sort key, the cursor, the page and the query schema,
links and pager that carry them are one protocol, each part read against the others.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import urlencode

from bson import ObjectId
from bson.errors import InvalidId
from flask import Flask, request
from jinja2 import ChoiceLoader, FileSystemLoader
from marshmallow import Schema, ValidationError, fields, post_load, validate

from kernel.web.i18n import kernel_text
from kernel.web.ratelimit import page_language

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR_CHARS = 2000

LIMIT_MESSAGE = "paging.limit_invalid"
CURSOR_MESSAGE = "paging.cursor_invalid"

Scalar = str | int | float | bool | date | ObjectId
Position = tuple[Scalar, ...]


class BadCursor(ValueError):
    """A cursor that does not decode, or belongs to another list."""


@dataclass(frozen=True)
class SortKey:
    """The order of a list: (field, 1 ascending | -1 descending) pairs, the last unique.
    Fields may be dotted paths into the item."""

    fields: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        if not self.fields or any(direction not in (1, -1) for _, direction in self.fields):
            raise ValueError("a sort key is one or more (field, 1 | -1) pairs")

    @classmethod
    def of(cls, *pairs: tuple[str, int]) -> SortKey:
        return cls(tuple(pairs))

    @functools.cached_property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.fields).encode()).hexdigest()[:12]

    def position(self, item: Mapping[str, Any]) -> Position:
        return tuple(_field(item, name) for name, _ in self.fields)

    def mongo_sort(self, backwards: bool = False) -> list[tuple[str, int]]:
        return [(name, -direction if backwards else direction) for name, direction in self.fields]

    def mongo_after(
        self, position: Position, backwards: bool = False, inclusive: bool = False
    ) -> dict[str, Any]:
        """The query for the items past `position` in this order (before it if backwards;
        the item at it too if inclusive): (a > x) or (a = x and b > y) or ..."""
        branches = []
        last = len(self.fields) - 1
        for i, (name, direction) in enumerate(self.fields):
            ascending = (direction == 1) != backwards
            operator = "$gt" if ascending else "$lt"
            if inclusive and i == last:
                operator += "e"
            branch: dict[str, Any] = {prior: position[j] for j, (prior, _) in enumerate(self.fields[:i])}
            branch[name] = {operator: position[i]}
            branches.append(branch)
        return {"$or": branches}

    def comparable(self, position: Position) -> tuple[Any, ...]:
        """A tuple Python sorts in this order (descending fields reversed). Values of
        different types order by type name first (as MongoDB brackets types), so a
        cursor's values never fail to compare with a list's."""
        return tuple(
            _Ordered(value) if direction == 1 else _Ordered(value, reverse=True)
            for value, (_, direction) in zip(position, self.fields, strict=True)
        )


def _bracket(value: Any) -> int:
    """Which kind of value, for ordering across kinds (a store's Int64 is a number too)."""
    if isinstance(value, bool):
        return 3
    if isinstance(value, int | float):
        return 0
    if isinstance(value, str):
        return 1
    if isinstance(value, ObjectId):
        return 2
    if isinstance(value, datetime):
        return 4
    return 5 if isinstance(value, date) else 9


@functools.total_ordering
class _Ordered:
    def __init__(self, value: Any, reverse: bool = False) -> None:
        bracket = _bracket(value)
        if bracket == 4 and value.tzinfo is None:  # naive and aware never compare: naive is UTC
            value = value.replace(tzinfo=UTC)
        self.key = (bracket, value) if bracket != 9 else (bracket, repr(value))
        self.reverse = reverse

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ordered) and self.key == other.key

    def __lt__(self, other: _Ordered) -> bool:
        return bool(other.key < self.key) if self.reverse else bool(self.key < other.key)


def _field(item: Mapping[str, Any], dotted: str) -> Any:
    value: Any = item
    for part in dotted.split("."):
        value = value[part]
    if value is None:
        raise ValueError(f"the sort field {dotted} is not set on an item")
    return value


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: past `position` (or before it, going back), and its number.
    Inclusive, the item at the position is on the page too (going back from past the end)."""

    position: Position
    backwards: bool
    number: int
    inclusive: bool = False

    def encode(self, sort: SortKey) -> str:
        payload = {
            "s": sort.fingerprint,
            "p": [_encode_value(v) for v in self.position],
            "b": self.backwards,
            "n": self.number,
            "i": self.inclusive,
        }
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, sort: SortKey) -> Cursor:
        try:
            if len(token) > MAX_CURSOR_CHARS or not token.isascii():
                raise BadCursor("too long")
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            payload = json.loads(raw)
            if not isinstance(payload, dict) or payload.get("s") != sort.fingerprint:
                raise BadCursor("another list")
            values = payload["p"]
            number, backwards, inclusive = payload["n"], payload["b"], payload.get("i", False)
            if not isinstance(values, list) or len(values) != len(sort.fields):
                raise BadCursor("wrong arity")
            if type(number) is not int or not 1 <= number <= 10**9:
                raise BadCursor("bad page number")
            if type(backwards) is not bool or type(inclusive) is not bool:
                raise BadCursor("bad direction")
            return cls(tuple(_decode_value(v) for v in values), backwards, number, inclusive)
        except (BadCursor, binascii.Error, InvalidId, ValueError, KeyError, TypeError) as exc:
            raise BadCursor(str(exc)) from None


def _encode_value(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return {"o": str(value)}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, str | int | float | bool):
        return value
    raise ValueError(f"a sort value of type {type(value).__name__} cannot go in a cursor")


def _decode_value(value: Any) -> Scalar:
    """Only scalars come out of a cursor: nothing a caller sends becomes a query operator."""
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag == "t" and isinstance(text, str):
            return datetime.fromisoformat(text)
        if tag == "d" and isinstance(text, str):
            return date.fromisoformat(text)
        if tag == "o" and isinstance(text, str):
            return ObjectId(text)
    if isinstance(value, str | int | float | bool):
        return value
    raise BadCursor("not a scalar")


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list a caller asks for: `limit` items from `cursor` (None: the first)."""

    limit: int = DEFAULT_LIMIT
    cursor: Cursor | None = None

    @property
    def number(self) -> int:
        return self.cursor.number if self.cursor else 1

    @classmethod
    def parse(cls, limit: int, token: str | None, sort: SortKey) -> PageRequest:
        return cls(limit, Cursor.decode(token, sort) if token else None)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, in the list's order, with the cursors of its neighbours."""

    items: list[T]
    limit: int
    number: int
    next: str | None  # a cursor, None on the last page
    previous: str | None  # None on the first

    @property
    def more(self) -> bool:
        return self.next is not None

    def map(self, transform: Callable[[T], Any]) -> Page[Any]:
        return Page(
            [transform(item) for item in self.items], self.limit, self.number, self.next, self.previous
        )


def page_of(
    ordered: Iterable[T], page: PageRequest, sort: SortKey, position: Callable[[T], Position] | None = None
) -> Page[T]:
    """The page of items already ordered from the page's start (the items past its
    cursor, in the list's order, or in reverse going back): reads at most limit + 1."""
    where = position or sort.position  # type: ignore[assignment]
    fetched = list(islice(ordered, page.limit + 1))
    beyond = len(fetched) > page.limit
    items = fetched[: page.limit]
    cursor = page.cursor
    number = page.number
    if cursor is not None and cursor.backwards:
        items.reverse()
        has_previous, has_next = beyond, True
    else:
        has_previous, has_next = cursor is not None, beyond
    before = max(number - 1, 1)
    previous = next_ = None
    if items:
        if has_previous:
            previous = Cursor(where(items[0]), True, before).encode(sort)
        if has_next:
            next_ = Cursor(where(items[-1]), False, number + 1).encode(sort)
    elif cursor is not None:
        # past the end (the items after the cursor went away): back to where it pointed
        previous = Cursor(cursor.position, True, before, inclusive=True).encode(sort)
    return Page(items, page.limit, number, next_, previous)


def sequence_page(items: Iterable[T], page: PageRequest, sort: SortKey) -> Page[T]:
    """A page of a list held in memory (a configuration's, or one filtered after opening
    sealed data): sorted by the key, then cut past the cursor."""
    backwards = page.cursor is not None and page.cursor.backwards
    keyed = sorted(items, key=lambda item: sort.comparable(sort.position(item)), reverse=backwards)  # type: ignore[arg-type]
    if page.cursor is not None:
        start = sort.comparable(page.cursor.position)

        def past(item: T) -> bool:
            here = sort.comparable(sort.position(item))  # type: ignore[arg-type]
            if here == start:
                return page.cursor.inclusive  # type: ignore[union-attr]
            return here < start if backwards else here > start

        keyed = [item for item in keyed if past(item)]
    return page_of(keyed, page, sort)


def mongo_page(
    collection: Any,
    query: Mapping[str, Any],
    sort: SortKey,
    page: PageRequest,
    projection: Mapping[str, Any] | None = None,
    opened: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> Page[dict[str, Any]]:
    """A page of a MongoDB collection's documents matching `query`, by keyset on the sort
    key (its indexes serve it). `opened` turns stored documents into what the list shows
    (many at once: sealed values opened with one key fetch), `keep` drops those the
    query could only approximate (e.g. a hashed bucket's collisions); the sort key's
    fields must survive both."""
    backwards = page.cursor is not None and page.cursor.backwards
    where: dict[str, Any] = dict(query)
    if page.cursor is not None:
        after = sort.mongo_after(page.cursor.position, backwards, page.cursor.inclusive)
        where = {"$and": [dict(query), after]}
    found = collection.find(where, projection).sort(sort.mongo_sort(backwards))
    if keep is None:
        found = found.limit(page.limit + 1)
    return page_of(_opened_in_chunks(found, page.limit + 1, opened, keep), page, sort)


def _opened_in_chunks(
    stored: Iterable[dict[str, Any]],
    size: int,
    opened: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None,
    keep: Callable[[dict[str, Any]], bool] | None,
) -> Iterator[dict[str, Any]]:
    it = iter(stored)
    while chunk := list(islice(it, size)):
        for doc in opened(chunk) if opened else chunk:
            if keep is None or keep(doc):
                yield doc


# -- the query parameters and the response, for the APIs (flask-smorest) -------------------


def paging_text(key: str, **values: Any) -> str:
    text = kernel_text(key, page_language())
    return text % values if values else text


class PageQuerySchema(Schema):
    """`limit` and `cursor` of a list; a subclass names the list's `sort`. Loaded, the
    two become `page` (a PageRequest). Refusals are in the request's language."""

    sort: ClassVar[SortKey]

    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT, error=LIMIT_MESSAGE),
        error_messages={"invalid": LIMIT_MESSAGE},
        metadata={"description": f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})"},
    )
    cursor = fields.String(
        load_default=None,
        metadata={"description": "Where the page starts: the cursor in a page's `next` or `previous` link"},
    )

    @post_load
    def _page_request(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        try:
            data["page"] = PageRequest.parse(data.pop("limit"), data.pop("cursor"), self.sort)
        except BadCursor:
            raise ValidationError(CURSOR_MESSAGE, field_name="cursor") from None
        return data

    def handle_error(self, error: ValidationError, data: Any, **kwargs: Any) -> None:
        messages = error.messages
        if isinstance(messages, dict):
            for name in ("limit", "cursor"):
                if name in messages:
                    messages[name] = [_paging_message(m) for m in messages[name]]  # type: ignore[union-attr]
        raise ValidationError(messages, data=data) from error


def _paging_message(message: Any) -> Any:
    if message == LIMIT_MESSAGE:
        return paging_text(LIMIT_MESSAGE, max=MAX_LIMIT)
    if message == CURSOR_MESSAGE:
        return paging_text(CURSOR_MESSAGE)
    return message


def page_query(sort: SortKey, name: str) -> type[PageQuerySchema]:
    """The query schema of a list that takes nothing but `limit` and `cursor`."""
    return type(name, (PageQuerySchema,), {"sort": sort})


_PAGE_SCHEMAS: dict[tuple[type[Schema], str], type[Schema]] = {}


def page_schema(item_schema: type[Schema], name: str | None = None) -> type[Schema]:
    """The response schema of a page of `item_schema` items (one class per item schema,
    so the OpenAPI document names each once)."""
    base = item_schema.__name__.removesuffix("Schema")
    schema_name = name or f"{base}PageSchema"
    key = (item_schema, schema_name)
    if key not in _PAGE_SCHEMAS:
        _PAGE_SCHEMAS[key] = type(
            schema_name,
            (Schema,),
            {
                "items": fields.List(
                    fields.Nested(item_schema),
                    metadata={"description": "This page's items, in the list's order"},
                ),
                "limit": fields.Integer(metadata={"description": "The page size asked for"}),
                "more": fields.Boolean(
                    metadata={"description": "Whether a next page follows (then `next` is its link)"}
                ),
                "next": fields.String(
                    allow_none=True, metadata={"description": "Link to the next page; null on the last"}
                ),
                "previous": fields.String(
                    allow_none=True, metadata={"description": "Link to the previous page; null on the first"}
                ),
            },
        )
    return _PAGE_SCHEMAS[key]


def page_link(cursor: str | None, param: str = "cursor") -> str | None:
    """This request's URL with another cursor in `param` (the filters, the limit and the
    other lists' cursors kept), or None."""
    if cursor is None:
        return None
    args = [(k, v) for k, v in request.args.items(multi=True) if k != param]
    return f"{request.path}?{urlencode([*args, (param, cursor)])}"


def page_body(page: Page[Any]) -> dict[str, Any]:
    """A page as an API answers it (see page_schema)."""
    return {
        "items": page.items,
        "limit": page.limit,
        "more": page.more,
        "next": page_link(page.next),
        "previous": page_link(page.previous),
    }


# -- the pages people use ------------------------------------------------------------------


def page_from_args(
    sort: SortKey, args: Mapping[str, str], limit: int = DEFAULT_LIMIT, param: str = "cursor"
) -> PageRequest | str:
    """The page a page's link asks for (its cursor in `param`: a page showing several
    lists gives each its own), or the refusal's text (a bad limit or cursor)."""
    raw_limit = args.get("limit")
    if raw_limit:
        try:
            limit = int(raw_limit)
        except ValueError:
            return paging_text(LIMIT_MESSAGE, max=MAX_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            return paging_text(LIMIT_MESSAGE, max=MAX_LIMIT)
    try:
        return PageRequest.parse(limit, args.get(param) or None, sort)
    except BadCursor:
        return paging_text(CURSOR_MESSAGE)


PAGER_TEMPLATES = Path(__file__).parent / "templates"  # kernel_pager.html: the `pager` macro


def add_pager_template(app: Flask) -> None:
    """Let the app's templates `{% from "kernel_pager.html" import pager %}`."""
    app.jinja_loader = ChoiceLoader(
        [loader for loader in (app.jinja_loader, FileSystemLoader(PAGER_TEMPLATES)) if loader]
    )


def page_or_first(
    sort: SortKey, args: Mapping[str, str], read: Callable[[PageRequest], Page[T]], param: str = "cursor"
) -> tuple[Page[T], str | None]:
    """The page of a list a page's link asks for, read; for a bad cursor or limit the
    list's first page, with the refusal's words to show."""
    asked = page_from_args(sort, args, param=param)
    if isinstance(asked, str):
        return read(PageRequest()), asked
    return read(asked), None


def pager_links(page: Page[Any], param: str = "cursor") -> dict[str, Any]:
    """What a page's navigation shows: the links (None where there is none) and the number."""
    return {
        "previous": page_link(page.previous, param),
        "next": page_link(page.next, param),
        "number": page.number,
    }
