"""Apply OpenAPI Overlays (the OpenAPI Initiative's Overlay Specification 1.0) to the root document.

An overlay is a list of actions, each a JSONPath query (RFC 9535) selecting nodes of the spec and
either an ``update`` merged into each of them or ``remove: true``. Actions run in order, each on the
result of the ones before, overlay after overlay, on the root document's data, before the loader
resolves ``$ref``s and before anything else reads the spec.

Merging follows the specification (as Overlay 1.1 words it): properties only in the target stay,
properties only in the update are added, and for a property in both a primitive replaces a
primitive, an array is appended to an array, an object is merged into an object; anything else is
an error. An update to an array target appends it (its elements, if it is itself an array).

oagen is stricter than the specification in one way: an action whose target selects nothing is an
error (the specification lets it do nothing), because an overlay fixes a spec written by someone
else, and a fix that silently stops applying when that spec changes is a bug to hear about.

Every node an overlay puts into the spec remembers where it was written (see
:attr:`~generator.load.Document.origins`), so a later error about it (validation, a dangling
``$ref``, the builder) points at the overlay's line, not at an unrelated line of the spec.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any, Sequence

from .diagnostics import Diagnostic, GenerationError, pointer_from_parts

if TYPE_CHECKING:
    from .load import Document

Parts = tuple[str, ...]

_VERSION = re.compile(r"1\.0\.\d+")
_TOP_KEYS = frozenset({"overlay", "info", "extends", "actions"})
_INFO_KEYS = frozenset({"title", "version"})
_ACTION_KEYS = frozenset({"target", "description", "update", "remove"})


def apply_overlays(spec: Document, overlays: Sequence[Document]) -> None:
    """Apply ``overlays`` in order to ``spec.data`` (in place), recording in ``spec.origins`` where
    each node they added came from. Every problem of every overlay is raised together."""
    errors: list[Diagnostic] = []
    checked = [(overlay, _actions(overlay, errors)) for overlay in overlays]
    if errors:
        raise GenerationError(errors)
    applier = _Applier(spec, errors)
    for overlay, actions in checked:
        for index, action in actions:
            applier.apply(overlay, index, action)
    if errors:
        raise GenerationError(errors)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "null" if value is None else f"a {type(value).__name__} ({value!r})"


def _actions(overlay: Document, errors: list[Diagnostic]) -> list[tuple[int, dict[str, Any]]]:
    """The overlay's actions (index, action), once its structure is checked; problems go to ``errors``."""
    data = overlay.data
    where = f"(see the Overlay Specification 1.0: {_EXAMPLE})"
    if not isinstance(data, dict) or "overlay" not in data:
        errors.append(overlay.diagnostic((), f"not an OpenAPI Overlay document: no 'overlay' field {where}"))
        return []
    before = len(errors)
    version = data["overlay"]
    if not (isinstance(version, str) and _VERSION.fullmatch(version)):
        errors.append(
            overlay.diagnostic(("overlay",), f"overlay version {version!r} is not supported (oagen applies 1.0.x)")
        )
    for key in data:
        if str(key) not in _TOP_KEYS and not str(key).startswith("x-"):
            errors.append(overlay.diagnostic((str(key),), f"unknown key {str(key)!r} in an overlay", key=True))
    info = data.get("info")
    if not isinstance(info, dict):
        errors.append(overlay.diagnostic(("info",), "an overlay needs an 'info' object with 'title' and 'version'"))
    else:
        for key in sorted(_INFO_KEYS):
            if not isinstance(info.get(key), str):
                errors.append(overlay.diagnostic(("info", key), f"the overlay's info.{key} must be a string"))
    if "extends" in data and not isinstance(data["extends"], str):
        errors.append(overlay.diagnostic(("extends",), "'extends' must be a URI reference (a string)"))
    actions = data.get("actions")
    if not (isinstance(actions, list) and actions):
        errors.append(overlay.diagnostic(("actions",), "an overlay needs 'actions': a non-empty list of actions"))
        return []
    out = []
    for index, action in enumerate(actions):
        out.append((index, action))
        _check_action(overlay, index, action, errors)
    return out if len(errors) == before else []


_EXAMPLE = "overlay: 1.0.0, info: {title, version}, actions: [{target: $.info, update: {...}}]"


def _check_action(overlay: Document, index: int, action: Any, errors: list[Diagnostic]) -> None:
    from jsonpath_rfc9535 import JSONPathError, compile as compile_path

    parts: Parts = ("actions", str(index))
    if not isinstance(action, dict):
        errors.append(overlay.diagnostic(parts, f"an action must be an object, not {_kind(action)}"))
        return
    for key in action:
        if str(key) not in _ACTION_KEYS and not str(key).startswith("x-"):
            errors.append(
                overlay.diagnostic(
                    (*parts, str(key)),
                    f"unknown key {str(key)!r} in an action (known: {', '.join(sorted(_ACTION_KEYS))})",
                    key=True,
                )
            )
    target = action.get("target")
    if not isinstance(target, str):
        errors.append(overlay.diagnostic((*parts, "target"), "an action needs a 'target': a JSONPath query (a string)"))
    else:
        try:
            compile_path(target)
        except JSONPathError as exc:
            errors.append(overlay.diagnostic((*parts, "target"), f"invalid JSONPath (RFC 9535) {target!r}: {exc}"))
    if "remove" in action and not isinstance(action["remove"], bool):
        errors.append(
            overlay.diagnostic((*parts, "remove"), f"'remove' must be true or false, not {action['remove']!r}")
        )
    elif action.get("remove") is not True and "update" not in action:
        errors.append(overlay.diagnostic(parts, "the action does nothing: it has neither 'update' nor 'remove: true'"))


