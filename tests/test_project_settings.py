"""``[tool.oagen]`` in pyproject.toml: one client, or several as ``[[tool.oagen.clients]]``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from generator.diagnostics import GenerationError
from generator.load import display_path
from generator.project import find_project_settings

from .helpers import FIXTURES, ROOT, run_oagen, tree, tree_diff

TWO_CLIENTS = """\
[project]
name = "several-clients"

[[tool.oagen.clients]]
spec = "apis/anthropic/openapi.yaml"
config = "apis/anthropic/oagen.yaml"
output = "clients/anthropic"

[[tool.oagen.clients]]
spec = "apis/petstore.yaml"
output = "clients/petstore"
"""


def _project(tmp_path: Path, pyproject: str = TWO_CLIENTS) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "spec", project / "apis" / "anthropic")
    shutil.copy(FIXTURES / "petstore" / "openapi.yaml", project / "apis" / "petstore.yaml")
    (project / "pyproject.toml").write_text(pyproject)
    return project


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def test_generate_and_check_handle_every_client_and_report_each(tmp_path: Path) -> None:
    project = _project(tmp_path)
    generated = run_oagen("generate", cwd=project / "apis")  # found from a subdirectory
    assert generated.returncode == 0, generated.stderr
    assert re.search(r"clients/anthropic: \d+ file\(s\) written", generated.stderr), generated.stderr
    assert re.search(r"clients/petstore: \d+ file\(s\) written", generated.stderr), generated.stderr
    anthropic, petstore = project / "clients" / "anthropic", project / "clients" / "petstore"
    assert tree(anthropic) == tree(ROOT / "generated"), tree_diff(ROOT / "generated", anthropic)
    expected = FIXTURES / "petstore" / "expected"
    assert tree(petstore) == tree(expected), tree_diff(expected, petstore)

    current = run_oagen("check", cwd=project)
    assert current.returncode == 0, current.stderr
    assert "clients/anthropic: up to date" in current.stderr and "clients/petstore: up to date" in current.stderr

    spec = project / "apis" / "petstore.yaml"
    spec.write_text(spec.read_text().replace("Pet", "Animal"))
    stale = run_oagen("check", cwd=project)
    assert stale.returncode == 1, stale.stderr
    assert "clients/anthropic: up to date" in stale.stderr
    assert "clients/petstore: out of date; run `oagen generate` to update it" in stale.stderr
    assert "+class Animal(" in stale.stdout and "anthropic_client" not in stale.stdout

    again = run_oagen("generate", "--no-cache", cwd=project)
    assert again.returncode == 0, again.stderr
    assert run_oagen("check", cwd=project).returncode == 0


def test_a_client_with_bad_input_fails_alone_and_the_run_exits_2(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "apis" / "petstore.yaml").write_text("openapi: 3.1.0\ninfo: [\n")
    result = run_oagen("generate", cwd=project)
    assert result.returncode == 2, result.stderr
    assert re.search(r"^error: apis/petstore\.yaml:\d+:\d+: ", result.stderr, re.M), result.stderr
    assert "clients/petstore: failed (see above); nothing written there" in result.stderr
    assert not (project / "clients" / "petstore").exists()
    assert tree(project / "clients" / "anthropic") == tree(ROOT / "generated")  # the good one is written

    check = run_oagen("check", cwd=project)
    assert check.returncode == 2 and "clients/anthropic: up to date" in check.stderr, check.stderr


def test_mistakes_in_the_clients_tables_are_located_in_pyproject(tmp_path: Path) -> None:
    pyproject = """\
[tool.oagen]
output = "generated"

[[tool.oagen.clients]]
spec = "apis/petstore.yaml"
  specc = "typo.yaml"
output = 3

