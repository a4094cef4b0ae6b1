"""Format generated Python with black, in process: each distinct source formatted once, ever.

Model and resource modules and ``types/__init__.py`` are rendered as black lays them out (see
shape.py), black formatting only the long statements shape leaves to it; black is then not run
over them again (it reads every line it leaves unchanged at about 3,300 lines per second: most of
a cold run's time) unless they hold characters whose width or docstring handling black sees
otherwise (see ``laid_out_as_black``). The tests check
that black leaves every such module unchanged (fixtures, hostile specs); ``black_all`` runs it
over every module all the same.

Results are cached by the hash of (black's version, its mode, the source) in memory and in the
persistent cache; what misses is formatted across up to ``jobs`` worker processes when it pays.
"""

from __future__ import annotations

import hashlib
from typing import Collection

from . import shape, workers
from .cache import Cache
from .fastpath import code_digest, installed_distributions

#: black is imported only when something is to be formatted (it takes 0.2 s): the keys name every
#: installed distribution (black's version and its libraries') and the line length (the rest of the
#: mode is black's default).
_SALT = f"line length {shape.LINE_LENGTH}\n{installed_distributions()}".encode()
_KIND = "black"
_STATEMENT_KIND = "black-statement"
#: Less source than this (in characters) is formatted in this process: starting workers would cost
#: more (black takes about a second per 100,000 characters).
PARALLEL_THRESHOLD = 100_000
_memory: dict[str, str] = {}
#: Long statements' placeholders and their text as black formats them (see ``shape.statement``).
_statements: dict[str, str] = {}


def _key(source: str) -> str:
    return hashlib.sha256(_SALT + source.encode("utf-8")).hexdigest()


def format_python(source: str, path: str) -> str:
    import black

    try:
        return black.format_str(source, mode=shape.black_mode())
    except black.InvalidInput as exc:  # a template bug, never a user error
        raise RuntimeError(f"generated {path} is not valid Python: {exc}") from exc


def _format_chunk(chunk: list[tuple[str, str]]) -> list[str]:
    return [format_python(source, path) for path, source in chunk]


def _balanced(weights: list[int], count: int) -> list[list[int]]:
    """Indices split into up to ``count`` chunks of about equal weight, heaviest chunk first: largest
    first, each to the lightest chunk, so workers finish together even beside a few huge modules."""
    chunks: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for i in sorted(range(len(weights)), key=lambda i: -weights[i]):
        lightest = loads.index(min(loads))
        chunks[lightest].append(i)
        loads[lightest] += weights[i]
    order = sorted(range(count), key=lambda c: -loads[c])
    return [chunks[c] for c in order if chunks[c]]


def _resolve_statements(files: dict[str, str], cache: Cache, jobs: int) -> dict[str, str]:
    """``files`` with the placeholders of long statements (see ``shape.statement``) resolved; each
    distinct one formatted once, ever (kept in memory and in the persistent cache)."""
    found = shape.placeholders(files)
    if not found:
        return files
    # How a statement is handed to black (shape's code) decides the result too: oagen's code is in the key.
    salt = code_digest() + "\0"
    keys = {placeholder: _key(salt + placeholder) for placeholder in found if placeholder not in _statements}
    hits = cache.get_many(_STATEMENT_KIND, list(keys.values()))
    for placeholder, key in keys.items():
        if key in hits:
            _statements[placeholder] = hits[key].decode("utf-8")
    out = shape.resolve(files, _statements, jobs=jobs, found=found)
    cache.put_many(_STATEMENT_KIND, {key: _statements[p].encode("utf-8") for p, key in keys.items() if key not in hits})
    return out


def laid_out_as_black(source: str) -> bool:
    """Whether a module rendered in black's layout needs no black pass: no tab (black expands those
    that indent a docstring's line), and no character that is not ASCII unless black measures it
    one column wide, as the layout does (black counts East Asian wide characters as two, combining
    ones as none) and it is no whitespace (black strips that when it indents a docstring)."""
    if "\t" in source:
        return False
    if source.isascii():
        return True
    try:
        from black.strings import char_width
    except ImportError:  # pragma: no cover - black moved it: let black see every such module
        return False
    return all(ch.isascii() or (char_width(ch) == 1 and not ch.isspace()) for ch in set(source))


def format_files(
    files: dict[str, str],
    *,
    cache: Cache | None = None,
    jobs: int = 1,
    laid_out: Collection[str] = (),
    black_all: bool = False,
) -> dict[str, str]:
    """``files`` with every ``.py`` source formatted; other files unchanged.

    ``laid_out``: the paths of modules rendered as black lays them out (see shape.py); once their
    long statements are formatted, black is not run over them again if :func:`laid_out_as_black`
    says so. ``black_all``: run black over every module all the same.
    """
    cache = cache or Cache(None)
    files = _resolve_statements(files, cache, jobs)
    done = set() if black_all else {path for path in laid_out if path in files and laid_out_as_black(files[path])}
    keys = {path: _key(text) for path, text in files.items() if path.endswith(".py") and path not in done}
    missing = [k for k in dict.fromkeys(keys.values()) if k not in _memory]
    for key, raw in cache.get_many(_KIND, missing).items():
        _memory[key] = raw.decode("utf-8")
    todo: dict[str, tuple[str, str]] = {}
    for path, key in keys.items():
        if key not in _memory and key not in todo:
            todo[key] = (path, files[path])
    if todo:
        items = list(todo.items())
        work = [pair for _, pair in items]
        size = sum(len(source) for _, source in work)
        if jobs > 1 and len(work) > 1 and size >= PARALLEL_THRESHOLD and workers.can_fork():
            formatted = [""] * len(work)
            chunks = _balanced([len(source) for _, source in work], jobs * 4)
            with workers.pool(jobs, preload=("black",)) as pool:
                results = pool.map(_format_chunk, [[work[i] for i in chunk] for chunk in chunks])
                for chunk, texts in zip(chunks, results):
                    for i, text in zip(chunk, texts):
                        formatted[i] = text
        else:
            formatted = _format_chunk(work)
        fresh = {key: text for (key, _), text in zip(items, formatted)}
        _memory.update(fresh)
        cache.put_many(_KIND, {k: v.encode("utf-8") for k, v in fresh.items()})
    return {path: _memory[keys[path]] if path in keys else text for path, text in files.items()}
