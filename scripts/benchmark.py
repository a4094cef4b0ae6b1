"""Benchmark oagen against openapi-python-client 0.29.1 on GitHub's and Stripe's OpenAPI documents.

    python scripts/benchmark.py [--runs N] [--specs github,stripe] [--opc-venv DIR] [--quick] [--keep DIR]

Run it with the Python that has oagen's dependencies (the repository's ``.venv``, used anyway when the
running interpreter is not a virtualenv). Only the standard library is used here.

The specs: ``../shared/corpus/github/api.github.com.json.gz`` (decompressed first) and
``../shared/corpus/real/stripe.yaml``, relative to the repository. The scenarios, for each:

* ``opc cold``: openapi-python-client 0.29.1 (installed with ruff into a scratch venv outside the
  repository, reused across runs), its default ruff post-hooks, ``--meta none``, a fresh output directory;
* ``oagen cold``: ``oagen generate`` into a fresh output directory with an empty cache;
* ``oagen no-change``: the same command again, same output, same cache;
* three single edits of the spec file itself, as a user makes them (a few characters inserted at one
  place, every other byte kept), each regenerated into the same output with the same cache and compared
  byte for byte with a cold generation (``--no-cache``, made beforehand) of the same edited file (the
  table also says how many output files the edit changes): ``edit: description`` appends " (changed)"
  to the description of the first component schema that has one; ``edit: +property`` adds a string
  property ``oagen_benchmark_added`` to the first component schema with properties; ``edit: +enum
  value`` appends ``oagen_benchmark_value`` to the first string enum (``type: string`` with an
  ``enum``) among the component schemas and their properties (each schema before its properties);
* ``import+client``: ``import PKG`` plus constructing the client in a fresh interpreter, for both tools'
  output (after one untimed warm-up, so bytecode is cached as it would be after installation).

One run of oagen's scenarios (fresh output and cache) is this sequence, so that each edit is a single
edit relative to the run the cache recorded last, a warm run of the original spec::

    cold, no-change, edit a, restore + regenerate, edit b, restore + regenerate, edit c, restore + regenerate

The regenerations of the restored spec are not timed; their output must equal the cold output of the
original (else that edit's row fails). oagen's own modules are byte-compiled first, as installing a
wheel does.

Each scenario runs N times (default 3) and the median is printed, with peak RSS, lines of Python
written, the oagen/opc ratios and the targets, PASS/FAIL on the GitHub spec: cold generation <= 0.6x
openapi-python-client's time; nothing changed <= 0.5 s; each single edit <= 3 s (stretch: 1.5 s) and
byte-identical to the cold generation of the edited spec; lines <= 1/3 of openapi-python-client's; peak
RSS <= 1 GiB; import + client <= 0.3 s. A failing generator is reported in the table (with the first
lines of its error), never as a crash of this script.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SPECS = {
    "github": CORPUS / "github" / "api.github.com.json.gz",
    "stripe": CORPUS / "real" / "stripe.yaml",
}
OPC_VERSION = "0.29.1"
DEFAULT_OPC_VENV = Path(tempfile.gettempdir()) / "oagen-bench-opc"
TIMEOUT = 1800.0  # seconds allowed for one command
MIB = 1024 * 1024

# targets (measured on the GitHub spec)
TARGET_COLD_RATIO = 0.6
TARGET_NO_CHANGE_S = 0.5
TARGET_EDIT_S = 3.0
STRETCH_EDIT_S = 1.5
TARGET_LINES_RATIO = 1 / 3
TARGET_RSS_MB = 1024.0
TARGET_IMPORT_S = 0.3


# --- running one command and measuring it -------------------------------------------------------------
#
# Each command is started by a small launcher process (LAUNCHER) that times it and reaps it with
# os.wait4, whose rusage belongs to that one command: on Linux its ru_maxrss is the largest RSS of any
# single process in the command's tree (the command or a descendant it waited for). The launcher is
# there because Linux counts in a child's ru_maxrss the high-water RSS of the process that started it
# (recorded at exec): started from this script, which parses specs and reads output trees, every command
# would weigh at least what this script ever weighed. ru_maxrss understates a pool of workers running
# at once, so the command's process tree is also polled from /proc every 0.1 s (no psutil:
# /proc/PID/stat gives the parent of every process, /proc/PID/statm the resident pages) and summed. That
# sum counts pages shared between forked workers once per process, so it errs high; the peak reported is
# the larger of the two, in MiB, and the /proc sampling can miss a spike shorter than 0.1 s (ru_maxrss
# does not).

LAUNCHER = r"""
import os, sys, time
report, args = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(args[0], args, os.environ)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    print(time.perf_counter() - start, os.waitstatus_to_exitcode(status), usage.ru_maxrss, file=fh)
"""


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # the command name (field 2) may contain spaces and parentheses: split after the last ')'
        rest = stat[stat.rfind(b")") + 2 :].split()
        if len(rest) > 1:
            children.setdefault(int(rest[1]), []).append(int(name))
    return children


def _descendants_rss(root: int, page: int) -> int:
    children = _children_map()
    total, todo = 0, list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(pid, ()))
    return total


@dataclass
class Run:
    ok: bool
    returncode: int
    seconds: float
    rss_mb: float
    stdout: str
    stderr: str
    timed_out: bool = False


def run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> Run:
    """Run ``args``, capture its output, and measure wall time and peak RSS (see above)."""
    page = os.sysconf("SC_PAGE_SIZE")
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory() as tmp:
        report, out, err = (Path(tmp) / name for name in ("report", "out", "err"))
        launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(report), *args]
        full_env = {**os.environ, **(env or {})}
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                launcher,
                cwd=cwd,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        peak, timed_out = 0, False
        while True:
            with contextlib.suppress(OSError, ValueError):  # a process vanished mid-scan: next tick
                peak = max(peak, _descendants_rss(proc.pid, page))
            try:
                proc.wait(0.1)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline and not timed_out:
                    timed_out = True
                    with contextlib.suppress(OSError):
                        os.killpg(proc.pid, signal.SIGKILL)
        try:  # no report: the launcher could not start the command, or was killed
            seconds, code, maxrss = report.read_text().split()
        except (OSError, ValueError):
            seconds, code, maxrss = "0", str(proc.returncode or -1), "0"
        stdout_text, stderr_text = (p.read_bytes().decode("utf-8", "replace") for p in (out, err))
    returncode = int(code)
    rss = max(peak, int(maxrss) * 1024) / MIB  # ru_maxrss: KiB on Linux
    return Run(returncode == 0 and not timed_out, returncode, float(seconds), rss, stdout_text, stderr_text, timed_out)


def _first_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if lines and lines[0].startswith(("Traceback", "\u256d")):  # a plain or a rich (boxed) traceback: its end
        return " | ".join(lines[-count:])
    errors = [line for line in lines if line.lower().startswith(("error", "fatal"))]
    return " | ".join((errors or lines)[:count])[:300]


def count_lines(root: Path) -> int:
    total = 0
    for path in root.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        with path.open("rb") as fh:
            total += sum(1 for _ in fh)
    return total


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def diff_trees(a: Path, b: Path) -> list[str]:
    """The files (relative paths) that differ between two trees or are in only one of them."""
    left, right = tree_bytes(a), tree_bytes(b)
    return sorted(k for k in set(left) | set(right) if left.get(k) != right.get(k))


def describe(differ: list[str]) -> str:
    return f"{len(differ)} file(s) differ (e.g. {', '.join(differ[:3])})"


# --- the scratch venv with openapi-python-client ------------------------------------------------------


def venv_bin(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def ensure_opc(venv: Path) -> tuple[Path | None, str]:
    """(the venv's bin directory, note) with openapi-python-client==0.29.1 and ruff installed, or (None, why)."""
    bindir = venv_bin(venv)
    python = bindir / "python"
    exe = bindir / "openapi-python-client"
    if exe.exists() and (bindir / "ruff").exists():
        got = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
        if OPC_VERSION in got.stdout:
            return bindir, f"reused {venv}"
    try:
        if not python.exists():
            print(f"creating scratch venv {venv} ...", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, text=True)
        print(f"installing openapi-python-client=={OPC_VERSION} and ruff into {venv} ...", flush=True)
        packages = [f"openapi-python-client=={OPC_VERSION}", "ruff"]
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages]
        subprocess.run(pip, check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        return None, f"could not set up {venv}: {_first_lines(exc.stderr or exc.stdout or str(exc))}"
    except OSError as exc:
        return None, f"could not set up {venv}: {exc}"
    return bindir, f"installed into {venv}"


def oagen_python() -> str:
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    local = venv_bin(ROOT / ".venv") / "python"
    return sys.executable if in_venv or not local.exists() else str(local)


# --- the three single edits ---------------------------------------------------------------------------
#
# Each edit inserts a few characters at one place of the spec's text; every other byte stays. A member of
# a mapping is addressed by a span of the text: in JSON the span of its value (found with the json module's
# own scanner), in YAML (no parser in the standard library) the span from its key's line to the end of its
# last line, found by indentation, which covers block-style YAML as GitHub's and Stripe's specs are written.

ADDED_PROPERTY = "oagen_benchmark_added"
ADDED_ENUM_VALUE = "oagen_benchmark_value"
Span = tuple[int, int]
_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\r\n]*")


