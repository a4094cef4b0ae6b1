"""Benchmark oagen against openapi-python-client 0.29.1 on GitHub's and Stripe's OpenAPI documents.

    python scripts/benchmark.py [--runs N] [--specs github,stripe] [--opc-venv DIR] [--quick] [--keep DIR]

Run it with the Python that has oagen's dependencies (the repository's ``.venv``); if the running
interpreter is not a virtualenv and ``.venv`` exists next to this script's repository, that one is
used to run the generator.

What it does, for each spec (``../shared/corpus/github/api.github.com.json.gz``, decompressed to a
temporary file first, and ``../shared/corpus/real/stripe.yaml``, both relative to the repository):

* ``opc cold``: openapi-python-client 0.29.1 (installed with ruff into a scratch venv outside the
  repository, reused across runs) with its default ruff post-hooks, ``--meta none``, into a fresh
  output directory;
* ``oagen cold``: ``oagen generate`` into a fresh output directory with an empty cache;
* ``oagen no-change``: the same command again, same output, same cache;
* ``oagen 1-schema``: the description of one component schema changed (" (changed)" appended to the
  first schema that has a description) in the spec file itself, as a user edits it, regenerated into
  the same output with the same cache (the spec file is restored after each run); the
  result is then compared with a cold generation of the changed spec into another directory
  (byte-identical trees expected);
* ``oagen 1-schema-struct``: then one property added to a component schema (the first with
  ``properties``; JSON re-serialised, YAML edited as text), written over the spec file and
  regenerated into the same output with the same cache, and compared with a cold generation of that spec (a structural change: oagen's full
  path with its caches, where a description change takes the incremental one);
* ``import``: ``import PKG`` plus constructing the client in a fresh interpreter, for both tools'
  output (one untimed warm-up first, so bytecode is cached as it would be after installation).

oagen's own modules are byte-compiled first (``compileall``), as installing a wheel does.

Each scenario runs N times (default 3) and the median is printed, with peak RSS, lines of Python
written, the oagen/opc ratios and the targets of issue 6 with PASS/FAIL. A failing generator is
reported in the table (with the first lines of its error), never a crash of this script.

Only the standard library is used here.
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
import threading
import time
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

# targets of issue 6 (measured on the GitHub spec)
TARGET_COLD_RATIO = 1.0
TARGET_NO_CHANGE_S = 0.5
TARGET_ONE_SCHEMA_S = 1.5
TARGET_LINES_RATIO = 1 / 3
TARGET_RSS_MB = 1024.0
TARGET_IMPORT_S = 0.3


# --- running one command and measuring it -------------------------------------------------------------
#
# Peak RSS. `resource.getrusage(RUSAGE_CHILDREN).ru_maxrss` is a high-water mark over *all* children
# ever reaped, so it cannot be "deltaed" once a bigger child has run. Instead each command is started
# with Popen and reaped with os.wait4(pid), whose rusage belongs to that one child: on Linux its
# ru_maxrss is the largest RSS of any single process in the child's tree (the child or a descendant it
# waited for). That understates a pool of workers running at once, so a thread also polls /proc
# every 0.1 s (no psutil: /proc/PID/stat gives the parent of every process, /proc/PID/statm the
# resident pages) and sums the RSS of the child and all its descendants. That sum counts pages shared
# between forked workers once per process, so it errs high; the peak reported is the larger of the
# two, in MiB, and the /proc sampling can miss a spike shorter than 0.1 s (ru_maxrss does not).


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


def _tree_rss(root: int, page: int) -> int:
    children = _children_map()
    total, todo = 0, [root]
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
    full_env = {**os.environ, **(env or {})}
    poll_proc = Path("/proc/self/stat").exists()
    page = os.sysconf("SC_PAGE_SIZE") if poll_proc else 0
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(
                args, cwd=cwd, env=full_env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True
            )
        except OSError as exc:
            return Run(False, -1, 0.0, 0.0, "", f"cannot run {args[0]}: {exc}")
        peak = [0]
        done = threading.Event()
        timed_out = [False]

        def poll() -> None:
            while not done.wait(0.1):
                with contextlib.suppress(OSError, ValueError):  # a process vanished mid-scan: next tick
                    peak[0] = max(peak[0], _tree_rss(proc.pid, page))

        def kill() -> None:
            timed_out[0] = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass

        poller = threading.Thread(target=poll, daemon=True) if poll_proc else None
        if poller:
            poller.start()
        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            seconds = time.perf_counter() - start
            timer.cancel()
            done.set()
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not try to reap it again
        if poller:
            poller.join()
        maxrss = usage.ru_maxrss * 1024  # KiB on Linux
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    rss = max(peak[0], maxrss) / MIB
    return Run(proc.returncode == 0 and not timed_out[0], proc.returncode, seconds, rss, stdout, stderr, timed_out[0])


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


def compare_trees(a: Path, b: Path) -> tuple[bool, str]:
    left, right = tree_bytes(a), tree_bytes(b)
    only_left = sorted(set(left) - set(right))
    only_right = sorted(set(right) - set(left))
    differ = sorted(k for k in set(left) & set(right) if left[k] != right[k])
    if not (only_left or only_right or differ):
        return True, f"{len(left)} files identical"
    parts = []
    if differ:
        parts.append(f"{len(differ)} differ (e.g. {', '.join(differ[:3])})")
    if only_left:
        parts.append(f"{len(only_left)} only in warm (e.g. {', '.join(only_left[:3])})")
    if only_right:
        parts.append(f"{len(only_right)} only in cold (e.g. {', '.join(only_right[:3])})")
    return False, "; ".join(parts)


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
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"openapi-python-client=={OPC_VERSION}",
                "ruff",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        return None, f"could not set up {venv}: {_first_lines(exc.stderr or exc.stdout or str(exc))}"
    except OSError as exc:
        return None, f"could not set up {venv}: {exc}"
    return bindir, f"installed into {venv}"


def oagen_python() -> str:
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    local = venv_bin(ROOT / ".venv") / "python"
    return sys.executable if in_venv or not local.exists() else str(local)


# --- the changed spec ---------------------------------------------------------------------------------


def _change_json(text: str) -> tuple[str, str]:
    doc = json.loads(text)
    schemas = doc.get("components", {}).get("schemas", {})
    name = next((k for k, v in schemas.items() if isinstance(v, dict) and isinstance(v.get("description"), str)), None)
    if name is None:  # no schema has a description: give the first one a description
        name = next(iter(schemas))
        schemas[name]["description"] = "(changed)"
        return (
            json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
            f"{name}: description added (document re-serialised)",
        )
    desc = schemas[name]["description"]
    schemas[name]["description"] = desc + " (changed)"
    # edit the text in place so everything else stays byte-identical; check it by parsing
    key = text.find(json.dumps(name) + ":")
    for encoded in (json.dumps(desc, ensure_ascii=False), json.dumps(desc)):
        pos = text.find('"description": ' + encoded, key) if key >= 0 else -1
        if pos >= 0:
            end = pos + len('"description": ') + len(encoded) - 1
            changed = text[:end] + " (changed)" + text[end:]
            try:
                if json.loads(changed) == doc:
                    return changed, f"{name}: description + ' (changed)'"
            except ValueError:
                pass
    return (
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
        f"{name}: description + ' (changed)' (document re-serialised)",
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _change_yaml(text: str) -> tuple[str, str] | None:
    """Append " (changed)" to the first component schema's description, editing the text (no YAML parser here)."""
    lines = text.splitlines(keepends=True)
    i = next((n for n, line in enumerate(lines) if line.rstrip() == "components:"), None)
    if i is None:
        return None
    j = next((n for n in range(i + 1, len(lines)) if lines[n].strip() == "schemas:" and _indent(lines[n]) > 0), None)
    if j is None:
        return None
    level = _indent(lines[j])
    n = j + 1
    while n < len(lines):
        line = lines[n]
        if not line.strip() or line.lstrip().startswith("#"):
            n += 1
            continue
        if _indent(line) <= level:
            return None
        # a schema: its key at schema_level, its members deeper
        schema_level = _indent(line)
        name = line.strip().rstrip(":").strip("'\"")
        n += 1
        member = None
        while n < len(lines) and (not lines[n].strip() or _indent(lines[n]) > schema_level):
            if member is None and lines[n].strip():
                member = _indent(lines[n])
            if member is not None and _indent(lines[n]) == member and lines[n].lstrip().startswith("description:"):
                start = n
                value = lines[n].split(":", 1)[1].strip()
                last = n
                k = n + 1
                while k < len(lines) and (not lines[k].strip() or _indent(lines[k]) > member):
                    if lines[k].strip():
                        last = k
                    k += 1
                target = lines[last].rstrip("\r\n")
                eol = lines[last][len(target) :]
                if start == last and value[:1] in ("'", '"') and target.endswith(value[:1]):
                    target = target[:-1] + " (changed)" + value[:1]
                elif start == last and value[:1] in ("|", ">"):
                    return None  # a block scalar with no content: leave it
                elif value[:1] in ("'", '"') and target.endswith(value[:1]):
                    target = target[:-1] + " (changed)" + value[:1]
                else:
                    target = target + " (changed)"
                lines[last] = target + eol
                return "".join(lines), f"{name}: description + ' (changed)'"
            n += 1
    return None


