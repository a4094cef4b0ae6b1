"""Run oagen over a folder of real OpenAPI documents and print what happened to each.

    python scripts/corpus.py [FOLDER] [--mypy] [--black] [--skip-validation] [--jobs N] [--keep DIR]

Every ``.yaml``/``.yml``/``.json``/``.json.gz`` file under FOLDER (default: ``../shared/corpus``
next to this repository) whose top level names an ``openapi`` (or ``swagger``) version is a
document; files that are fragments of a multi-file document are skipped. For each document the
generator runs in a subprocess into a temporary directory, every generated file is compiled, the
package is imported in a fresh interpreter, with ``--mypy`` checked by ``mypy --strict``, and with
``--black`` checked by ``black --check`` (oagen does not run black over the modules it renders as
black lays them out: this proves that black would leave them unchanged).

Outcomes: ``ok`` (imports, and passes mypy when asked), ``refused`` (exit 2: a located reason,
shown), ``crash`` (exit 3: a bug in oagen), ``compile``/``import``/``mypy`` (the generated code is
broken: a bug in oagen), ``dropped`` (the client has fewer methods than the spec has operations),
``timeout``, ``black`` (black would change the generated code: a bug in oagen's layout). The ``operations`` column gives methods in the client / operations in the spec. The exit status is 0 when no document crashed or produced
broken code.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = ROOT.parent / "shared" / "corpus"
SUFFIXES = (".yaml", ".yml", ".json", ".json.gz")
_YAML_VERSION = re.compile(r"""^["']?(openapi|swagger)["']?\s*:""", re.MULTILINE)
BROKEN = ("crash", "compile", "import", "mypy", "timeout", "dropped", "black")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")


@dataclass
class Outcome:
    document: str
    outcome: str
    seconds: float
    detail: str = ""
    operations: str = ""


def count_operations(spec: Path) -> int:
    """Operations in the spec: every HTTP method of every path item, path items ``$ref`` followed."""
    sys.path.insert(0, str(ROOT))
    from generator.load import Spec  # the generator's own loader, for multi-file documents

    loaded = Spec(spec, max_bytes=1 << 30)
    paths = loaded.top.get("paths")
    total = 0
    for _, item in paths.items() if paths is not None else ():
        item = loaded.deref(item)
        if isinstance(item.value, dict):
            total += sum(1 for method in HTTP_METHODS if isinstance(item.value.get(method), dict))
    return total


def count_methods(package: Path) -> int:
    """Operation methods in the client: plain methods of the sync resource classes."""
    import ast

    total = 0
    for file in (package / "resources").rglob("*.py"):
        for node in ast.parse(file.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", "") == "SyncAPIResource" for b in node.bases):
                total += sum(
                    1
                    for item in node.body
                    if isinstance(item, ast.FunctionDef) and not item.decorator_list and not item.name.startswith("_")
                )
    return total


def is_document(path: Path) -> bool:
    """Whether ``path`` is a whole OpenAPI/Swagger document rather than a fragment or other data."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                text = fh.read()
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if path.name.endswith((".json", ".json.gz")):
        try:
            data = json.loads(text)
        except ValueError:
            return False
        return isinstance(data, dict) and ("openapi" in data or "swagger" in data)
    return _YAML_VERSION.search(text) is not None


def documents(folder: Path) -> list[Path]:
    found = [p for p in folder.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES) and is_document(p)]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def _first_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:] if lines and lines[0].startswith("Traceback") else lines[:count])


def _run(
    args: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


def run_one(
    spec: Path,
    folder: Path,
    work: Path,
    *,
    mypy: bool,
    skip_validation: bool,
    timeout: float,
    cache: Path,
    black: bool = False,
) -> Outcome:
    name = spec.relative_to(folder).as_posix()
    start = time.perf_counter()
    out = work / "out"
    try:
        source = spec
        if spec.name.endswith(".gz"):
            source = work / spec.name[: -len(".gz")]
            with gzip.open(spec, "rb") as fh:
                source.write_bytes(fh.read())
        args = [sys.executable, "-m", "generator", "generate", str(source), "--output", str(out)]
        if skip_validation:
            args.append("--skip-validation")
        gen = _run(args, work, timeout, {"PYTHONPATH": str(ROOT)})
        if gen.returncode == 2:
            errors = [line for line in gen.stderr.splitlines() if line.startswith("error:")]
            return Outcome(
                name, "refused", time.perf_counter() - start, _first_lines("\n".join(errors) or gen.stderr, 2)
            )
        if gen.returncode != 0:
            return Outcome(name, "crash", time.perf_counter() - start, _first_lines(gen.stderr))
        packages = sorted(p.parent.name for p in out.glob("*/__init__.py"))
        if len(packages) != 1:
            return Outcome(name, "crash", time.perf_counter() - start, f"expected one package, found {packages}")
        package = packages[0]
        for file in sorted((out / package).rglob("*.py")):
            try:
                compile(file.read_text(encoding="utf-8"), str(file), "exec")
            except SyntaxError as exc:
                return Outcome(
                    name, "compile", time.perf_counter() - start, f"{file.relative_to(out)}:{exc.lineno}: {exc.msg}"
                )
        code = (
            "import importlib, pkgutil, sys\n"
            f"pkg = importlib.import_module({package!r})\n"
            "for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
            "    importlib.import_module(info.name)\n"
        )
        imported = _run([sys.executable, "-c", code], out, timeout, {"PYTHONPATH": str(out)})
        if imported.returncode != 0:
            return Outcome(name, "import", time.perf_counter() - start, _first_lines(imported.stderr))
        if mypy:
            checked = _run(
                [
                    sys.executable,
                    "-m",
                    "mypy",
                    "--strict",
                    "--no-error-summary",
                    "--cache-dir",
                    str(cache),
                    "-p",
                    package,
                ],
                out,
                timeout,
                {"MYPYPATH": str(out)},
            )
            if checked.returncode != 0:
                errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
                return Outcome(
                    name,
                    "mypy",
                    time.perf_counter() - start,
                    f"{len(errors)} error(s): " + _first_lines("\n".join(errors) or checked.stderr, 2),
                )
        if black:
            checked = _run([sys.executable, "-m", "black", "--check", "--workers", "1", package], out, timeout)
            if checked.returncode != 0:
                changed = [line for line in checked.stderr.splitlines() if line.startswith("would reformat")]
                return Outcome(
                    name,
                    "black",
                    time.perf_counter() - start,
                    f"{len(changed)} file(s): " + _first_lines("\n".join(changed) or checked.stderr, 2),
                )
        methods, operations = count_methods(out / package), count_operations(source)
        counted = f"{methods}/{operations}"
        if methods < operations:
            return Outcome(name, "dropped", time.perf_counter() - start, counted, counted)
        return Outcome(name, "ok", time.perf_counter() - start, "", counted)
    except subprocess.TimeoutExpired as exc:
        return Outcome(
            name,
            "timeout",
            time.perf_counter() - start,
            f"{exc.cmd[2] if len(exc.cmd) > 2 else exc.cmd} took over {timeout:.0f}s",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "folder", nargs="?", type=Path, default=DEFAULT_FOLDER, help="folder to walk (default: ../shared/corpus)"
    )
    parser.add_argument("--mypy", action="store_true", help="also run mypy --strict on each generated package")
    parser.add_argument(
        "--black", action="store_true", help="also check that black would leave the generated code unchanged"
    )
    parser.add_argument("--skip-validation", action="store_true", help="pass --skip-validation to oagen")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="documents processed in parallel")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per step of one document")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep each generated client under DIR/<document>")
    parser.add_argument("--filter", metavar="TEXT", help="only documents whose path contains TEXT")
    args = parser.parse_args(argv)

    folder = args.folder.resolve()
    if not folder.is_dir():
        parser.error(f"{args.folder}: not a directory")
    specs = [s for s in documents(folder) if not args.filter or args.filter in s.relative_to(folder).as_posix()]
    if not specs:
        print(f"no OpenAPI documents under {args.folder}", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory(prefix="oagen-corpus-") as tmp:
        base = Path(tmp)
        cache = base / "mypy-cache"

        def job(index: int, spec: Path) -> Outcome:
            work = base / str(index)
            work.mkdir()
            result = run_one(
                spec,
                folder,
                work,
                mypy=args.mypy,
                skip_validation=args.skip_validation,
                timeout=args.timeout,
                cache=cache,
                black=args.black,
            )
            if args.keep and (work / "out").is_dir():
                target = args.keep / result.document.replace("/", "__")
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(work / "out", target)
            shutil.rmtree(work, ignore_errors=True)
            return result

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(job, i, s) for i, s in enumerate(specs)]
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                r = future.result()
                print(
                    f"[{done}/{len(specs)}] {r.document}: {r.outcome} ({r.seconds:.1f}s)", file=sys.stderr, flush=True
                )
            results = [f.result() for f in futures]
        wall = time.perf_counter() - started

    width = max(len(r.document) for r in results)
    print(f"{'document':<{width}}  {'outcome':<8}  {'seconds':>7}  {'operations':>10}  detail")
    for r in results:
        print(f"{r.document:<{width}}  {r.outcome:<8}  {r.seconds:>7.1f}  {r.operations:>10}  {r.detail}".rstrip())
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts, key=lambda k: (k != "ok", k)))
    checked = "import and pass mypy --strict" if args.mypy else "import"
    print(
        f"\n{len(results)} documents: {summary}; {counts.get('ok', 0)} {checked}. {wall:.0f}s wall time, {args.jobs} job(s)."
    )
    return 1 if any(r.outcome in BROKEN for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