def _skip(text: str, pos: int) -> int:
    """The position of the first character at or after ``pos`` that is not JSON whitespace."""
    match = _WS.match(text, pos)
    return match.end() if match else pos


class JsonText:
    def __init__(self, text: str) -> None:
        self.text = text

    def members(self, span: Span | None = None) -> dict[str, Span]:
        """The members of the object at ``span`` (default: the document): key -> span of its value."""
        text = self.text
        pos = _skip(text, 0) if span is None else span[0]
        found: dict[str, Span] = {}
        if text[pos] != "{":
            return found
        pos = _skip(text, pos + 1)
        while text[pos] == '"':
            key, pos = _DECODER.raw_decode(text, pos)
            start = _skip(text, _skip(text, pos) + 1)  # past the ':'
            end = _DECODER.raw_decode(text, start)[1]
            found[key] = (start, end)
            pos = _skip(text, end)
            if text[pos] == ",":
                pos = _skip(text, pos + 1)
        return found

    def value(self, span: Span) -> object:
        return _DECODER.raw_decode(self.text, span[0])[0]

    def insert(self, at: int, what: str) -> str:
        new = self.text[:at] + what + self.text[at:]
        json.loads(new)  # still JSON
        return new

    def append_text(self, span: Span, suffix: str) -> str:
        return self.insert(span[1] - 1, json.dumps(suffix, ensure_ascii=False)[1:-1])  # before the closing quote

    def add_property(self, span: Span, name: str) -> str:
        indent = self.text[span[0] + 1 : _skip(self.text, span[0] + 1)]  # as between '{' and the first member
        return self.insert(span[0] + 1, f'{indent}{json.dumps(name)}: {{"type": "string"}},')

    def append_item(self, span: Span, item: str) -> str:
        indent = self.text[span[0] + 1 : _skip(self.text, span[0] + 1)]  # as between '[' and the first item
        end = span[1] - 1
        while self.text[end - 1] in " \t\r\n":
            end -= 1
        return self.insert(end, f",{indent}{json.dumps(item)}")