def make_changed(spec: Path, dest: Path) -> str:
    text = spec.read_text(encoding="utf-8")
    if spec.suffix == ".json":
        changed, note = _change_json(text)
    else:
        got = _change_yaml(text)
        if got is None:
            raise RuntimeError(f"found no component schema description to change in {spec.name}")
        changed, note = got
    dest.write_text(changed, encoding="utf-8")
    return note


ADDED_PROPERTY = "oagen_benchmark_added"


def _structural_yaml(text: str) -> tuple[str, str] | None:
    """Add a string property to the first component schema with ``properties`` (a text edit)."""
    lines = text.splitlines(keepends=True)
    i = next((n for n, line in enumerate(lines) if line.rstrip() == "components:"), None)
    j = next((n for n in range(i + 1, len(lines)) if lines[n].strip() == "schemas:"), None) if i is not None else None
    if j is None:
        return None
    for n in range(j + 1, len(lines)):
        if lines[n].strip() and _indent(lines[n]) <= _indent(lines[j]):
            return None  # past the schemas
        if lines[n].strip() == "properties:":
            k = next((m for m in range(n + 1, len(lines)) if lines[m].strip()), None)
            if k is None or _indent(lines[k]) <= _indent(lines[n]):
                continue
            pad = " " * _indent(lines[k])
            schema = next(
                lines[m].strip().rstrip(":") for m in range(n - 1, j, -1) if _indent(lines[m]) == _indent(lines[j + 1])
            )
            added = [f"{pad}{ADDED_PROPERTY}:\n", f"{pad}  type: string\n"]
            return "".join(lines[: n + 1] + added + lines[n + 1 :]), f"{schema}: property {ADDED_PROPERTY} added"
    return None