def _sort_key(location: Parts) -> tuple[tuple[int, int, str], ...]:
    """Order of nodes in a document, array indices numerically (reversed: removals go from the
    last node to the first, descendants before their ancestors, so no index moves under us)."""
    return tuple((1, int(p), "") if p.isdigit() else (0, 0, p) for p in location)


class _Applier:
    def __init__(self, spec: Document, errors: list[Diagnostic]) -> None:
        self.spec = spec
        self.errors = errors
        #: Where each node the overlays put in came from (see Document.origins); longest prefix wins.
        self.origins = spec.origins

    # --- origins -------------------------------------------------------------------------------

    def _forget(self, parts: Parts) -> None:
        """Drop the origins of ``parts`` and of everything under it."""
        n = len(parts)
        for key in [k for k in self.origins if k[:n] == parts]:
            del self.origins[key]

    def _came_from(self, parts: Parts, doc: Document, where: Parts) -> None:
        self._forget(parts)
        self.origins[parts] = (doc, where)

    def _renumber(self, array: Parts, removed: int, length: int) -> None:
        """Element ``removed`` of the array at ``array`` (of ``length`` elements) is gone: the
        elements after it move down one, and where each was written goes with it."""
        n = len(array)
        before = {i: self.spec.written_at((*array, str(i))) for i in range(removed + 1, length)}
        moved: dict[Parts, tuple[Document, Parts]] = {}
        for key in [k for k in self.origins if len(k) > n and k[:n] == array]:
            value = self.origins.pop(key)
            index = int(key[n])
            if index < removed:
                moved[key] = value
            elif index > removed:
                moved[(*array, str(index - 1), *key[n + 1 :])] = value
        for index, origin in before.items():
            moved.setdefault((*array, str(index - 1)), origin)
        self.origins.update(moved)

    # --- actions -------------------------------------------------------------------------------

    def apply(self, overlay: Document, index: int, action: dict[str, Any]) -> None:
        from jsonpath_rfc9535 import compile as compile_path

        parts: Parts = ("actions", str(index))
        target = action["target"]
        nodes = compile_path(target).find(self.spec.data)
        locations = [tuple(str(p) for p in node.location) for node in nodes]
        if not locations:
            self.errors.append(
                overlay.diagnostic(
                    (*parts, "target"), f"target {target!r} selects nothing in {self.spec.name} (at this point)"
                )
            )
            return
        if action.get("remove") is True:
            for location in sorted(set(locations), key=_sort_key, reverse=True):
                self._remove(overlay, parts, location)
            return
        update = action["update"]
        for node, location in zip(nodes, locations):
            value = node.value
            if isinstance(value, dict):
                if not isinstance(update, dict):
                    self.errors.append(
                        overlay.diagnostic(
                            (*parts, "update"),
                            f"{pointer_from_parts(location) or '/'} is an object: 'update' must be an object "
                            f"to merge into it, not {_kind(update)}",
                        )
                    )
                    return
                self._merge(value, location, update, overlay, (*parts, "update"))
            elif isinstance(value, list):
                self._append(value, location, update, overlay, (*parts, "update"))
            else:
                self.errors.append(
                    overlay.diagnostic(
                        (*parts, "target"),
                        f"target {target!r} selects {pointer_from_parts(location)}, {_kind(value)}: an update "
                        "needs objects or arrays (select the object holding it and update that property)",
                    )
                )
                return

    def _remove(self, overlay: Document, parts: Parts, location: Parts) -> None:
        if not location:
            self.errors.append(overlay.diagnostic((*parts, "target"), "the whole document cannot be removed"))
            return
        parent: Any = self.spec.data
        for part in location[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else _get(parent, part)
        last = location[-1]
        if isinstance(parent, list):
            length = len(parent)
            del parent[int(last)]
            self._renumber(location[:-1], int(last), length)
        else:
            del parent[_key(parent, last)]
            self._forget(location)

    def _append(self, array: list[Any], at: Parts, update: Any, overlay: Document, src: Parts) -> None:
        entries = [(str(i), v) for i, v in enumerate(update)] if isinstance(update, list) else [(None, update)]
        for sub, value in entries:
            self._came_from((*at, str(len(array))), overlay, src if sub is None else (*src, sub))
            array.append(copy.deepcopy(value))

    def _merge(self, obj: dict[str, Any], at: Parts, update: dict[str, Any], overlay: Document, src: Parts) -> None:
        for raw_key, new in update.items():
            name = str(raw_key)
            key = _key(obj, name) if name in map(str, obj) else raw_key
            here, there = (*at, name), (*src, name)
            if key not in obj:
                obj[key] = copy.deepcopy(new)
                self._came_from(here, overlay, there)
                continue
            old = obj[key]
            if isinstance(old, dict) and isinstance(new, dict):
                self._merge(old, here, new, overlay, there)
            elif isinstance(old, list) and isinstance(new, list):
                self._append(old, here, new, overlay, there)
            elif not isinstance(old, (dict, list)) and not isinstance(new, (dict, list)):
                obj[key] = new
                self._came_from(here, overlay, there)
            else:
                self.errors.append(
                    overlay.diagnostic(
                        there,
                        f"cannot merge {_kind(new)} into {pointer_from_parts(here)}, which is {_kind(old)}: "
                        "remove it first (an earlier action with remove: true)",
                    )
                )


def _key(obj: dict[Any, Any], name: str) -> Any:
    """The key of ``obj`` that reads as ``name`` (YAML may have made ``200`` an int)."""
    if name in obj:
        return name
    return next(k for k in obj if str(k) == name)


def _get(obj: dict[Any, Any], name: str) -> Any:
    return obj[_key(obj, name)]