class YamlText:
    def __init__(self, text: str) -> None:
        self.text = text

    def members(self, span: Span | None = None) -> dict[str, Span]:
        """The members of the block mapping under the member at ``span`` (default: the document)."""
        text = self.text
        pos, stop = (0, len(text)) if span is None else (text.find("\n", span[0], span[1]) + 1, span[1])
        found: dict[str, Span] = {}
        if span is not None and pos == 0:  # the value is on the key's line
            return found
        level = key = None
        while pos < stop:
            eol = text.find("\n", pos, stop)
            eol = stop if eol < 0 else eol
            line = text[pos:eol]
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                indent = len(line) - len(line.lstrip(" "))
                level = indent if level is None else level
                if indent < level:
                    break
                end = pos + len(line.rstrip())
                if indent == level and not re.match(r"-(\s|$)", stripped):  # a key, not a sequence item
                    key = stripped.split(":", 1)[0].strip().strip("'\"")
                    found[key] = (pos, end)
                elif key is not None:
                    found[key] = (found[key][0], end)
            pos = eol + 1
        return found

    def _inline(self, span: Span) -> str:
        """What is written after the member's key on its line."""
        eol = self.text.find("\n", span[0], span[1])
        return self.text[span[0] : span[1] if eol < 0 else eol].partition(":")[2].strip()

    def value(self, span: Span) -> str:
        return self._inline(span).strip("'\"")

    def _first_indent(self, span: Span) -> str:
        """The indentation of the first line under the member's key line."""
        lines = self.text[self.text.find("\n", span[0], span[1]) + 1 : span[1]].splitlines()
        first = next(line for line in lines if line.strip())
        return first[: len(first) - len(first.lstrip(" "))]

    def insert(self, at: int, what: str) -> str:
        return self.text[:at] + what + self.text[at:]

    def append_text(self, span: Span, suffix: str) -> str:
        quote = self._inline(span)[:1]
        at = span[1] - 1 if quote in ("'", '"') and self.text[span[1] - 1] == quote else span[1]
        return self.insert(at, suffix)

    def add_property(self, span: Span, name: str) -> str:
        first = next(iter(self.members(span).values()))[0]
        indent = self._first_indent(span)
        return self.insert(first, f"{indent}{name}:\n{indent}  type: string\n")

    def append_item(self, span: Span, item: str) -> str:
        if self._inline(span).startswith("["):  # a flow sequence: before its ']'
            return self.insert(span[1] - 1, f", {item}")
        return self.insert(span[1], f"\n{self._first_indent(span)}- {item}")