def make_structural(spec: Path, dest: Path) -> str:
    """``spec`` with one property added to one component schema, written to ``dest``."""
    text = spec.read_text(encoding="utf-8")
    if spec.suffix == ".json":
        doc = json.loads(text)
        schemas = doc.get("components", {}).get("schemas", {})
        name = next(k for k, v in schemas.items() if isinstance(v, dict) and isinstance(v.get("properties"), dict))
        schemas[name]["properties"][ADDED_PROPERTY] = {"type": "string"}
        dest.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return f"{name}: property {ADDED_PROPERTY} added (document re-serialised)"
    got = _structural_yaml(text)
    if got is None:
        raise RuntimeError(f"found no component schema with properties in {spec.name}")
    dest.write_text(got[0], encoding="utf-8")
    return got[1]


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


def path_taken(stderr: str) -> str:
    """Which of oagen's paths a run took, from what it said."""
    if "a few schemas changed" in stderr:
        return "schemas rebuilt"
    if "only descriptions changed" in stderr:
        return "prose only"
    if "up to date" in stderr:
        return "up to date"
    return "full"


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
    if not row.add(warm, "warm-up import: "):
        row.times.clear()
        row.rss.clear()
        return
    row.times.clear()
    row.rss.clear()
    imports = []
    for _ in range(runs):
        result = run(args, cwd=cwd, env=env, timeout=600)
        if not result.ok:
            row.add(result, "import: ")
            continue
        try:
            only, total, built = result.stdout.strip().splitlines()[-1].split(" ", 2)
        except (IndexError, ValueError):
            row.failures.append(f"unexpected output: {result.stdout[-200:]!r}")
            continue
        row.times.append(float(total))
        row.rss.append(result.rss_mb)
        imports.append(float(only))
        row.note = f"import alone {statistics.median(imports):.3f}s; client: {built}"
    row.lines = None


