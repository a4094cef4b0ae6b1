"""Runs at the same time: on one output directory they take turns (a lock on DIR itself), and a shared
cache keeps every output byte-identical to a run without one."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from generator import cli
from generator import write as write_module
from generator.diagnostics import GenerationError
from generator.write import MANIFEST, write

from .helpers import run_oagen, start_oagen, tree

fcntl = pytest.importorskip("fcntl", reason="the lock is tested where flock is (POSIX)")

SPEC = "spec/openapi.yaml"
CONFIG = "spec/oagen.yaml"
PETSTORE = "tests/fixtures/petstore/openapi.yaml"
REPEATS = 10


def _generate(out: Path, *extra: str) -> list[str]:
    return ["generate", SPEC, "-c", CONFIG, "-o", str(out), *extra]


def _reference(tmp_path_factory: pytest.TempPathFactory, *args: str) -> dict[str, bytes]:
    """The tree a single run without cache writes into a new directory."""
    out = tmp_path_factory.mktemp("reference") / "out"
    result = run_oagen(*args, "-o", str(out), "--no-cache")
    assert result.returncode == 0, result.stderr
    return tree(out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _reference(tmp_path_factory, "generate", SPEC, "-c", CONFIG)


@pytest.fixture(scope="module")
def petstore(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _reference(tmp_path_factory, "generate", PETSTORE)


def _finish(*processes: subprocess.Popen[str]) -> list[tuple[int, str, str]]:
    """Each process's exit code, stdout and stderr, read all at once (a full pipe blocks its writer)."""

    def one(process: subprocess.Popen[str]) -> tuple[int, str, str]:
        stdout, stderr = process.communicate(timeout=300)
        return process.returncode, stdout, stderr

    with ThreadPoolExecutor(len(processes)) as pool:
        return list(pool.map(one, processes))


@contextlib.contextmanager
def _held(out: Path, kind: int = fcntl.LOCK_EX) -> Iterator[None]:
    """Hold the lock of ``out`` from this process, as another oagen run would."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, kind)
        yield
    finally:
        os.close(fd)  # releases the lock


def _lines(stream: object) -> queue.Queue[str]:
    """The lines of a child's pipe, as they come."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_two_generates_into_one_new_directory_take_turns(tmp_path: Path, reference: dict[str, bytes]) -> None:
    files = len(reference)
    waited = 0
    started = time.monotonic()
    for i in range(REPEATS):
        out = tmp_path / f"out-{i}"
        # Every other time without cache: both runs then do the whole generation and the writes.
        extra = ("--no-cache",) if i % 2 else ()
        both = [start_oagen(*_generate(out, *extra)), start_oagen(*_generate(out, *extra))]
        results = _finish(*both)
        for code, _, stderr in results:
            assert code == 0, f"repetition {i}:\n{stderr}"
        assert tree(out) == reference, f"repetition {i}"
        # One wrote everything; the other, after it, found nothing to do (never half of it each).
        outcomes = [stderr.splitlines()[-1].removeprefix(f"{out}: ") for _, _, stderr in results]
        wrote = f"{files} file(s) written, 0 removed"
        assert wrote in outcomes, outcomes
        outcomes.remove(wrote)
        assert outcomes[0] in ("0 file(s) written, 0 removed", "up to date"), outcomes
        waited += sum("waiting for it to finish" in stderr for _, _, stderr in results)
    print(f"{REPEATS} pairs in {time.monotonic() - started:.1f} s; {waited} run(s) waited for the other")


