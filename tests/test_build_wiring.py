"""oagen as a build step: its version, the sdist and wheel users install, its pre-commit hooks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from .helpers import ROOT, run_oagen, tree, tree_diff

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_version_is_pyprojects() -> None:
    result = run_oagen("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"oagen {VERSION}\n"


# --- the sdist and the wheel, as users install them ------------------------------------------------


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A command run as a user runs it: not from this source tree (no PYTHONPATH), outside it."""
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env={**clean, **(env or {})}, capture_output=True, text=True, timeout=600
    )


def _templates() -> set[str]:
    root = ROOT / "templates"
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_the_wheel_installed_in_a_fresh_venv_generates_the_checked_in_client(tmp_path: Path) -> None:
    # Dependencies (hatchling to build; black, jinja2... to install) come from the package index:
    # without one this fails, loudly, rather than skip.
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", dist, ROOT, cwd=tmp_path)
    assert (
        built.returncode == 0
    ), f"python -m build failed (it installs hatchling from the package index)\n{built.stderr}"
    (sdist,) = dist.glob(f"oagen-{VERSION}.tar.gz")
    (wheel,) = dist.glob(f"oagen-{VERSION}-py3-none-any.whl")

    with tarfile.open(sdist) as tar:
        in_sdist = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert {f"templates/{t}" for t in _templates()} <= in_sdist
    assert {n.split("/")[0] for n in in_sdist} == {"generator", "templates", "README.md", "pyproject.toml"} | {
        "PKG-INFO",
        ".gitignore",
    }, "the sdist holds only the package, its templates and its metadata (not generated/ nor tests/)"
    with zipfile.ZipFile(wheel) as whl:
        in_wheel = set(whl.namelist())
    assert {f"generator/templates/{t}" for t in _templates()} <= in_wheel

    venv = tmp_path / "venv"
    made = _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    installed = _run(venv / "bin" / "python", "-m", "pip", "install", wheel, cwd=tmp_path)
    assert (
        installed.returncode == 0
    ), f"pip install of the wheel failed (is the package index reachable?)\n{installed.stderr}"

    oagen = venv / "bin" / "oagen"
    where = _run(venv / "bin" / "python", "-c", "import generator; print(generator.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout  # the wheel's code, not this tree's
    version = _run(oagen, "--version", cwd=tmp_path)
    assert version.stdout == f"oagen {VERSION}\n", version.stderr

    out = tmp_path / "out"
    generated = _run(
        oagen, "generate", ROOT / "spec" / "openapi.yaml", "-c", ROOT / "spec" / "oagen.yaml", "-o", out, cwd=tmp_path
    )
    assert generated.returncode == 0, generated.stderr
    assert tree(out) == tree(ROOT / "generated"), tree_diff(ROOT / "generated", out)

    # In a project: [tool.oagen] settings, `oagen check` as a CI step runs it.
    project = tmp_path / "project"
    shutil.copytree(ROOT / "spec", project / "spec")
    shutil.copytree(out, project / "generated")
    (project / "pyproject.toml").write_text(
        '[tool.oagen]\nspec = "spec/openapi.yaml"\nconfig = "spec/oagen.yaml"\noutput = "generated"\n'
    )
    checked = _run(oagen, "check", cwd=project, env={"OAGEN_CACHE_DIR": str(tmp_path / "fresh-cache")})
    assert checked.returncode == 0, checked.stdout + checked.stderr


# --- the pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit -----------------------


def _git(*args: str, cwd: Path) -> None:
    identity = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    identity |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = _run("git", *args, cwd=cwd, env=identity)
    assert done.returncode == 0, done.stderr


def test_pre_commit_hooks_fail_a_stale_client_with_the_diff_and_pass_a_current_one(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "spec", project / "spec")
    shutil.copytree(
        ROOT / "generated", project / "generated", ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache")
    )
    (project / "pyproject.toml").write_text(
        '[tool.oagen]\nspec = "spec/openapi.yaml"\nconfig = "spec/oagen.yaml"\noutput = "generated"\n'
    )
    spec = project / "spec" / "openapi.yaml"
    spec.write_text(
        spec.read_text().replace(
            "            - skills-2025-10-02\n", "            - skills-2025-10-02\n            - new-beta-2026-11-25\n"
        )
    )
    _git("init", "-q", cwd=project)
    _git("add", ".", cwd=project)
    _git("commit", "-q", "-m", "a client, made stale by a spec change", cwd=project)

    # pre-commit clones this repository (with its uncommitted changes), installs it into a virtualenv
    # of its own (`pip install .`, dependencies from the package index) and runs the hooks there.
    # Everything it writes goes under tmp_path.
    home = tmp_path / "home"
    env = {
        "PRE_COMMIT_HOME": str(home / "pre-commit"),
        "TMPDIR": str(home / "tmp"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"),
        "VIRTUALENV_OVERRIDE_APP_DATA": str(home / "virtualenv"),
    }
    (home / "tmp").mkdir(parents=True)
    try_repo = [sys.executable, "-m", "pre_commit", "try-repo", ROOT, "--all-files", "--color", "never"]

    stale = _run(*try_repo, cwd=project, env=env)
    report = stale.stdout + stale.stderr
    assert stale.returncode == 1, report
    assert re.search(r"^oagen check \(generated clients are current\)\.+Failed$", report, re.M), report
    assert '+        "new-beta-2026-11-25",' in report  # check's diff
    assert "generated: out of date" in report
    assert re.search(r"^oagen generate\.+Failed$", report, re.M), report
    assert "files were modified by this hook" in report
    assert (
        "new-beta-2026-11-25"
        in (project / "generated" / "anthropic_client" / "types" / "anthropic_beta_param.py").read_text()
    )

    _git("add", ".", cwd=project)
    current = _run(*try_repo, cwd=project, env=env)
    report = current.stdout + current.stderr
    assert current.returncode == 0, report
    assert re.search(r"^oagen check \(generated clients are current\)\.+Passed$", report, re.M), report
    assert re.search(r"^oagen generate\.+Passed$", report, re.M), report