Doc = JsonText | YamlText


def _schemas(doc: Doc) -> dict[str, Span]:
    return doc.members(doc.members(doc.members()["components"])["schemas"])


def edit_description(doc: Doc) -> tuple[str, str]:
    for name, span in _schemas(doc).items():
        description = doc.members(span).get("description")
        if description is not None:
            return doc.append_text(description, " (changed)"), f"' (changed)' appended to the description of {name}"
    raise LookupError("no component schema has a description")


def edit_property(doc: Doc) -> tuple[str, str]:
    for name, span in _schemas(doc).items():
        properties = doc.members(span).get("properties")
        if properties is not None and doc.members(properties):
            return doc.add_property(properties, ADDED_PROPERTY), f"string property {ADDED_PROPERTY} added to {name}"
    raise LookupError("no component schema has properties")


def edit_enum(doc: Doc) -> tuple[str, str]:
    for name, span in _schemas(doc).items():
        schema = doc.members(span)
        places = [(name, schema)]
        if "properties" in schema:
            places += [(f"{name}.{p}", doc.members(s)) for p, s in doc.members(schema["properties"]).items()]
        for where, members in places:
            if "enum" in members and "type" in members and doc.value(members["type"]) == "string":
                return (
                    doc.append_item(members["enum"], ADDED_ENUM_VALUE),
                    f"{ADDED_ENUM_VALUE} appended to the enum of {where}",
                )
    raise LookupError("no component schema or property of one is a string enum")


EDITS: dict[str, Callable[[Doc], tuple[str, str]]] = {
    "edit: description": edit_description,
    "edit: +property": edit_property,
    "edit: +enum value": edit_enum,
}


# --- scenarios ----------------------------------------------------------------------------------------


@dataclass
class Row:
    spec: str
    tool: str
    scenario: str
    times: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    lines: int | None = None
    failures: list[str] = field(default_factory=list)
    note: str = ""
    identical: list[bool] = field(default_factory=list)  # edits: warm output == cold output, per run

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def peak_rss(self) -> float | None:
        return max(self.rss) if self.rss else None

    def add(self, result: Run, what: str = "") -> bool:
        if result.ok:
            self.times.append(result.seconds)
            self.rss.append(result.rss_mb)
            return True
        why = "timed out" if result.timed_out else f"exit {result.returncode}"
        self.failures.append(f"{what}{why}: {_first_lines(result.stderr or result.stdout)}")
        return False


def opc_warnings(text: str) -> int:
    return len(re.findall(r"^WARNING parsing |^Unable to process schema ", text, re.MULTILINE))


def oagen_warnings(text: str) -> int:
    return len(re.findall(r"^warning", text, re.MULTILINE | re.IGNORECASE))


