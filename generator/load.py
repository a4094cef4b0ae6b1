"""Load a spec (YAML or JSON), keep enough to locate any node, and resolve ``$ref``s.

Documents are parsed with the fastest safe parser available (``json`` for JSON, PyYAML's C
``CSafeLoader`` for YAML: no object construction). Line and column of a node are computed only
when a diagnostic needs them, by composing the document once more: the happy path pays nothing.

Hostile input is refused before anything walks it: documents over a size limit, YAML whose aliases
expand to far more nodes than the text holds ("billion laughs"), recursive aliases, nesting deeper
than :data:`MAX_DEPTH`. ``$ref``s may name files only inside the spec's root directory, and remote
(http/https) documents only when asked for.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import unquote, urljoin, urlsplit

import yaml

from .diagnostics import Diagnostic, GenerationError, error, parse_pointer, pointer_from_parts

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

#: Documents larger than this are refused before parsing (``--max-spec-size``).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: Deeper nesting of mappings and sequences is refused: nothing real comes close, and the
#: validator and the IR builder recurse through it.
MAX_DEPTH = 100
#: YAML aliases may add at most this many nodes (or as many as the text itself holds, if more).
ALIAS_EXPANSION_BUDGET = 100_000
#: Seconds to wait for a remote document (``--allow-remote-refs``).
REMOTE_TIMEOUT = 30.0


def _limit_error(name: str, line: int | None, column: int | None, pointer: str, message: str) -> GenerationError:
    return GenerationError([Diagnostic(name, line, column, pointer, message)])


def _check_nodes(root: yaml.Node | None, name: str, text: str) -> list[Diagnostic]:
    """Refuse alias bombs, recursive aliases and excessive nesting; return the duplicate mapping keys.

    One iterative walk over the composed node graph (aliases are shared nodes, measured once), so
    a document of a thousand aliases that would expand to a billion nodes costs a thousand steps.
    """
    if root is None:
        return []
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    duplicates: list[Diagnostic] = []
    # (node, pointer parts, finished?) - a node's size is known when its "finished" entry pops.
    stack: list[tuple[yaml.Node, tuple[str, ...], bool]] = [(root, (), False)]
    while stack:
        node, parts, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes.get(id(child), 1) for child in _node_children(node))  # scalar keys: 1
            continue
        if key in sizes:
            continue  # an alias of a node already measured
        mark = node.start_mark
        if key in on_path:
            raise _limit_error(
                name,
                mark.line + 1,
                mark.column + 1,
                pointer_from_parts(parts),
                "recursive YAML alias: a node contains itself",
            )
        if len(parts) > MAX_DEPTH:
            raise _limit_error(
                name,
                mark.line + 1,
                mark.column + 1,
                pointer_from_parts(parts),
                f"nested more than {MAX_DEPTH} levels deep",
            )
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        on_path.add(key)
        stack.append((node, parts, True))
        if isinstance(node, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    ident = (key_node.tag, key_node.value)
                    if ident in seen and key_node.tag != "tag:yaml.org,2002:merge":
                        m = key_node.start_mark
                        duplicates.append(
                            Diagnostic(
                                name,
                                m.line + 1,
                                m.column + 1,
                                pointer_from_parts((*parts, key_node.value)),
                                f"duplicate key {key_node.value!r} (the last one wins)",
                            )
                        )
                    seen.add(ident)
                    child_part = key_node.value
                else:
                    stack.append((key_node, (*parts, "<key>"), False))
                    child_part = "<key>"
                stack.append((value_node, (*parts, child_part), False))
        else:
            for index, child in enumerate(node.value):
                stack.append((child, (*parts, str(index)), False))
    expanded, unique = sizes[id(root)], len(sizes)
    if expanded - unique > max(ALIAS_EXPANSION_BUDGET, unique):
        line, column, pointer, size = _largest_alias(root, sizes, text)
        raise _limit_error(
            name,
            line,
            column,
            pointer,
            f"YAML aliases expand {unique} nodes to {expanded}: refusing a document that grows this much "
            f"when its aliases are expanded (an alias bomb?); this alias repeats {size} nodes",
        )
    return duplicates


def _largest_alias(root: yaml.Node, sizes: dict[int, int], text: str) -> tuple[int | None, int | None, str, int]:
    """Line, column, pointer and size of the first alias of the largest node an alias repeats.

    Walked in document order, the node graph meets each alias where the text has it: the n-th
    node met again is the n-th alias token.
    """
    met: list[tuple[int, tuple[str, ...]]] = []  # (size, pointer parts) of each node met again
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, parts = stack.pop()
        if id(node) in seen:
            met.append((sizes.get(id(node), 1), parts))
            continue
        seen.add(id(node))
        children: list[tuple[yaml.Node, tuple[str, ...]]] = []
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                part = key.value if isinstance(key, yaml.ScalarNode) else "<key>"
                children += [(key, (*parts, "<key>")), (value, (*parts, part))]
        elif isinstance(node, yaml.SequenceNode):
            children = [(child, (*parts, str(i))) for i, child in enumerate(node.value)]
        stack.extend(reversed(children))
    aliases = [t.start_mark for t in yaml.scan(text, Loader=_SafeLoader) if isinstance(t, yaml.AliasToken)]
    best = max(range(len(met)), key=lambda i: met[i][0])  # the first of the largest
    mark = aliases[best] if len(aliases) == len(met) else None
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return line, column, pointer_from_parts(met[best][1]), met[best][0]


def _node_children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _json_depth_ok(data: Any) -> bool:
    """Whether JSON data nests at most MAX_DEPTH levels (iteratively: deep data must not crash us).

    Level by level: every value at depth ``d`` (the top is 0), containers or not; a mapping or a
    list at depth MAX_DEPTH or more is too deep.
    """
    level = [data]
    for _ in range(MAX_DEPTH):
        below: list[Any] = []
        extend = below.extend
        for value in level:
            if isinstance(value, dict):
                extend(value.values())
            elif isinstance(value, list):
                extend(value)
        if not below:
            return True
        level = below
    return not any(isinstance(value, (dict, list)) for value in level)


#: A \\u escape of a surrogate (high: d800-dbff, low: dc00-dfff).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate_escape(text: str) -> bool:
    """Whether JSON text may hold a \\u escape of a surrogate that is not half of a pair (a high
    one right before a low one). Pairs (emoji) are common; each escape is looked at where it is, so
    the text is scanned once, in C. An escape whose backslash is itself escaped is not one."""
    expect = -1  # where the low half of the last high one must be
    for match in _SURROGATE_ESCAPE.finditer(text):
        start = before = match.start()
        while before and text[before - 1] == "\\":
            before -= 1
        if (start - before) % 2:
            continue  # "\\\\ud83d": a backslash, then text
        if text[start + 3] in "89abAB":
            if expect != -1:
                return True
            expect = match.end()
        elif start != expect:
            return True
        else:
            expect = -1
    return expect != -1


def _lone_surrogate(data: Any) -> tuple[str, ...] | None:
    """Where (pointer parts) a key or string of JSON data holds a lone surrogate, if anywhere."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        value, parts = stack.pop()
        if isinstance(value, str):
            if SURROGATE.search(value):
                return parts
        elif isinstance(value, dict):
            for key, child in value.items():
                if SURROGATE.search(key):
                    return (*parts, key.encode("utf-8", "backslashreplace").decode("ascii", "replace"))
                stack.append((child, (*parts, key)))
        elif isinstance(value, list):
            stack.extend((child, (*parts, str(i))) for i, child in enumerate(value))
    return None


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
    #: Non-fatal findings while parsing (duplicate keys): errors unless validation is skipped.
    problems: list[Diagnostic] = field(default_factory=list)
    #: Where a remote document came from (``path`` is then only a key).
    url: str | None = None
    #: The SHA-256 of the bytes the document was parsed from (a file's; "" if not read from a file).
    digest: str = ""
    #: Where nodes of ``data`` that are not as ``text`` wrote them came from (overlay.py fills it):
    #: pointer parts in ``data`` -> (the document, pointer parts in its text); the longest prefix of
    #: a node's parts decides, and nodes under no entry are where ``text`` has them.
    origins: dict[tuple[str, ...], tuple[Document, tuple[str, ...]]] = field(default_factory=dict, repr=False)
    _nodes: yaml.Node | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.url or display_path(self.path)

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
        if node is None:  # an empty document: everything is at its start
            return 1, 1
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
        """The diagnostic of the node at ``parts`` of :attr:`data`, located where it was written:
        in this document's text, or in the overlay that put it there (the pointer is still the
        node's in :attr:`data`)."""
        doc, written = self.written_at(tuple(parts))
        line, column = doc.locate(written, key=key)
        return Diagnostic(doc.name, line, column, pointer_from_parts(parts), message)

    def written_at(self, parts: tuple[str, ...]) -> tuple[Document, tuple[str, ...]]:
        """The document and the pointer parts in its text where the node at ``parts`` was written."""
        if self.origins:
            for n in range(len(parts), -1, -1):
                hit = self.origins.get(parts[:n])
                if hit is not None:
                    return hit[0], hit[1] + parts[n:]
        return self, parts


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


