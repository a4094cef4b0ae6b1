"""Import lines for a generated module, grouped and sorted the way isort would."""

from __future__ import annotations

from typing import Iterable

from .ir import Import
from .shape import LINE_LENGTH

_STDLIB = {"typing", "functools", "datetime", "uuid", "os", "types", "__future__"}


def relative_module(target: str, current: str, current_is_package: bool) -> str:
    """``target`` (".types.x") as seen from module ``current`` (".resources.beta"), with leading dots."""
    here = current.strip(".").split(".") if current.strip(".") else []
    package = here if current_is_package else here[:-1]
    there = target.strip(".").split(".")
    common = 0
    while common < len(package) and common < len(there) - 1 and package[common] == there[common]:
        common += 1
    dots = "." * (len(package) - common + 1)
    return dots + ".".join(there[common:])


def _name_order(name: str) -> tuple[int, str]:
    """isort's order inside one ``from`` line: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def import_lines(
    imports: Iterable[Import], current: str, current_is_package: bool = False, *, indent: int = 0, comment: str = ""
) -> tuple[str, ...]:
    """Sorted ``import``/``from`` lines: stdlib, then third-party, then this package; blank lines between.

    A ``from`` line too long for one line is wrapped the way black wraps it, for an import at
    ``indent`` spaces (the first line is not indented) ending with ``comment`` (``"  # noqa: E402"``).
    """
    pad = " " * indent
    groups: dict[int, dict[str, set[str]]] = {0: {}, 1: {}, 2: {}}
    for imp in imports:
        if imp.module.startswith("."):
            if imp.module == current:
                continue  # a name defined in this very module
            module, group = relative_module(imp.module, current, current_is_package), 2
        else:
            module, group = imp.module, 0 if imp.module.split(".")[0] in _STDLIB else 1
        groups[group].setdefault(module, set()).add(imp.name)
    lines: list[str] = []
    for group in (0, 1, 2):
        block: list[str] = []
        for module in sorted(groups[group], key=lambda m: (m.startswith("."), m.lstrip("."), -m.count("."))):
            names = groups[group][module]
            if "" in names:
                block.append(f"import {module}")
                names = names - {""}
            if names:
                ordered = sorted(names, key=_name_order)
                line = f"from {module} import {', '.join(ordered)}"
                if indent + len(line + comment) > LINE_LENGTH:  # as black wraps it
                    line = f"from {module} import (\n" + "".join(f"{pad}    {n},\n" for n in ordered) + pad + ")"
                block.append(line + comment)
        if block:
            if lines:
                lines.append("")
            lines.extend(block)
    return tuple(lines)


def class_imports(classes: Iterable[tuple[str, str]], current: str, current_is_package: bool) -> list[str]:
    """``from <module> import <A>, <B>`` for (package-relative module, class) pairs, seen from module
    ``current``: one line per module, in the order of their first class, names in the order given."""
    by_module: dict[str, dict[str, None]] = {}
    for module, name in classes:
        by_module.setdefault(relative_module(module, current, current_is_package), {})[name] = None
    return [f"from {module} import {', '.join(names)}" for module, names in by_module.items()]