def test_a_check_during_a_generate_sees_the_directory_before_or_after_never_half(
    tmp_path: Path, reference: dict[str, bytes]
) -> None:
    for i in range(REPEATS // 2):
        out = tmp_path / f"out-{i}"
        generate = start_oagen(*_generate(out, "--no-cache"))
        check = start_oagen("check", SPEC, "-c", CONFIG, "-o", str(out), "--no-cache")
        (gen_code, _, gen_err), (check_code, check_out, check_err) = _finish(generate, check)
        assert gen_code == 0, gen_err
        assert tree(out) == reference
        if check_code == 1:  # before: every file is new, none half-written
            new = [line for line in check_out.splitlines() if line.startswith("+++ b/")]
            not_empty = [name for name, data in reference.items() if data]  # an empty new file: no diff
            assert len(new) == len(not_empty), check_out
            assert check_out.count("--- /dev/null") == len(not_empty), check_out
        else:
            assert (check_code, check_out) == (0, ""), check_err


def test_a_generate_waits_while_another_process_holds_the_lock(tmp_path: Path, reference: dict[str, bytes]) -> None:
    out = tmp_path / "out"
    with _held(out):
        process = start_oagen(*_generate(out))
        stderr = _lines(process.stderr)
        line = stderr.get(timeout=60)
        assert "another oagen is writing it; waiting for it to finish" in line, line
        time.sleep(1.0)
        assert process.poll() is None  # still waiting, and nothing written meanwhile
        assert list(out.iterdir()) == []
    assert process.wait(timeout=300) == 0
    rest = []
    while not stderr.empty():
        rest.append(stderr.get())
    assert tree(out) == reference, "".join(rest)


def test_a_run_killed_while_holding_the_lock_holds_up_no_one(tmp_path: Path, reference: dict[str, bytes]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    hold = "import fcntl, os, sys, time\nfd = os.open(sys.argv[1], os.O_RDONLY)\nfcntl.flock(fd, fcntl.LOCK_EX)\n"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold + "print('held', flush=True)\ntime.sleep(600)\n", str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        process = start_oagen(*_generate(out))
        assert "waiting for it to finish" in _lines(process.stderr).get(timeout=60)
    finally:
        holder.kill()  # as SIGKILL ends a run: its lock goes with it
        holder.communicate()
    assert process.wait(timeout=300) == 0
    assert tree(out) == reference


def test_a_check_waits_for_a_writer_but_not_for_another_check(tmp_path: Path, reference: dict[str, bytes]) -> None:
    out = tmp_path / "out"
    assert run_oagen(*_generate(out)).returncode == 0
    with _held(out, fcntl.LOCK_SH):  # another check
        assert run_oagen("check", SPEC, "-c", CONFIG, "-o", str(out)).returncode == 0
    with _held(out):  # a generate
        process = start_oagen("check", SPEC, "-c", CONFIG, "-o", str(out))
        assert "waiting for it to finish" in _lines(process.stderr).get(timeout=60)
        assert process.poll() is None
    assert process.wait(timeout=300) == 0
    assert tree(out) == reference


def test_waiting_too_long_is_a_located_error_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(write_module, "LOCK_TIMEOUT", 0.5)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    spec, config = Path(__file__).resolve().parents[1] / SPEC, Path(__file__).resolve().parents[1] / CONFIG
    with _held(out):
        assert cli.run(["generate", str(spec), "-c", str(config), "-o", "out"]) == cli.EXIT_USER_ERROR
        assert list(out.iterdir()) == []
    stderr = capsys.readouterr().err
    assert "error: out: /: another oagen is writing out" in stderr, stderr


def test_shared_cache_parallel_runs_equal_runs_without_cache(
    tmp_path: Path, reference: dict[str, bytes], petstore: dict[str, bytes]
) -> None:
    cache = tmp_path / "cache"
    for round_ in range(3):  # a cold cache, a warm one, then the same outputs again (up to date)
        outputs = tmp_path / f"round-{min(round_, 1)}"
        runs = [
            (outputs / "a", reference, [SPEC, "-c", CONFIG]),
            (outputs / "a", reference, [SPEC, "-c", CONFIG]),  # the same output
            (outputs / "b", reference, [SPEC, "-c", CONFIG]),  # another output
            (outputs / "c", petstore, [PETSTORE]),  # another spec
        ]
        cached = ("--cache-dir", str(cache))
        started = [start_oagen("generate", *args, "-o", str(out), *cached) for out, _, args in runs]
        for code, _, stderr in _finish(*started):
            assert code == 0, f"round {round_}: {stderr}"
        for out, expected, _ in runs:
            assert tree(out) == expected, f"round {round_}: {out.name}"
        checks = [start_oagen("check", *args, "-o", str(out), *cached) for out, _, args in runs]
        assert [(code, stdout) for code, stdout, _ in _finish(*checks)] == [(0, "")] * len(runs)


def test_a_failed_run_leaves_no_directory_made_for_the_lock(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("openapi: 3.0.0\n")
    out = tmp_path / "new" / "out"
    result = run_oagen("generate", str(spec), "-o", str(out))
    assert result.returncode == 2, result.stderr
    assert not (tmp_path / "new").exists()
    result = run_oagen("check", SPEC, "-c", CONFIG, "-o", str(out))
    assert result.returncode == 1
    assert not (tmp_path / "new").exists()  # check leaves nothing either


def test_a_directory_removed_by_the_run_before_is_not_locked(tmp_path: Path) -> None:
    """A run that waited on a directory the holder made, failed in and removed locks the new one."""
    out = tmp_path / "out"
    first = write_module.locked(out)
    first.__enter__()
    done: list[bool] = []

    def second() -> None:
        with write_module.locked(out, timeout=30):
            done.append(out.is_dir())

    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.3)
    first.__exit__(None, None, None)  # removes the directory it made, still empty
    waiter.join(timeout=60)
    assert done == [True] and not out.exists()


def test_with_no_lock_at_all_runs_go_on_unlocked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write_module, "fcntl", None)
    out = tmp_path / "new" / "out"
    with write_module.locked(out):
        assert not (tmp_path / "new").exists()  # nothing made for a lock that cannot be taken
        write(out, {"a.py": "A = 1\n"})
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "a.py"]


def test_a_directory_made_by_another_run_meanwhile_is_locked_not_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs making the new output directory at once: the one whose mkdir loses still takes the lock."""
    out = tmp_path / "out"
    real_exists = Path.exists
    lied: list[Path] = []

    def exists(self: Path) -> bool:
        if self == out and not lied:  # as if another run made it just after this one looked
            lied.append(self)
            return False
        return real_exists(self)

    with _held(out):
        monkeypatch.setattr(Path, "exists", exists)
        with pytest.raises(GenerationError, match="another oagen is writing"):
            with write_module.locked(out, timeout=0.3):
                pass
    assert lied and out.is_dir()  # and not removed: this run did not make it