def parse_text(text: str, name: str, *, is_json: bool) -> Document:
    """Parse one document's text; every failure becomes a located diagnostic."""
    duplicates: list[Diagnostic] = []
    if is_json:
        has_duplicates = False

        def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            nonlocal has_duplicates
            obj = dict(pairs)
            has_duplicates = has_duplicates or len(obj) != len(pairs)
            return obj

        try:
            data = json.loads(text, object_pairs_hook=pairs_hook)
        except json.JSONDecodeError as exc:
            raise _limit_error(name, exc.lineno, exc.colno, "", f"invalid JSON: {exc.msg}") from None
        except RecursionError:
            raise error(name, f"nested more than {MAX_DEPTH} levels deep") from None
        except ValueError as exc:  # e.g. an integer of more digits than Python converts
            raise error(name, f"invalid JSON: {exc}") from None
        if not _json_depth_ok(data):
            raise error(name, f"nested more than {MAX_DEPTH} levels deep")
        # Rare: find any lone surrogate, which no UTF-8 file can hold. Pairs (emoji) are common: the
        # data is walked only if an escape outside a pair is seen (escaped backslashes set aside).
        if _lone_surrogate_escape(text):
            where = _lone_surrogate(data)
            if where is not None:
                raise _limit_error(
                    name,
                    None,
                    None,
                    pointer_from_parts(where),
                    "a string holds a lone surrogate (\\ud800-\\udfff escape): not Unicode text",
                )
        if has_duplicates:  # rare: compose the text (JSON is YAML) only to say where
            try:
                duplicates = _check_nodes(yaml.compose(text, Loader=_SafeLoader), name, text)
            except yaml.YAMLError:
                duplicates = [Diagnostic(name, None, None, "", "duplicate keys in an object (the last one wins)")]
        return Document(path=Path(name), text=text, data=data, problems=duplicates)
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        duplicates = _check_nodes(node, name, text)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise _limit_error(name, line, col, "", f"invalid YAML: {message}") from None
    except yaml.YAMLError as exc:
        raise error(name, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise error(name, f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise error(name, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return Document(path=Path(name), text=text, data=data, problems=duplicates)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(name, f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None


def _too_large(name: str, size: int | str, max_bytes: int) -> GenerationError:
    return error(name, f"document is {size} bytes, over the limit of {max_bytes} (see --max-spec-size)")


def parse_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read and parse one file; every failure becomes a located diagnostic."""
    name = display_path(path)
    try:
        if not path.is_file():
            what = (
                "is a directory"
                if path.is_dir()
                else "does not exist" if not path.exists() else "is not a regular file"
            )
            raise error(name, f"cannot read: {what}")
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(name, size, max_bytes)
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)  # the file may have grown since stat
        if len(raw) > max_bytes:
            raise _too_large(name, f"more than {max_bytes}", max_bytes)
    except OSError as exc:
        raise error(name, f"cannot read: {exc.strerror or exc}") from None
    doc = parse_text(_decode(raw, name), name, is_json=path.suffix.lower() == ".json")
    doc.path = path
    doc.digest = hashlib.sha256(raw).hexdigest()
    return doc


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
        return _located(self.doc, self.parts + tuple(str(k) for k in keys), value)

    def get(self, key: str) -> Located | None:
        value = self.value
        if isinstance(value, dict) and key in value:
            return _located(self.doc, (*self.parts, str(key)), value[key])
        return None

    def items(self) -> Iterator[tuple[str, Located]]:
        if isinstance(self.value, dict):
            doc, parts = self.doc, self.parts
            for key, value in self.value.items():
                name = str(key)
                yield name, _located(doc, (*parts, name), value)

    def text(self, key: str, *, strip: bool = False) -> str | None:
        """The string ``value[key]`` (stripped with ``strip``); ``""`` if it says nothing (only
        blanks); None if there is no such string."""
        raw = self.value.get(key) if isinstance(self.value, dict) else None
        if not isinstance(raw, str):
            return None
        text = raw.strip() if strip else raw
        return "" if _blank(text) else text

    def elements(self) -> Iterator[Located]:
        if isinstance(self.value, list):
            for index in range(len(self.value)):
                yield self.child(index)

    def error(self, message: str) -> GenerationError:
        return GenerationError([self.diagnostic(message)])

    def diagnostic(self, message: str, *, key: bool = False) -> Diagnostic:
        return self.doc.diagnostic(self.parts, message, key=key)


def _blank(text: str) -> bool:
    """Whether ``text`` says nothing: only spaces, tabs, line breaks (what a docstring drops at its
    ends; other control and separator characters are shown escaped, so they do say something)."""
    if not text.strip(" \t\n\r"):
        return True
    return not text.isascii() and all(ch in " \t\n\r" or unicodedata.category(ch) == "Zs" for ch in text)


def _located(doc: Document, parts: tuple[str, ...], value: Any, _new: Any = object.__new__) -> Located:
    """``Located(doc, parts, value)`` made twice as fast: the IR build makes some 100,000 of them.

    The same object the dataclass constructor makes (its three fields set, nothing else), only
    without the per-field ``object.__setattr__`` calls of a frozen dataclass's ``__init__``.
    """
    node = _new(Located)
    fields = node.__dict__
    fields["doc"] = doc
    fields["parts"] = parts
    fields["value"] = value
    return node  # type: ignore[no-any-return]


def follow_local_refs(document: Any, value: Any) -> Any:
    """``value``, or the node of ``document`` its same-document ``$ref`` chain leads to (``value``
    itself where the chain leads nowhere; at most 100 steps, so a cycle ends)."""
    for _ in range(100):
        if not (isinstance(value, dict) and isinstance(value.get("$ref"), str) and value["$ref"].startswith("#")):
            return value
        try:
            parts = parse_pointer(unquote(value["$ref"][1:]))
        except ValueError:
            return value
        target: Any = document
        for part in parts:
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                return value
        value = target
    return value


class UnresolvableRef(GenerationError):
    """A ``$ref`` naming a file or node that does not exist: a flaw of the document, not a refusal."""


#: Keys whose values are data, not OpenAPI objects: a "$ref" inside them is not a reference.
_DATA_KEYS = frozenset({"example", "default", "enum", "const"})
#: Maps whose keys are names chosen by the author (a property may be called "default").
_NAMED_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "dependentSchemas",
        "$defs",
        "definitions",
        "responses",
        "schemas",
        "parameters",
        "examples",
        "headers",
        "callbacks",
        "links",
        "requestBodies",
        "securitySchemes",
        "pathItems",
        "content",
        "encoding",
        "variables",
        "paths",
        "webhooks",
    }
)


def is_data(parts: tuple[str, ...], name: str) -> bool:
    """Whether the member ``name`` of the node at ``parts`` holds data (an example, a default, an
    enum, a const, an extension, an example's value), not OpenAPI objects."""
    if name in _DATA_KEYS and not (parts and parts[-1] in _NAMED_MAPS):
        return True
    return name.startswith("x-") or (name == "value" and len(parts) >= 2 and parts[-2] == "examples")


def _remote_opener() -> Any:
    """An opener that follows redirects only to http(s). (urllib.request is imported here, when a
    remote document is fetched: with http.client and email it costs 0.1 s of every start.)"""
    import urllib.request

    class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
            if urlsplit(newurl).scheme.lower() not in ("http", "https"):
                return None  # a remote document may not redirect us to file:// or ftp://
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(_HttpOnlyRedirects)


def _real_path(path: Path, name: str) -> Path:
    """``path`` with every symlink resolved; a symlink loop is a diagnostic, not a crash."""
    try:
        return path.resolve(strict=True)
    except FileNotFoundError:
        raise UnresolvableRef([Diagnostic(name, None, None, "", "cannot read: does not exist")]) from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: "Symlink loop" before Python 3.13
        raise error(name, f"cannot resolve the path: {exc}") from None


class Spec:
    """The root document and every document reached through ``$ref``.

    Every ``$ref`` is resolved once at load time, so that refusals (remote documents when not
    allowed, files outside ``root_dir``, symlink loops, oversized documents) are reported before
    anything else reads the spec; dangling references become :attr:`problems` (validation errors).
    """

    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        allow_remote: bool = False,
        root_dir: Path | None = None,
        overlays: Sequence[Path] = (),
    ) -> None:
        self.max_bytes = max_bytes
        self.allow_remote = allow_remote
        self._docs: dict[str, Document] = {}
        self._total_bytes = 0
        #: Every file path read or looked for, as written (symlinks not resolved), and the file it led
        #: to (None: missing).
        self._paths: dict[Path, Path | None] = {}
        real = self._looked_for(path)
        self.root_dir = _real_path(root_dir, display_path(root_dir)) if root_dir is not None else real.parent
        self.root = self.document(real)
        if not isinstance(self.root.data, dict):
            raise GenerationError([self.root.diagnostic([], "an OpenAPI document must be a mapping at the top level")])
        #: The overlays applied to the root document, in order (read like the spec's own files, so
        #: that their bytes are inputs of the run: see :meth:`input_digests`).
        self.overlays: list[Document] = []
        if overlays:
            for overlay in overlays:
                doc = parse_document(self._looked_for(overlay), self.max_bytes)
                self._count(doc)
                self.overlays.append(doc)
            from .overlay import apply_overlays  # (and the JSONPath library) only when there are overlays

            apply_overlays(self.root, self.overlays)
        #: Validation-class findings of loading: duplicate keys, dangling or cyclic references.
        self.problems: list[Diagnostic] = []
        self._check_refs()

    # --- documents --------------------------------------------------------------------------------

    def _count(self, doc: Document) -> None:
        self._total_bytes += len(doc.text)
        if self._total_bytes > self.max_bytes:
            raise error(
                doc.name,
                f"the spec, its overlays and the documents it references exceed {self.max_bytes} bytes in total "
                "(see --max-spec-size)",
            )

    def _add(self, key: str, doc: Document) -> Document:
        self._count(doc)
        self._docs[key] = doc
        return doc

    def document(self, path: Path) -> Document:
        """The parsed file at ``path`` (already resolved), parsed once."""
        doc = self._docs.get(str(path))
        if doc is None:
            doc = self._add(str(path), parse_document(path, self.max_bytes))
        return doc

    def documents(self) -> list[Document]:
        """Every document read, once each."""
        return list({id(d): d for d in self._docs.values()}.values())

    def _looked_for(self, path: Path) -> Path:
        """``path`` with its symlinks resolved (see :func:`_real_path`), noted in :attr:`_paths`."""
        written = Path(os.path.abspath(path))
        self._paths[written] = None
        real = self._paths[written] = _real_path(path, display_path(path))
        return real

    def input_digests(self) -> dict[str, str] | None:
        """The SHA-256 of the bytes read, by every file path the spec was read from or looked for:
        each document's resolved path and each path as written (so that a symlink pointed elsewhere
        tells); None if a file looked for was missing or a document came from the network (then no
        record of these inputs can tell that nothing changed)."""
        docs = list(self._docs.values())
        if any(d.url for d in docs):
            return None
        out = {str(d.path): d.digest for d in [*docs, *self.overlays]}
        read = {**{str(d.path): d for d in self.overlays}, **self._docs}
        for written, real in self._paths.items():
            doc = read.get(str(real)) if real is not None else None
            if doc is None:
                return None
            out[str(written)] = doc.digest
        return dict(sorted(out.items()))

    def _remote(self, url: str) -> Document:
        doc = self._docs.get(url)
        if doc is not None:
            return doc
        import urllib.error

        opener = _remote_opener()
        try:
            with opener.open(url, timeout=REMOTE_TIMEOUT) as response:
                raw = response.read(self.max_bytes + 1)
                content_type = str(response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as exc:
            raise error(url, f"cannot fetch: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise error(url, f"cannot fetch: {reason}") from None
        if len(raw) > self.max_bytes:
            raise _too_large(url, f"more than {self.max_bytes}", self.max_bytes)
        is_json = urlsplit(url).path.lower().endswith(".json") or "json" in content_type.lower()
        doc = parse_text(_decode(raw, url), url, is_json=is_json)
        doc.url = url
        doc.path = Path("/") / "oagen-remote" / url.replace("/", "%2F")
        return self._add(url, doc)

    def _referenced(self, ref: Located, file_part: str) -> Document:
        """The document a ``$ref``'s file part names, if policy allows reading it."""
        target = ref.value
        base = ref.doc.url
        absolute = urljoin(base, file_part) if base else file_part
        scheme = urlsplit(absolute).scheme.lower()
        if scheme in ("http", "https"):
            if not self.allow_remote:
                raise ref.error(f"remote reference {target!r} refused (pass --allow-remote-refs to fetch it)")
            try:
                return self._remote(absolute)
            except GenerationError as exc:
                raise ref.error(f"$ref {target!r}: {exc.diagnostics[0]}") from None
        if scheme == "file":
            path = Path(unquote(urlsplit(absolute).path))
        elif len(scheme) > 1:  # one letter is a Windows drive
            raise ref.error(f"reference {target!r}: the {scheme}: scheme is not supported")
        else:
            path = ref.doc.path.parent / unquote(file_part)
        try:
            real = self._looked_for(path)
        except UnresolvableRef:
            raise UnresolvableRef(
                [ref.diagnostic(f"unresolvable $ref {target!r}: no file {display_path(path)}")]
            ) from None
        except GenerationError as exc:
            raise ref.error(f"$ref {target!r}: {exc.diagnostics[0].message}") from None
        if not real.is_relative_to(self.root_dir):
            raise ref.error(
                f"$ref {target!r} leaves the spec's root directory {display_path(self.root_dir)} (see --ref-root)"
            )
        if not real.is_file():
            raise UnresolvableRef([ref.diagnostic(f"unresolvable $ref {target!r}: {display_path(real)} is not a file")])
        doc = self.document(real)
        self._docs.setdefault(os.path.normpath(path), doc)  # the validator asks by the unresolved path
        return doc

    def document_for_uri(self, uri: str) -> Any:
        """The data of an already loaded document, by absolute URI (for the validator's resolver)."""
        parts = urlsplit(uri)
        if parts.scheme in ("http", "https"):
            doc = self._docs.get(uri)
        elif parts.scheme == "file":
            doc = self._docs.get(str(Path(unquote(parts.path))))
        else:
            doc = None
        if doc is None:  # every $ref was resolved (or refused) at load time: nothing new is read here
            raise error(uri, "reference to a document oagen did not load")
        # The validator's resolver indexes documents as mappings; a scalar document has no node to name.
        return doc.data if isinstance(doc.data, (dict, bool)) else {}

    # --- references -------------------------------------------------------------------------------

    def _check_ref(self, ref: Located, fatal: list[Diagnostic]) -> bool:
        """Whether ``ref`` leads to a node; if not, why goes to :attr:`problems` (a dangling or
        cyclic reference: a flaw of the document) or to ``fatal`` (a refusal)."""
        try:
            self.deref(self.resolve(ref))
            return True
        except UnresolvableRef as exc:
            self.problems.extend(exc.diagnostics)
        except GenerationError as exc:
            (self.problems if exc.diagnostics[0].message.startswith("$ref cycle") else fatal).extend(exc.diagnostics)
        return False

    def _check_refs(self) -> None:
        """Resolve every ``$ref`` of every document reached; refusals are raised together."""
        fatal: list[Diagnostic] = []
        walked: set[str] = set()
        pending = [self.root]
        while pending:
            doc = pending.pop()
            key = doc.url or str(doc.path)
            if key in walked:
                continue
            walked.add(key)
            self.problems.extend(doc.problems)
            resolved: set[str] = set()  # $ref strings of this document that resolve without a problem
            for ref in _refs_in(doc):
                if ref.value in resolved:
                    continue  # the same string in the same document leads to the same node
                if self._check_ref(ref, fatal):
                    resolved.add(ref.value)
            pending.extend(d for d in self._docs.values() if (d.url or str(d.path)) not in walked)
        if fatal:
            raise GenerationError(fatal)

    @property
    def top(self) -> Located:
        return Located(self.root, (), self.root.data)

    def deref(self, node: Located) -> Located:
        """Follow ``$ref`` chains from ``node`` to the node they name (cycles are reported)."""
        value = node.value
        if not (isinstance(value, dict) and isinstance(value.get("$ref"), str)):
            return node  # the common case: not a reference
        seen: set[tuple[str, tuple[str, ...]]] = set()
        while isinstance(node.value, dict) and isinstance(node.value.get("$ref"), str):
            key = (node.doc.url or str(node.doc.path), node.parts)
            if key in seen:
                raise node.error("$ref cycle: this reference leads back to itself")
            seen.add(key)
            node = self.resolve(node.child("$ref"))
        return node

    def resolve(self, ref: Located) -> Located:
        """The node that the ``$ref`` string at ``ref`` names."""
        target = ref.value
        file_part, _, fragment = target.partition("#")
        doc = self._referenced(ref, file_part) if file_part else ref.doc
        try:
            parts = parse_pointer(unquote(fragment))
        except ValueError:
            raise UnresolvableRef(
                [ref.diagnostic(f"unresolvable $ref {target!r}: the fragment is not a JSON pointer")]
            ) from None
        value = doc.data
        for depth, part in enumerate(parts):
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                missing = pointer_from_parts(parts[: depth + 1])
                raise UnresolvableRef([ref.diagnostic(f"unresolvable $ref {target!r}: {missing} does not exist")])
        return _located(doc, tuple(parts), value)


def _refs_in(doc: Document) -> Iterator[Located]:
    """Every ``$ref`` string of a document, in document order, skipping values that are data."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(doc.data, ())]
    while stack:
        value, parts = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                yield Located(doc, (*parts, "$ref"), ref)
            for key in reversed(list(value)):
                name = str(key)
                if is_data(parts, name):
                    continue
                child = value[key]
                if isinstance(child, (dict, list)):
                    stack.append((child, (*parts, name)))
        elif isinstance(value, list):
            for index in range(len(value) - 1, -1, -1):
                if isinstance(value[index], (dict, list)):
                    stack.append((value[index], (*parts, str(index))))