def find_package(out: Path) -> str | None:
    packages = sorted(p.parent.name for p in out.glob("*/__init__.py"))
    return packages[0] if len(packages) == 1 else None


IMPORT_CODE = r"""
import importlib, inspect, sys, time
name = sys.argv[1]
t0 = time.perf_counter()
pkg = importlib.import_module(name)
t1 = time.perf_counter()
cls = None
for modname in (name + "._client", name + ".client"):
    try:
        mod = importlib.import_module(modname)
    except ImportError:
        continue
    found = [c for n, c in vars(mod).items() if inspect.isclass(c) and c.__module__ == mod.__name__
             and not n.startswith(("_", "Async", "Authenticated"))]
    exported = set(getattr(pkg, "__all__", ()))
    found.sort(key=lambda c: (c.__name__ != "Client", c.__name__ not in exported))
    if found:
        cls = found[0]
        break
built = "no client class found"
if cls is not None:
    kwargs = {}
    for p in inspect.signature(cls).parameters.values():
        if p.name == "base_url":
            kwargs["base_url"] = "http://localhost"
        elif p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            kwargs[p.name] = "x"
    try:
        cls(**kwargs)
        built = cls.__name__
    except Exception as exc:
        built = f"{cls.__name__}() failed: {type(exc).__name__}"
t2 = time.perf_counter()
print(f"{t1 - t0:.6f} {t2 - t0:.6f} {built}")
"""


def time_import(row: Row, python: str, out: Path, package: str, runs: int, cwd: Path) -> None:
    env = {"PYTHONPATH": str(out)}
    args = [python, "-c", IMPORT_CODE, package]
    warm = run(args, cwd=cwd, env=env, timeout=600)  # untimed: writes the bytecode cache
    if not warm.ok:
        row.add(warm, "warm-up import: ")
        return
    imports = []
    for _ in range(runs):
        result = run(args, cwd=cwd, env=env, timeout=600)
        if not row.add(result, "import: "):
            continue
        row.times.pop()  # replaced by the time measured inside the interpreter
        try:
            only, total, built = result.stdout.strip().splitlines()[-1].split(" ", 2)
        except (IndexError, ValueError):
            row.rss.pop()
            row.failures.append(f"unexpected output: {result.stdout[-200:]!r}")
            continue
        row.times.append(float(total))
        imports.append(float(only))
        row.note = f"import alone {statistics.median(imports):.3f}s; client: {built}"


def slug(name: str) -> str:
    return re.sub(r"\W+", "-", name).strip("-")


