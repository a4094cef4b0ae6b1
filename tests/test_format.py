"""Formatting across worker processes gives exactly what formatting in this process gives."""

from __future__ import annotations

import black

from generator import format as fmt
from generator.cache import Cache


def _module(i: int) -> str:
    # Modules of very different sizes, as a real API's are (a few huge resource modules).
    fields = "".join(f"    field_{n}: int = {n}\n" for n in range(1 + (i % 7) * (i % 5) * 6))
    return f"class  Model{i}( object ) :\n{fields}\n\ndef f_{i}(a,b = {{'k' :1}}) :  return [a,b]\n"


def test_parallel_formatting_equals_black_in_process(monkeypatch) -> None:
    monkeypatch.setattr(fmt, "_memory", {})
    files = {f"pkg/m{i}.py": _module(i) for i in range(120)}
    assert sum(map(len, files.values())) >= fmt.PARALLEL_THRESHOLD  # so that workers are used
    files["README.md"] = "not  python "
    out = fmt.format_files(files, cache=Cache(None), jobs=2)
    assert out["README.md"] == "not  python "
    for path, source in files.items():
        if path.endswith(".py"):
            assert out[path] == black.format_str(source, mode=black.Mode()), path


def test_balanced_chunks_cover_every_index_once_heaviest_first() -> None:
    weights = [50, 1, 1, 1, 20, 20, 7, 3, 3, 90]
    chunks = fmt._balanced(weights, 4)
    assert sorted(i for c in chunks for i in c) == list(range(len(weights)))
    loads = [sum(weights[i] for i in c) for c in chunks]
    assert loads == sorted(loads, reverse=True)
    assert loads[0] == 90  # the largest module alone: no chunk waits behind it
