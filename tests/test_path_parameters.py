"""`positional_path_parameters`: every path parameter positional (the default), or only the last one,
the others keyword-only (as the Stainless SDKs take them); on the wire, under mypy, and the mistake."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer

from .helpers import run_oagen

PACKAGE = "skills_client"
_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Skills", "version": "1.0.0"},
    "servers": [{"url": "http://localhost"}],
    "paths": {
        "/orgs/{org}/skills/{skill_id}/versions/{version}": {
            "get": {
                "operationId": "versions_retrieve",
                "tags": ["versions"],
                "parameters": [
                    # Declared out of path order: the path's order decides.
                    _path("version"),
                    _path("org"),
                    _path("skill_id"),
                    {"name": "full", "in": "query", "schema": {"type": "boolean"}},
                ],
                "responses": _OK,
            },
            "put": {
                "operationId": "versions_update",
                "tags": ["versions"],
                "parameters": [_path("org"), _path("skill_id"), _path("version")],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title"],
                                "properties": {"title": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": _OK,
            },
        },
        "/skills/{skill_id}": {
            "get": {
                "operationId": "skills_retrieve",
                "tags": ["skills"],
                "parameters": [_path("skill_id")],
                "responses": _OK,
            }
        },
    },
}


def _generate(root: Path, config: str | None) -> subprocess.CompletedProcess[str]:
    (root / "openapi.json").write_text(json.dumps(SPEC))
    args = ["generate", str(root / "openapi.json"), "--output", str(root / "out"), "--package-name", PACKAGE]
    if config is not None:
        (root / "oagen.yaml").write_text(config)
        args += ["--config", str(root / "oagen.yaml")]
    return run_oagen(*args)


@pytest.fixture(scope="module", params=["all", "last"])
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp(f"path-{request.param}")
    config = None if request.param == "all" else "positional_path_parameters: last\n"
    result = _generate(root, config)
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(root / "out"))
    try:
        yield request.param, root / "out"
    finally:
        sys.path.remove(str(root / "out"))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _kinds(function: Any) -> list[tuple[str, str]]:
    parameters = list(inspect.signature(function).parameters.values())[1:-1]  # after self, before **options
    return [(p.name, "positional" if p.kind is p.POSITIONAL_OR_KEYWORD else "keyword") for p in parameters]


def test_signatures(generated: tuple[str, Path]) -> None:
    mode, _ = generated
    versions = importlib.import_module(f"{PACKAGE}.resources.versions")
    skills = importlib.import_module(f"{PACKAGE}.resources.skills")
    resource = getattr(versions, versions.__all__[0])
    if mode == "all":
        assert _kinds(resource.retrieve) == [
            ("org", "positional"),
            ("skill_id", "positional"),
            ("version", "positional"),
            ("full", "keyword"),
        ]
    else:
        assert _kinds(resource.retrieve) == [
            ("version", "positional"),
            ("org", "keyword"),
            ("skill_id", "keyword"),
            ("full", "keyword"),
        ]
        assert _kinds(resource.update) == [
            ("version", "positional"),
            ("org", "keyword"),
            ("skill_id", "keyword"),
            ("title", "keyword"),
        ]
    # One path parameter: positional either way.
    assert _kinds(getattr(skills, skills.__all__[0]).retrieve) == [("skill_id", "positional")]


def test_on_the_wire(generated: tuple[str, Path], httpserver: HTTPServer) -> None:
    mode, _ = generated
    httpserver.expect_request("/orgs/o1/skills/s1/versions/v1", query_string="full=true").respond_with_json({})
    httpserver.expect_request("/orgs/o1/skills/s1/versions/v2", method="PUT", json={"title": "t"}).respond_with_json({})
    client = importlib.import_module(PACKAGE).Skills(base_url=httpserver.url_for("/"))
    with client:
        if mode == "all":
            client.versions.retrieve("o1", "s1", "v1", full=True)
            client.versions.update("o1", "s1", "v2", title="t")
        else:
            client.versions.retrieve("v1", org="o1", skill_id="s1", full=True)
            client.versions.update("v2", skill_id="s1", org="o1", title="t")
            with pytest.raises(ValueError, match="skill_id"):
                client.versions.retrieve("v1", org="o1", skill_id="")  # an empty id is refused before sending
    httpserver.check_assertions()


def test_user_code_type_checks(generated: tuple[str, Path], tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    mode, out = generated
    calls = {
        "all": ('client.versions.retrieve("o", "s", "v")', 'client.versions.retrieve("v", org="o", skill_id="s")'),
        "last": ('client.versions.retrieve("v", org="o", skill_id="s")', 'client.versions.retrieve("o", "s", "v")'),
    }[mode]
    (tmp_path / PACKAGE).symlink_to(out / PACKAGE, target_is_directory=True)
    results = []
    for call in calls:
        (tmp_path / "user.py").write_text(f"from {PACKAGE} import Skills\n\nclient = Skills()\n{call}\n")
        results.append(
            subprocess.run(
                [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "user.py"],
                cwd=tmp_path,
                capture_output=True,
                text=True,
            )
        )
    assert results[0].returncode == 0, results[0].stdout
    assert results[1].returncode == 1, results[1].stdout


@pytest.mark.parametrize(
    ("config", "where", "message"),
    [
        (
            "positional_path_parameters: first\n",
            ":1:29: /positional_path_parameters:",
            "'positional_path_parameters' is one of all, last, not 'first'",
        ),
        (
            "positional_path_parameters: [last]\n",
            ":1:29: /positional_path_parameters:",
            "'positional_path_parameters' must be a string, not a list",
        ),
    ],
)
def test_config_mistake_is_located(tmp_path: Path, config: str, where: str, message: str) -> None:
    result = _generate(tmp_path, config)
    assert result.returncode == 2, result.stderr
    assert f"oagen.yaml{where} {message}" in result.stderr
    assert not (tmp_path / "out").exists()