def bench_spec(
    key: str, source: Path, args: argparse.Namespace, opc_bin: Path | None, opc_note: str, work: Path, python: str
) -> tuple[list[Row], list[str]]:
    notes: list[str] = []
    spec_dir = work / key
    spec_dir.mkdir()
    spec = spec_dir / source.name.removesuffix(".gz")
    original = gzip.decompress(source.read_bytes()) if source.name.endswith(".gz") else source.read_bytes()
    spec.write_bytes(original)

    opc_cold, opc_import = Row(key, "opc", "cold"), Row(key, "opc", "import+client")
    cold, nochange, oagen_import = (
        Row(key, "oagen", "cold"),
        Row(key, "oagen", "no-change"),
        Row(key, "oagen", "import+client"),
    )
    edit_rows = {name: Row(key, "oagen", name) for name in EDITS}
    rows = [opc_cold, cold, nochange, *edit_rows.values(), oagen_import, opc_import]

    edited: dict[str, bytes] = {}
    doc_class = JsonText if spec.suffix == ".json" else YamlText
    for name, make in EDITS.items():
        try:
            text, what = make(doc_class(original.decode("utf-8")))
        except Exception as exc:  # noqa: BLE001 - reported in the table
            edit_rows[name].failures.append(f"could not make the edit: {type(exc).__name__}: {exc}")
            continue
        edited[name] = text.encode("utf-8")
        (spec_dir / f"{slug(name)}.{spec.name}").write_bytes(edited[name])  # for --keep
        notes.append(f"{key}: {name}: {what}")

    # -- openapi-python-client --------------------------------------------------------------------
    opc_out: Path | None = None
    if opc_bin is None:
        opc_cold.failures.append(opc_note)
    else:
        env = {"PATH": str(opc_bin) + os.pathsep + os.environ.get("PATH", ""), "VIRTUAL_ENV": str(opc_bin.parent)}
        for i in range(args.runs):
            out = spec_dir / f"opc-{i}" / "opc_client"  # with --meta none this folder is the package
            out.parent.mkdir()
            print(f"  [{key}] opc cold run {i + 1}/{args.runs} ...", flush=True)
            exe = str(opc_bin / "openapi-python-client")
            cmd = [exe, "generate", "--path", str(spec), "--meta", "none", "--output-path", str(out), "--overwrite"]
            result = run(cmd, cwd=spec_dir, env=env)
            if not opc_cold.add(result):
                break
            opc_cold.lines = count_lines(out)
            opc_cold.note = f"{opc_warnings(result.stdout + result.stderr)} warnings"
            if opc_out is None:
                opc_out = out
            else:
                shutil.rmtree(out.parent, ignore_errors=True)

    # -- oagen ------------------------------------------------------------------------------------
    base = [python, "-m", "generator"]
    gen_env = {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    print(f"  [{key}] oagen validate ...", flush=True)
    validated = run(base + ["validate", str(spec)], cwd=spec_dir, env=gen_env)
    options = [] if validated.ok else ["--skip-validation"]
    verdict = "accepts the spec"
    if not validated.ok:
        why = _first_lines(validated.stderr or validated.stdout, 1)
        verdict = f"rejects the spec (exit {validated.returncode}: {why}), so --skip-validation is passed"
    notes.append(f"{key}: oagen validate {verdict} ({validated.seconds:.1f}s)")

    def oagen(out: Path, cache: Path | None, edited_to: bytes | None = None) -> Run:
        """``oagen generate`` of the spec (first edited to ``edited_to``, restored afterwards); no cache if None."""
        cmd = base + ["generate", str(spec), "--output", str(out), *options]
        cmd += ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
        if edited_to is None:  # the file is left untouched (its modification time too)
            return run(cmd, cwd=spec_dir, env=gen_env)
        spec.write_bytes(edited_to)
        try:
            return run(cmd, cwd=spec_dir, env=gen_env)
        finally:
            spec.write_bytes(original)

    references: dict[str, Path] = {}  # cold generations of the edited specs
    for name, content in edited.items():
        print(f"  [{key}] oagen cold generation of the spec after {name} (reference) ...", flush=True)
        reference = spec_dir / f"cold-{slug(name)}"
        result = oagen(reference, None, content)
        if result.ok:
            references[name] = reference
        else:
            edit_rows[name].failures.append("cold generation of the edited spec: " + _first_lines(result.stderr))

    pristine: Path | None = None  # the cold output of the original spec
    for i in range(args.runs):
        run_dir = spec_dir / f"oagen-{i}"
        out, cache = run_dir / "out", run_dir / "cache"
        cache.mkdir(parents=True)
        print(f"  [{key}] oagen run {i + 1}/{args.runs}: cold, no-change, {', '.join(references)} ...", flush=True)
        result = oagen(out, cache)
        if not cold.add(result):
            break
        cold.lines = count_lines(out)
        cold.note = f"{oagen_warnings(result.stderr)} warnings"
        if pristine is None:
            pristine = spec_dir / "oagen-cold"
            shutil.copytree(out, pristine)
        nochange.add(oagen(out, cache))
        for name, reference in references.items():
            row = edit_rows[name]
            if row.add(oagen(out, cache, edited[name])):
                differ = diff_trees(out, reference)
                row.identical.append(not differ)
                if differ:
                    shutil.copytree(out, spec_dir / f"warm-{slug(name)}-{i}")  # for --keep
                    row.failures.append("warm output is not the cold one: " + describe(differ))
            restored = oagen(out, cache)  # untimed: the last run recorded is the original spec's again
            if not restored.ok:
                row.failures.append("regenerating the restored spec: " + _first_lines(restored.stderr))
            elif differ := diff_trees(out, pristine):
                row.failures.append("restored spec regenerated warm is not its cold output: " + describe(differ))
        if i + 1 < args.runs:
            shutil.rmtree(run_dir, ignore_errors=True)
    for name, reference in references.items():
        row = edit_rows[name]
        row.note = "identical to cold" if row.identical and all(row.identical) else "NOT shown identical to cold"
        if pristine is not None:
            row.note += f"; the edit changes {len(diff_trees(pristine, reference))} file(s)"

    # -- import time ------------------------------------------------------------------------------
    package = find_package(pristine) if pristine is not None else None
    if pristine is None or package is None:
        oagen_import.failures.append("no output" if pristine is None else "no single package in the output")
    else:
        print(f"  [{key}] import {package} (oagen) ...", flush=True)
        time_import(oagen_import, python, pristine, package, args.runs, spec_dir)
    if opc_out is not None and opc_bin is not None:
        print(f"  [{key}] import opc_client (openapi-python-client) ...", flush=True)
        time_import(opc_import, str(opc_bin / "python"), opc_out.parent, opc_out.name, args.runs, spec_dir)
    else:
        opc_import.failures.append("no output (generation failed)")
    return rows, notes


# --- report -------------------------------------------------------------------------------------------


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[Row]) -> None:
    header = ["spec", "tool", "scenario", "median s", "peak RSS MB", "lines", "runs", "note"]
    body = []
    for r in rows:
        note = r.note
        if r.failures:
            more = f" (+{len(r.failures) - 1} more)" if len(r.failures) > 1 else ""
            note = f"FAILED {r.failures[0]}{more}" + (f"; {note}" if note else "")
        median, rss, lines = _fmt(r.median, ".3f"), _fmt(r.peak_rss, ".0f"), _fmt(r.lines, ",")
        body.append([r.spec, r.tool, r.scenario, median, rss, lines, str(len(r.times)), note])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    widths[-1] = 0
    right = {3, 4, 5, 6}
    for line in [header, ["-" * w for w in widths[:-1]] + ["----"], *body]:
        cells = [c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(line, widths))]
        print("  ".join(cells).rstrip())