[[tool.oagen.clients]]
config = "apis/anthropic/oagen.yaml"
"""
    project = _project(tmp_path, pyproject)
    result = run_oagen("check", cwd=project)
    assert result.returncode == 2, result.stderr
    assert _errors(result.stderr) == [
        "error: pyproject.toml:2:1: /tool/oagen/output: [tool.oagen] has both 'output' and [[tool.oagen.clients]]: "
        "give every client's settings in its own [[tool.oagen.clients]] table",
        "error: pyproject.toml:6:3: /tool/oagen/clients/0/specc: unknown key 'specc' "
        "(known keys: config, output, package-name, spec)",
        "error: pyproject.toml:7:1: /tool/oagen/clients/0/output: 'output' must be a string",
        "error: pyproject.toml:9:1: /tool/oagen/clients/1: a client needs 'spec'",
        "error: pyproject.toml:9:1: /tool/oagen/clients/1: a client needs 'output'",
    ]
    assert "Traceback" not in result.stderr
    assert not (project / "generated").exists()


def test_two_clients_writing_one_directory_are_refused(tmp_path: Path) -> None:
    pyproject = TWO_CLIENTS.replace('output = "clients/petstore"', 'output = "clients/./anthropic"')
    project = _project(tmp_path, pyproject)
    result = run_oagen("generate", cwd=project)
    assert result.returncode == 2, result.stderr
    assert _errors(result.stderr) == [
        "error: pyproject.toml:11:1: /tool/oagen/clients/1/output: "
        "output is the output of client 1 (pyproject.toml:7:1)"
    ]
    assert not (project / "clients").exists()

    nested = TWO_CLIENTS.replace('output = "clients/petstore"', 'output = "clients/anthropic/petstore"')
    (project / "pyproject.toml").write_text(nested)
    result = run_oagen("generate", cwd=project)
    assert result.returncode == 2
    assert "/tool/oagen/clients/1/output: output overlaps the output of client 1" in result.stderr


def test_clients_must_be_tables_and_command_line_client_options_do_not_apply_to_several(tmp_path: Path) -> None:
    project = _project(tmp_path, '[tool.oagen]\nclients = ["apis/petstore.yaml"]\n')
    result = run_oagen("generate", cwd=project)
    assert result.returncode == 2
    assert _errors(result.stderr) == [
        "error: pyproject.toml:2:1: /tool/oagen/clients: must be one or more tables ([[tool.oagen.clients]])"
    ]

    (project / "pyproject.toml").write_text(TWO_CLIENTS)
    result = run_oagen("generate", "--output", "elsewhere", cwd=project)
    assert result.returncode == 2
    assert _errors(result.stderr) == [
        "error: oagen: /: --output cannot apply to the 2 clients of [[tool.oagen.clients]] in pyproject.toml "
        "(give SPEC too, or set it in the client's table)"
    ]
    assert not (project / "elsewhere").exists() and not (project / "clients").exists()


def test_one_client_table_errors_are_located_too(tmp_path: Path) -> None:
    pyproject = (
        '[project]\nname = "x"\n\n[tool.oagen]\nspec = "apis/petstore.yaml"\n"out put" = "x"\npackage-name = 1\n'
    )
    project = _project(tmp_path, pyproject)
    result = run_oagen("generate", cwd=project)
    assert result.returncode == 2
    assert _errors(result.stderr) == [
        "error: pyproject.toml:6:1: /tool/oagen/out put: unknown key 'out put' "
        "(known keys: clients, config, output, package-name, spec)",
        "error: pyproject.toml:7:1: /tool/oagen/package-name: 'package-name' must be a string",
    ]

    # one client: the command line's --output stands in for a missing output
    (project / "pyproject.toml").write_text('[tool.oagen]\nspec = "apis/petstore.yaml"\n')
    result = run_oagen("generate", "-o", "out", cwd=project)
    assert result.returncode == 0, result.stderr
    assert tree(project / "out") == tree(FIXTURES / "petstore" / "expected")


def test_locations_skip_multiline_strings_and_read_quoted_and_inline_keys(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndescription = """\n[tool.oagen]\nspek = 1\n"""\n\n'
        '[ tool . "oagen" ]\n\n[[tool.oagen.clients]]\nspec = "a.yaml"\noutput = "a"\n'
        "[[tool.oagen.clients]]\n'spek' = 'b.yaml'\nsub = { output = 1 }\n"
    )
    try:
        find_project_settings(tmp_path)
    except GenerationError as exc:
        found = [str(d) for d in exc.diagnostics]
    else:
        raise AssertionError("accepted")
    assert found == [
        f"{display_path(tmp_path / 'pyproject.toml')}:13:1: /tool/oagen/clients/1/spek: unknown key 'spek' "
        "(known keys: config, output, package-name, spec)",
        f"{display_path(tmp_path / 'pyproject.toml')}:14:1: /tool/oagen/clients/1/sub: unknown key 'sub' "
        "(known keys: config, output, package-name, spec)",
        f"{display_path(tmp_path / 'pyproject.toml')}:12:1: /tool/oagen/clients/1: a client needs 'spec'",
        f"{display_path(tmp_path / 'pyproject.toml')}:12:1: /tool/oagen/clients/1: a client needs 'output'",
    ]
