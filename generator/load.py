"""Load a spec (YAML or JSON), keep enough to locate any node, and resolve ``$ref``s.

Documents are parsed with the fastest safe parser available (``json`` for JSON, PyYAML's C
``CSafeLoader`` for YAML: no object construction). Line and column of a node are computed only
when a diagnostic needs them, by composing the document once more: the happy path pays nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote

import yaml

from .diagnostics import Diagnostic, GenerationError, parse_pointer, pointer_from_parts

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class _SafeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loading, and timestamps stay strings: an OpenAPI document is JSON data."""


_SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

#: Documents larger than this are refused before parsing.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def display_path(path: Path) -> str:
    """The path as the user should read it: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


@dataclass
class Document:
    path: Path
    text: str
    data: Any
    _nodes: yaml.Node | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return display_path(self.path)

    def locate(self, parts: list[str] | tuple[str, ...], *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the deepest existing node on the path ``parts``.

        With ``key``, the position of the last part's key in its mapping rather than of its value.
        """
        if self._nodes is None:
            try:
                self._nodes = yaml.compose(self.text, Loader=_SafeLoader)
            except yaml.YAMLError:
                return None, None
        node = self._nodes
        if node is None:
            return None, None
        for index, part in enumerate(parts):
            if key and index == len(parts) - 1 and isinstance(node, yaml.MappingNode):
                for key_node, _ in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                        return key_node.start_mark.line + 1, key_node.start_mark.column + 1
            child = _child(node, part)
            if child is None:
                # The path may continue through a same-document reference.
                ref = _child(node, "$ref")
                target = ref.value if isinstance(ref, yaml.ScalarNode) else ""
                if target.startswith("#"):
                    child = self._follow(target)
                    child = _child(child, part) if child is not None else None
            if child is None:
                break
            node = child
        return node.start_mark.line + 1, node.start_mark.column + 1

    def _follow(self, ref: str) -> yaml.Node | None:
        node = self._nodes
        try:
            parts = parse_pointer(unquote(ref[1:]))
        except ValueError:
            return None
        for part in parts:
            if node is None:
                return None
            node = _child(node, part)
        return node

    def diagnostic(self, parts: list[str] | tuple[str, ...], message: str, *, key: bool = False) -> Diagnostic:
        line, column = self.locate(parts, key=key)
        return Diagnostic(self.name, line, column, pointer_from_parts(parts), message)


def _child(node: yaml.Node, part: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return value  # type: ignore[no-any-return]
        return None
    if isinstance(node, yaml.SequenceNode) and part.isdigit():
        index = int(part)
        return node.value[index] if index < len(node.value) else None  # type: ignore[no-any-return]
    return None


def parse_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read and parse one file; every failure becomes a located diagnostic."""
    name = display_path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise GenerationError(
                [Diagnostic(name, None, None, "", f"document is {size} bytes, over the limit of {max_bytes}")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise GenerationError([Diagnostic(name, None, None, "", f"cannot read: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GenerationError([Diagnostic(name, None, None, "", f"not UTF-8 text: {exc.reason} at byte {exc.start}")]) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GenerationError([Diagnostic(name, exc.lineno, exc.colno, "", f"invalid JSON: {exc.msg}")]) from None
    else:
        try:
            data = yaml.load(text, Loader=_SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
            message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
            raise GenerationError([Diagnostic(name, line, col, "", f"invalid YAML: {message}")]) from None
        except yaml.YAMLError as exc:
            raise GenerationError([Diagnostic(name, None, None, "", f"invalid YAML: {exc}")]) from None
    return Document(path=path, text=text, data=data)


@dataclass(frozen=True)
class Located:
    """A node of a spec, with the document and pointer it was found at."""

    doc: Document
    parts: tuple[str, ...]
    value: Any

    @property
    def pointer(self) -> str:
        return pointer_from_parts(self.parts)

    def child(self, *keys: str | int) -> Located:
        value = self.value
        for key in keys:
            value = value[key]
        return Located(self.doc, self.parts + tuple(str(k) for k in keys), value)

    def get(self, key: str) -> Located | None:
        if isinstance(self.value, dict) and key in self.value:
            return self.child(key)
        return None

    def items(self) -> Iterator[tuple[str, Located]]:
        if isinstance(self.value, dict):
            for key in self.value:
                yield str(key), self.child(key)

    def elements(self) -> Iterator[Located]:
        if isinstance(self.value, list):
            for index in range(len(self.value)):
                yield self.child(index)

    def error(self, message: str) -> GenerationError:
        return GenerationError([self.diagnostic(message)])

    def diagnostic(self, message: str, *, key: bool = False) -> Diagnostic:
        return self.doc.diagnostic(self.parts, message, key=key)


class Spec:
    """The root document and every document reached through ``$ref``."""

    def __init__(self, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._docs: dict[Path, Document] = {}
        self.root = self.document(path.resolve())
        if not isinstance(self.root.data, dict):
            raise GenerationError([self.root.diagnostic([], "an OpenAPI document must be a mapping at the top level")])

    def document(self, path: Path) -> Document:
        doc = self._docs.get(path)
        if doc is None:
            doc = self._docs[path] = parse_document(path, self.max_bytes)
        return doc

    @property
    def top(self) -> Located:
        return Located(self.root, (), self.root.data)

    def deref(self, node: Located) -> Located:
        """Follow ``$ref`` chains from ``node`` to the node they name (cycles are reported)."""
        seen: set[tuple[Path, tuple[str, ...]]] = set()
        while isinstance(node.value, dict) and isinstance(node.value.get("$ref"), str):
            key = (node.doc.path, node.parts)
            if key in seen:
                raise node.error("$ref cycle: this reference leads back to itself")
            seen.add(key)
            node = self.resolve(node.child("$ref"))
        return node

    def resolve(self, ref: Located) -> Located:
        """The node that the ``$ref`` string at ``ref`` names."""
        target = ref.value
        file_part, _, fragment = target.partition("#")
        doc = ref.doc
        if file_part:
            if "://" in file_part:
                raise ref.error(f"remote reference {target!r} is not supported")
            path = (doc.path.parent / unquote(file_part)).resolve()
            if not path.is_file():
                raise ref.error(f"unresolvable $ref {target!r}: no file {display_path(path)}")
            doc = self.document(path)
        try:
            parts = parse_pointer(unquote(fragment))
        except ValueError:
            raise ref.error(f"unresolvable $ref {target!r}: the fragment is not a JSON pointer") from None
        value = doc.data
        for depth, part in enumerate(parts):
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                missing = pointer_from_parts(parts[: depth + 1])
                raise ref.error(f"unresolvable $ref {target!r}: {missing} does not exist")
        return Located(doc, tuple(parts), value)