def find(rows: list[Row], spec: str, tool: str, scenario: str) -> Row | None:
    return next((r for r in rows if (r.spec, r.tool, r.scenario) == (spec, tool, scenario)), None)


def _ratios(rows: list[Row], key: str) -> tuple[float | None, float | None]:
    """oagen / openapi-python-client: cold generation time, lines."""
    opc, cold = find(rows, key, "opc", "cold"), find(rows, key, "oagen", "cold")
    if not (opc and cold and opc.median and opc.lines and cold.median is not None and cold.lines is not None):
        return None, None
    return cold.median / opc.median, cold.lines / opc.lines


def print_targets(rows: list[Row], specs: list[str]) -> None:
    print("\nRatios (oagen / openapi-python-client):")
    for key in specs:
        time_ratio, lines_ratio = _ratios(rows, key)
        print(f"  {key:<8} cold time {_fmt(time_ratio, '.2f')}x   lines {_fmt(lines_ratio, '.3f')}x")

    print("\nTargets (GitHub spec):")
    key = "github"
    if key not in specs:
        print("  (not measured: the GitHub spec was not run)")
        return

    def check(label: str, value: float | None, limit: float, shown: str, ok: bool = True) -> None:
        result = "n/a " if value is None else "PASS" if value <= limit and ok else "FAIL"
        print(f"  {result}  {label:<50}  {shown}")

    def seconds(scenario: str) -> float | None:
        row = find(rows, key, "oagen", scenario)
        return row.median if row else None

    cold_ratio, lines_ratio = _ratios(rows, key)
    check("cold generation <= 0.6x opc's time", cold_ratio, TARGET_COLD_RATIO, f"{_fmt(cold_ratio, '.2f')}x")
    value = seconds("no-change")
    check("nothing changed <= 0.5 s", value, TARGET_NO_CHANGE_S, f"{_fmt(value, '.3f')} s")
    all_identical = True
    slowest_edit: float | None = 0.0
    for name in EDITS:
        row = find(rows, key, "oagen", name)
        identical = row is not None and bool(row.identical) and all(row.identical) and not row.failures
        value = seconds(name)
        all_identical = all_identical and identical
        slowest_edit = None if value is None or slowest_edit is None else max(slowest_edit, value)
        shown = f"{_fmt(value, '.3f')} s, {'identical' if identical else 'NOT shown identical'}"
        check(f"{name} <= 3 s, byte-identical to cold", value, TARGET_EDIT_S, shown, identical)
    shown = f"{_fmt(slowest_edit, '.3f')} s, the slowest"
    check("  stretch: each single edit <= 1.5 s", slowest_edit, STRETCH_EDIT_S, shown, all_identical)
    check("lines <= 1/3 of opc", lines_ratio, TARGET_LINES_RATIO, f"{_fmt(lines_ratio, '.3f')}x")
    oagen_rows = [r for r in rows if r.spec == key and r.tool == "oagen" and r.scenario != "import+client"]
    rss = max((r.peak_rss for r in oagen_rows if r.peak_rss is not None), default=None)
    check("peak RSS <= 1 GiB (any oagen run)", rss, TARGET_RSS_MB, f"{_fmt(rss, '.0f')} MB")
    value = seconds("import+client")
    check("import + client <= 0.3 s", value, TARGET_IMPORT_S, f"{_fmt(value, '.3f')} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario; medians are reported (default 3)")
    parser.add_argument("--specs", default="github,stripe", help="comma-separated, from: " + ", ".join(SPECS))
    parser.add_argument(
        "--opc-venv",
        type=Path,
        default=DEFAULT_OPC_VENV,
        help="scratch venv for openapi-python-client (default: <tmp>/oagen-bench-opc)",
    )
    parser.add_argument("--quick", action="store_true", help="one run, GitHub only")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the work directory (specs, outputs) under DIR")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.specs = 1, "github"
    args.runs = max(1, args.runs)
    specs = [s.strip() for s in args.specs.split(",") if s.strip()]
    unknown = [s for s in specs if s not in SPECS]
    if unknown:
        parser.error(f"unknown spec(s) {', '.join(unknown)}; choose from {', '.join(SPECS)}")
    missing = [f"{k}: {SPECS[k]}" for k in specs if not SPECS[k].is_file()]
    if missing:
        print("missing corpus document(s): " + "; ".join(missing), file=sys.stderr)
        return 1
    opc_venv = args.opc_venv.resolve()
    if opc_venv == ROOT or ROOT in opc_venv.parents:
        parser.error("--opc-venv must be outside the repository")

    load_before = os.getloadavg()
    started = time.perf_counter()
    opc_bin, opc_note = ensure_opc(opc_venv)
    python = oagen_python()
    # Byte-compiled as installing it from a wheel would (the scratch venv's openapi-python-client
    # is): an editable install run with PYTHONDONTWRITEBYTECODE would compile it on every run.
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "generator")], check=False, capture_output=True)
    print(f"openapi-python-client {OPC_VERSION}: {opc_note}")
    print(f"oagen: {python} -m generator (from {ROOT.name}/, byte-compiled first)", flush=True)

    rows: list[Row] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="oagen-bench-") as tmp:
        for key in specs:
            print(f"benchmarking {key} ({SPECS[key].relative_to(CORPUS.parent)}), {args.runs} run(s) ...", flush=True)
            try:
                got_rows, got_notes = bench_spec(key, SPECS[key], args, opc_bin, opc_note, Path(tmp), python)
            except Exception as exc:  # noqa: BLE001 - keep the other specs and print what we have
                got_rows, got_notes = [
                    Row(key, "-", "-", failures=[f"benchmark error: {type(exc).__name__}: {exc}"])
                ], []
            rows += got_rows
            notes += got_notes
        if args.keep:
            shutil.copytree(tmp, args.keep / "oagen-bench", dirs_exist_ok=True)

    loads = ["/".join(f"{x:.2f}" for x in load) for load in (load_before, os.getloadavg())]
    print(
        f"\nBenchmark: {args.runs} run(s) per scenario, medians; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; "
        f"load average (1/5/15 min) at start {loads[0]}, at end {loads[1]}; {time.perf_counter() - started:.0f} s in all"
    )
    print("peak RSS = max(largest single process: wait4 ru_maxrss; sum over the process tree polled from /proc)\n")
    print_table(rows)
    print_targets(rows, specs)
    if notes:
        print("\nNotes:")
        for note in notes:
            print(f"  {note}")
    return 1 if any(r.failures for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
