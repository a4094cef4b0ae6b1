"""Nothing changed, nothing to do: answer ``generate``/``check`` from a record of the last run.

After a full run, the cache records what went in (every spec file read, the config, the options, the
generator's own code and templates, each by content hash) and what came out (each output file's
hash). The next run with the same inputs compares the output directory with that record: if they
match, the output is current, and the run ends there, without parsing, validating, rendering or
formatting anything. This module imports only the standard library, so the answer is quick.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import unicodedata
from pathlib import Path
from typing import Iterable, Mapping

from .cache import Cache

_KIND = "run-1"
_CODE = Path(__file__).resolve().parent


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def python_digest() -> str:
    """The Python that renders: the filters' output depends on its Unicode database."""
    return f"{sys.version} unicode {unicodedata.unidata_version}"


@functools.lru_cache(maxsize=1)
def installed_distributions() -> str:
    """Every installed distribution, as the names of their metadata directories on ``sys.path``
    (``black-26.10.1.dist-info``: name and version), one per line. All of them, not a list of those
    oagen uses kept by hand: installing anything makes cached answers stale, which costs one slower
    run, while a missed library could make them wrong. (Listing directories is cheap; reading each
    distribution's metadata to follow requirements would cost 0.1 s of every run.)"""
    names: set[str] = set()
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as found:
                names.update(e.name for e in found if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:  # not a directory (a zip), or gone
            continue
    return "".join(f"{name}\n" for name in sorted(names))


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """The generator's own code and templates, the libraries it runs and the Python: a change makes
    records stale (read once per process: a run does not outlive the code it runs)."""
    h = hashlib.sha256(python_digest().encode() + b"\0" + installed_distributions().encode() + b"\0")
    roots = [_CODE, _CODE / "templates", _CODE.parent / "templates"]
    for root in roots:
        if not root.is_dir():
            continue
        pattern = "*.py" if root == _CODE else "**/*"
        for path in sorted(root.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def run_digest(command_options: Mapping[str, object]) -> str:
    return sha(json.dumps(command_options, sort_keys=True, default=str).encode())


def path_digest(path: Path) -> str:
    """The hash of a file's bytes, or of a directory's listing (the names in it, sorted, a
    directory's with a trailing "/"; Python's ``__pycache__`` left out): what a run read of it."""
    if path.is_dir():
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in path.iterdir() if p.name != "__pycache__")
        return sha("\0".join(["<directory>", *names]).encode("utf-8", "surrogateescape"))
    return sha(path.read_bytes())


def _files_digest(paths: Iterable[str]) -> dict[str, str] | None:
    out = {}
    for path in paths:
        try:
            out[path] = path_digest(Path(path))
        except OSError:
            return None
    return out


def current_output(cache: Cache, options: Mapping[str, object], output: Path) -> list[str] | None:
    """The warnings of the recorded run, if inputs and ``output`` are exactly as it left them; else None."""
    if not cache.enabled:
        return None
    raw = cache.get_many(_KIND, [run_digest(options)]).get(run_digest(options))
    if raw is None:
        return None
    try:
        record = json.loads(raw)
        if record["code"] != code_digest() or _files_digest(record["inputs"]) != record["inputs"]:
            return None
        outputs: dict[str, str] = record["outputs"]
        on_disk = _files_digest(str(output / name) for name in outputs)
        if on_disk is None or list(on_disk.values()) != list(outputs.values()):
            return None
        return list(record["warnings"])
    except (ValueError, KeyError, TypeError):
        return None


def output_digests(files: Mapping[str, str]) -> dict[str, str]:
    """Each output file's hash, by name (sorted)."""
    return {name: sha(text.encode("utf-8", "surrogatepass")) for name, text in sorted(files.items())}


def record(
    cache: Cache,
    options: Mapping[str, object],
    inputs: Mapping[str, str],
    files: Mapping[str, str],
    warnings: list[str],
    *,
    digests: Mapping[str, str] | None = None,
) -> None:
    """Remember a run made from ``inputs`` (each file path read, with the hash of the bytes it read)
    whose output directory now holds exactly ``files`` (``digests``: their :func:`output_digests`,
    if made already). The hashes are those of the bytes the run read, not of the files now: a file
    edited during the run makes the next run a full one."""
    if not cache.enabled:
        return
    outputs = dict(digests) if digests is not None else output_digests(files)
    entry = {
        "code": code_digest(),
        "inputs": dict(sorted(inputs.items())),
        "outputs": outputs,
        "warnings": warnings,
    }
    cache.put_many(_KIND, {run_digest(options): json.dumps(entry).encode()})
