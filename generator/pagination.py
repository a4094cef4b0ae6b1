"""Which operations are paginated, and how: declared (the config's ``pagination``, or the
operation's ``x-oagen-pagination``) or, where a list response is unambiguous, recognised.

Part of building an operation (operations.py calls :func:`pages_of`). A declared scheme is
checked against the operation: its parameter must be one of the operation's query parameters,
the properties it names must be the response's. Recognition (GET operations without a
declaration) takes only these shapes, in this order:

- a JSON array body, with query parameters ``page`` and ``per_page``: the ``Link`` header's
  ``rel="next"`` (GitHub);
- an object body whose items are its array property ``data`` (else its only array property),
  with a boolean ``has_more``, and either the query parameter ``after_id`` and the property
  ``last_id`` (cursor by id, backwards with ``before_id`` / ``first_id`` when both are there),
  or the query parameter ``starting_after`` with items that have an ``id`` (backwards with
  ``ending_before``);
- such an object body with a next-page token: the property and query parameter
  ``next_page_token`` / ``page_token``, ``nextPageToken`` / ``pageToken``, ``next_cursor`` /
  ``cursor`` or ``next_page`` / ``page`` (a parameter that is not a number).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Callable, Iterable, Mapping

from .config import Config, PaginationConfig, parse_pagination
from .diagnostics import Diagnostic, GenerationError
from .ir import TypeRef
from .load import Located
from .schemas import type_ref

#: (response property, query parameter) pairs recognised as a next-page token.
TOKENS = (
    ("next_page_token", "page_token"),
    ("nextPageToken", "pageToken"),
    ("next_cursor", "cursor"),
    ("next_page", "page"),
)
#: The scheme keys that name a response property, and those that name a query parameter.
_PROPERTIES = ("cursor", "backward_cursor", "has_more", "total", "next")
_PARAMETERS = ("param", "backward_param")


def pages_of(
    spec: Any,
    op: Located,
    where: str,
    declared: PaginationConfig | bool | None,
    schemes: Mapping[str, PaginationConfig],
    query: Mapping[str, Located],
    type_of: Callable[[Located, str], TypeRef],
    hint: str,
) -> tuple[tuple[tuple[str, object], ...], TypeRef, str] | None:
    """(``Pagination``'s keyword arguments, the items' type, the page classes' stem) of the
    operation ``op`` (``where``: "GET /path"), or None when it is not paginated. ``declared`` is
    the config's word for it; ``query`` its query parameters by wire name (resolved); ``type_of``
    makes a schema's type."""
    if declared is None and op.get("x-oagen-pagination") is not None:
        errors: list[Diagnostic] = []
        declared = parse_pagination(op.child("x-oagen-pagination"), schemes, errors)
        if errors:
            raise GenerationError(errors)
    if declared is False:
        return None
    body = _response_schema(spec, op)
    if declared is None or declared is True:
        if body is None or not where.startswith("GET "):
            return None
        declared = _recognise(spec, body, query)
        if declared is None:
            return None
    elif body is None:
        raise _at(declared, op).error(f"{where}: a paginated operation needs a JSON response body")
    return _checked(spec, declared, op, where, body, query, type_of, hint)


def _at(scheme: PaginationConfig, op: Located) -> Located:
    return scheme.located if scheme.located is not None else op


def _response_schema(spec: Any, op: Located) -> Located | None:
    """The schema of the operation's first 2xx JSON response, resolved."""
    responses = op.get("responses")
    for code in sorted(k for k, _ in responses.items()) if responses else ():
        if not code.startswith("2"):
            continue
        content = spec.deref(responses.child(code)).get("content")  # type: ignore[union-attr]
        for media_type, media in content.items() if content else ():
            mt = media_type.split(";")[0].strip().lower()
            if (mt == "application/json" or mt.endswith("+json")) and media.get("schema") is not None:
                return spec.deref(media.child("schema"))  # type: ignore[no-any-return]
        return None
    return None


def _is_array(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    kind = value.get("type")
    return kind == "array" or isinstance(kind, list) and "array" in kind or "items" in value and kind is None


def _properties(spec: Any, schema: Located) -> dict[str, Located]:
    """The properties of an object schema (its own and its ``allOf`` members'), resolved."""
    out: dict[str, Located] = {}
    for member in schema.child("allOf").elements() if isinstance(schema.value.get("allOf"), list) else ():
        out.update(_properties(spec, spec.deref(member)))
    props = schema.get("properties")
    for name, prop in props.items() if props is not None and isinstance(props.value, dict) else ():
        out[name] = spec.deref(prop)
    return out


def _items_property(props: Mapping[str, Located]) -> str | None:
    """``data`` when it is an array, else the only array property, else None."""
    arrays = [name for name, prop in props.items() if _is_array(prop.value)]
    if "data" in arrays:
        return "data"
    return arrays[0] if len(arrays) == 1 else None


def _recognise(spec: Any, body: Located, query: Mapping[str, Located]) -> PaginationConfig | None:
    if _is_array(body.value):
        return PaginationConfig("link_header") if {"page", "per_page"} <= set(query) else None
    props = _properties(spec, body)
    items = _items_property(props)
    if items is None:
        return None
    has_more = "has_more" if props.get("has_more") and props["has_more"].value.get("type") == "boolean" else None
    if has_more and "after_id" in query and "last_id" in props:
        backward = "before_id" in query and "first_id" in props
        return PaginationConfig(
            "cursor",
            items=items,
            param="after_id",
            cursor="last_id",
            backward_param="before_id" if backward else None,
            backward_cursor="first_id" if backward else None,
            has_more=has_more,
        )
    if has_more and "starting_after" in query:
        item = props[items].get("items")
        if item is not None and "id" in _properties(spec, spec.deref(item)):
            return PaginationConfig(
                "cursor",
                items=items,
                param="starting_after",
                cursor_item="id",
                backward_param="ending_before" if "ending_before" in query else None,
                has_more=has_more,
            )
    for prop, param in TOKENS:
        if prop in props and param in query:
            schema = query[param].get("schema")
            kind = spec.deref(schema).value.get("type") if schema is not None else None
            if kind not in ("integer", "number"):
                return PaginationConfig("cursor", items=items, param=param, cursor=prop, has_more=has_more)
    return None


def _checked(
    spec: Any,
    scheme: PaginationConfig,
    op: Located,
    where: str,
    body: Located,
    query: Mapping[str, Located],
    type_of: Callable[[Located, str], TypeRef],
    hint: str,
) -> tuple[tuple[tuple[str, object], ...], TypeRef, str]:
    at = _at(scheme, op)

    def fail(key: str, message: str) -> GenerationError:
        node = at.child(key) if isinstance(at.value, dict) and key in at.value else at
        return node.error(f"{where}: {message}")

    for key in _PARAMETERS:
        wire = getattr(scheme, key)
        if wire is not None and wire not in query:
            raise fail(key, f"no query parameter {wire!r} to send the next page's {key} as")
    if _is_array(body.value):
        if scheme.items is not None:
            raise fail("items", "the response body is a list: it takes no 'items'")
        for key in _PROPERTIES:
            if getattr(scheme, key) is not None:
                raise fail(key, f"the response body is a list: it has no property {getattr(scheme, key)!r}")
        items_schema = body.get("items")
    else:
        props = _properties(spec, body)
        items = scheme.items or _items_property(props)
        if items is None:
            raise fail("items", "the response has no single list property: say which with 'items'")
        if items not in props or not _is_array(props[items].value):
            raise fail("items", f"the response has no list property {items!r}")
        for key in _PROPERTIES:
            wire = getattr(scheme, key)
            if wire is not None and wire not in props:
                raise fail(key, f"the response has no property {wire!r}")
        if scheme.items != items:
            scheme = PaginationConfig(**{**_options(scheme), "items": items})
        items_schema = props[items].get("items")
    if scheme.cursor_item is not None and items_schema is not None:
        item_props = _properties(spec, spec.deref(items_schema))
        if item_props and scheme.cursor_item not in item_props:
            raise fail("cursor_item", f"the items have no property {scheme.cursor_item!r}")
    item = type_of(items_schema, hint + "Item") if items_schema is not None else type_ref("object")
    defaults = PaginationConfig(scheme.style)
    options = tuple(
        (k, v) for k, v in _options(scheme).items() if k != "page" and (v != getattr(defaults, k) or k == "style")
    )
    return options, item, scheme.page


def page_stems(config: Config, operations: Iterable[Located]) -> set[str]:
    """The page classes' stems (``page``) that the config's schemes and the ``x-oagen-pagination``
    of ``operations`` name, but ``Page`` (``SyncPage``, ``AsyncPage``): before any is checked."""
    schemes = [*config.pagination.values(), *(op.pagination for op in config.operations.values())]
    stems = {s.page for s in schemes if isinstance(s, PaginationConfig)}
    for op in operations:
        declared = op.value.get("x-oagen-pagination")
        if isinstance(declared, dict) and isinstance(declared.get("page"), str):
            stems.add(declared["page"])
    return stems - {"Page"}


def _options(scheme: PaginationConfig) -> dict[str, Any]:
    return {f.name: getattr(scheme, f.name) for f in fields(scheme) if f.name != "located"}