def bench_spec(
    key: str, source: Path, args: argparse.Namespace, opc_bin: Path | None, opc_note: str, work: Path, python: str
) -> tuple[list[Row], list[str]]:
    notes: list[str] = []
    rows: list[Row] = []
    spec_dir = work / key
    spec_dir.mkdir()
    if source.name.endswith(".gz"):
        spec = spec_dir / source.name[: -len(".gz")]
        with gzip.open(source, "rb") as fh:
            spec.write_bytes(fh.read())
    else:
        spec = spec_dir / source.name
        shutil.copyfile(source, spec)
    original = spec_dir / ("original-" + spec.name)
    shutil.copyfile(spec, original)
    changed = spec_dir / ("changed-" + spec.name)
    try:
        notes.append(f"{key}: changed schema {make_changed(spec, changed)}")
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        notes.append(f"{key}: could not make the changed spec: {exc}")
        changed = None
    structural: Path | None = spec_dir / ("structural-" + spec.name)
    try:
        assert changed is not None, "no changed spec to start from"
        notes.append(f"{key}: structural change {make_structural(changed, structural)}")
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        notes.append(f"{key}: could not make the structurally changed spec: {exc}")
        structural = None

    # -- openapi-python-client --------------------------------------------------------------------
    opc_row = Row(key, "opc", "cold")
    opc_import = Row(key, "opc", "import+client")
    rows += [opc_row]
    opc_out: Path | None = None
    if opc_bin is None:
        opc_row.failures.append(opc_note)
    else:
        env = {"PATH": str(opc_bin) + os.pathsep + os.environ.get("PATH", ""), "VIRTUAL_ENV": str(opc_bin.parent)}
        for i in range(args.runs):
            out = spec_dir / f"opc-{i}" / "opc_client"  # with --meta none this folder is the package
            out.parent.mkdir()
            print(f"  [{key}] opc cold run {i + 1}/{args.runs} ...", flush=True)
            result = run(
                [
                    str(opc_bin / "openapi-python-client"),
                    "generate",
                    "--path",
                    str(spec),
                    "--meta",
                    "none",
                    "--output-path",
                    str(out),
                    "--overwrite",
                ],
                cwd=spec_dir,
                env=env,
            )
            if opc_row.add(result):
                opc_row.lines = count_lines(out)
                opc_row.note = f"{opc_warnings(result.stdout + result.stderr)} warnings"
                if opc_out is None:
                    opc_out = out
                else:
                    shutil.rmtree(out.parent, ignore_errors=True)
            else:
                break

    # -- oagen ------------------------------------------------------------------------------------
    cold = Row(key, "oagen", "cold")
    nochange = Row(key, "oagen", "no-change")
    onechange = Row(key, "oagen", "1-schema")
    onestruct = Row(key, "oagen", "1-schema-struct")
    oagen_import = Row(key, "oagen", "import+client")
    rows += [cold, nochange, onechange, onestruct, oagen_import, opc_import]
    base = [python, "-m", "generator"]
    gen_env = {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    got_help = run(base + ["generate", "--help"], cwd=spec_dir, env=gen_env, timeout=120)
    has_cache_flag = "--cache-dir" in got_help.stdout
    if not got_help.ok:
        cold.failures.append("oagen generate --help: " + _first_lines(got_help.stderr))
        return rows, notes

    print(f"  [{key}] oagen validate ...", flush=True)
    validated = run(base + ["validate", str(spec)], cwd=spec_dir, env=gen_env)
    skip = not validated.ok
    verdict = "accepts the spec"
    if skip:
        why = _first_lines(validated.stderr or validated.stdout, 1)
        verdict = f"rejects the spec (exit {validated.returncode}: {why}), so --skip-validation is passed"
    cache_via = "--cache-dir and OAGEN_CACHE_DIR" if has_cache_flag else "OAGEN_CACHE_DIR"
    notes.append(f"{key}: oagen validate {verdict} ({validated.seconds:.1f}s); cache via {cache_via}")

    def oagen(spec_path: Path, out: Path, cache: Path) -> Run:
        cmd = base + ["generate", str(spec_path), "--output", str(out)]
        if skip:
            cmd.append("--skip-validation")
        if has_cache_flag:
            cmd += ["--cache-dir", str(cache)]
        return run(cmd, cwd=spec_dir, env={**gen_env, "OAGEN_CACHE_DIR": str(cache)})

    reference: Path | None = None
    if changed is not None:
        print(f"  [{key}] oagen cold generation of the changed spec (reference) ...", flush=True)
        reference = spec_dir / "oagen-changed-cold" / "out"
        reference.parent.mkdir()
        ref = oagen(changed, reference, spec_dir / "oagen-changed-cold" / "cache")
        if not ref.ok:
            onechange.failures.append("cold generation of the changed spec: " + _first_lines(ref.stderr or ref.stdout))
            reference = None

    struct_reference: Path | None = None
    if structural is not None:
        print(f"  [{key}] oagen cold generation of the structurally changed spec (reference) ...", flush=True)
        struct_reference = spec_dir / "oagen-structural-cold" / "out"
        struct_reference.parent.mkdir()
        ref = oagen(structural, struct_reference, spec_dir / "oagen-structural-cold" / "cache")
        if not ref.ok:
            onestruct.failures.append("cold generation of the changed spec: " + _first_lines(ref.stderr or ref.stdout))
            struct_reference = None

    oagen_out: Path | None = None
    matches: list[str] = []
    struct_matches: list[str] = []
    paths: dict[str, list[str]] = {}
    for i in range(args.runs):
        struct_run: Run | None = None
        run_dir = spec_dir / f"oagen-{i}"
        run_dir.mkdir()
        out, cache = run_dir / "out", run_dir / "cache"
        cache.mkdir()
        print(f"  [{key}] oagen run {i + 1}/{args.runs}: cold, no-change, 1-schema, 1-schema-struct ...", flush=True)
        result = oagen(spec, out, cache)
        if not cold.add(result):
            break
        cold.lines = count_lines(out)
        cold.note = f"{oagen_warnings(result.stderr)} warnings"
        if oagen_out is None:
            # keep a pristine copy for the import test (later scenarios overwrite this output)
            oagen_out = spec_dir / "oagen-import"
            shutil.copytree(out, oagen_out)
        if not nochange.add(oagen(spec, out, cache)):
            continue
        if changed is None:
            continue
        # The user edits the spec (the same file: what the cache knows of it is kept by its path).
        shutil.copyfile(changed, spec)
        try:
            one_run = oagen(spec, out, cache)
            if not onechange.add(one_run):
                continue
            paths.setdefault("1-schema", []).append(path_taken(one_run.stderr))
            onechange.lines = count_lines(out)
            if reference is not None:
                same, detail = compare_trees(out, reference)
                matches.append("identical" if same else f"DIFFERENT ({detail})")
            if structural is not None:
                shutil.copyfile(structural, spec)
                struct_run = oagen(spec, out, cache)
        finally:
            shutil.copyfile(original, spec)
        if structural is not None and struct_run is not None:
            paths.setdefault("1-schema-struct", []).append(path_taken(struct_run.stderr))
        if structural is not None and onestruct.add(struct_run) and struct_reference is not None:
            same, detail = compare_trees(out, struct_reference)
            struct_matches.append("identical" if same else f"DIFFERENT ({detail})")
        if i + 1 < args.runs:
            shutil.rmtree(run_dir, ignore_errors=True)
    if paths:
        notes.append(f"{key}: path taken: " + "; ".join(f"{name}: {', '.join(taken)}" for name, taken in paths.items()))
    if matches:
        onechange.note = "vs cold of changed spec: " + ", ".join(sorted(set(matches)))
        notes.append(f"{key}: warm 1-schema output vs cold generation of the changed spec: {'; '.join(matches)}")
    if struct_matches:
        onestruct.note = "vs cold of changed spec: " + ", ".join(sorted(set(struct_matches)))
        notes.append(f"{key}: warm 1-schema-struct output vs cold generation of that spec: {'; '.join(struct_matches)}")

    # -- import time ------------------------------------------------------------------------------
    if oagen_out is not None:
        package = find_package(oagen_out)
        if package is None:
            oagen_import.failures.append("no single package in the output")
        else:
            print(f"  [{key}] import {package} (oagen) ...", flush=True)
            time_import(oagen_import, python, oagen_out, package, args.runs, spec_dir)
    else:
        oagen_import.failures.append("no output (generation failed)")
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
            note = ("FAILED " + r.failures[0] + (f" (+{len(r.failures) - 1} more)" if len(r.failures) > 1 else "")) + (
                f"; {note}" if note else ""
            )
        body.append(
            [
                r.spec,
                r.tool,
                r.scenario,
                _fmt(r.median, ".3f"),
                _fmt(r.peak_rss, ".0f"),
                _fmt(r.lines, ","),
                str(len(r.times)),
                note,
            ]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    widths[-1] = 0
    right = {3, 4, 5, 6}
    for line in [header, ["-" * w for w in widths[:-1]] + ["----"], *body]:
        cells = [c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(line, widths))]
        print("  ".join(cells).rstrip())


def find(rows: list[Row], spec: str, tool: str, scenario: str) -> Row | None:
    return next((r for r in rows if (r.spec, r.tool, r.scenario) == (spec, tool, scenario)), None)


def print_targets(rows: list[Row], specs: list[str]) -> None:
    print("\nRatios (oagen / openapi-python-client):")
    for key in specs:
        opc, cold = find(rows, key, "opc", "cold"), find(rows, key, "oagen", "cold")
        t = (cold.median / opc.median) if opc and cold and opc.median and cold.median is not None else None
        n = (cold.lines / opc.lines) if opc and cold and opc.lines and cold.lines is not None else None
        print(f"  {key:<8} cold time {_fmt(t, '.2f')}x   lines {_fmt(n, '.3f')}x")

    print("\nTargets of issue 6 (GitHub spec):")
    key = "github"
    if key not in specs:
        print("  (not measured: the GitHub spec was not run)")
        return
    opc, cold = find(rows, key, "opc", "cold"), find(rows, key, "oagen", "cold")
    nochange, one = find(rows, key, "oagen", "no-change"), find(rows, key, "oagen", "1-schema")
    struct = find(rows, key, "oagen", "1-schema-struct")
    imp = find(rows, key, "oagen", "import+client")
    oagen_rows = [r for r in rows if r.spec == key and r.tool == "oagen" and r.scenario != "import+client"]

    def verdict(value: float | None, limit: float, ok_extra: bool = True) -> str:
        if value is None:
            return "n/a "
        return "PASS" if value <= limit and ok_extra else "FAIL"

    cold_ratio = cold.median / opc.median if cold and opc and cold.median is not None and opc.median else None
    lines_ratio = cold.lines / opc.lines if cold and opc and cold.lines is not None and opc.lines else None
    rss = max((r.peak_rss for r in oagen_rows if r.peak_rss is not None), default=None)
    identical = one is not None and "DIFFERENT" not in one.note and "identical" in one.note
    struct_identical = struct is not None and "DIFFERENT" not in struct.note and "identical" in struct.note
    checks = [
        (
            "cold generation <= 1.0x opc time",
            cold_ratio,
            f"{_fmt(cold_ratio, '.2f')}x",
            verdict(cold_ratio, TARGET_COLD_RATIO),
        ),
        ("  stretch: <= 0.5x opc time", cold_ratio, f"{_fmt(cold_ratio, '.2f')}x", verdict(cold_ratio, 0.5)),
        (
            "no change <= 0.5 s",
            nochange.median if nochange else None,
            f"{_fmt(nochange.median if nochange else None, '.3f')} s",
            verdict(nochange.median if nochange else None, TARGET_NO_CHANGE_S),
        ),
        (
            "one schema changed <= 1.5 s, byte-identical to cold",
            one.median if one else None,
            f"{_fmt(one.median if one else None, '.3f')} s, {'identical' if identical else 'NOT shown identical'}",
            verdict(one.median if one else None, TARGET_ONE_SCHEMA_S, identical),
        ),
        (
            "  the same, with a property added instead",
            struct.median if struct else None,
            f"{_fmt(struct.median if struct else None, '.3f')} s, {'identical' if struct_identical else 'NOT shown identical'}",
            verdict(struct.median if struct else None, TARGET_ONE_SCHEMA_S, struct_identical),
        ),
        ("lines <= 1/3 of opc", lines_ratio, f"{_fmt(lines_ratio, '.3f')}x", verdict(lines_ratio, TARGET_LINES_RATIO)),
        ("peak RSS <= 1 GiB (any oagen run)", rss, f"{_fmt(rss, '.0f')} MB", verdict(rss, TARGET_RSS_MB)),
        (
            "import + client <= 0.3 s",
            imp.median if imp else None,
            f"{_fmt(imp.median if imp else None, '.3f')} s",
            verdict(imp.median if imp else None, TARGET_IMPORT_S),
        ),
    ]
    width = max(len(c[0]) for c in checks)
    for label, _, shown, result in checks:
        print(f"  {result}  {label:<{width}}  {shown}")


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
    loads = [load_before]
    with tempfile.TemporaryDirectory(prefix="oagen-bench-") as tmp:
        work = Path(tmp)
        for key in specs:
            print(f"benchmarking {key} ({SPECS[key].relative_to(CORPUS.parent)}), {args.runs} run(s) ...", flush=True)
            try:
                got_rows, got_notes = bench_spec(key, SPECS[key], args, opc_bin, opc_note, work, python)
            except Exception as exc:  # noqa: BLE001 - keep the other specs and print what we have
                got_rows, got_notes = [
                    Row(key, "-", "-", failures=[f"benchmark error: {type(exc).__name__}: {exc}"])
                ], []
            rows += got_rows
            notes += got_notes
            loads.append(os.getloadavg())
        if args.keep:
            shutil.copytree(work, args.keep / "oagen-bench", dirs_exist_ok=True)

    elapsed = time.perf_counter() - started
    print()
    print(
        f"Benchmark: {args.runs} run(s) per scenario, medians; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; "
        f"load average (1/5/15 min) at start {'/'.join(f'{x:.2f}' for x in load_before)}, "
        f"at end {'/'.join(f'{x:.2f}' for x in loads[-1])}; {elapsed:.0f} s in all"
    )
    print("peak RSS = max(largest single process via wait4 ru_maxrss, sum over the process tree polled from /proc)\n")
    print_table(rows)
    print_targets(rows, specs)
    if notes:
        print("\nNotes:")
        for note in notes:
            print(f"  {note}")
    failed = [r for r in rows if r.failures]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
