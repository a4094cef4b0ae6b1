"""Credential arguments never collide with what the client already uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .helpers import run_oagen

SPEC = """openapi: 3.0.3
info: {title: Clash, version: "1"}
paths:
  /x:
    get:
      operationId: getX
      security: [{timeout: []}, {os: []}]
      responses:
        "204": {description: ok}
components:
  securitySchemes:
    timeout: {type: apiKey, in: header, name: X-Timeout}
    os: {type: apiKey, in: query, name: os}
"""


def test_schemes_named_like_client_arguments_get_distinct_credential_arguments(tmp_path: Path) -> None:
    spec = tmp_path / "clash.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    result = run_oagen("generate", str(spec), "-o", str(out), "--no-cache")
    assert result.returncode == 0, result.stderr
    code = (
        "import clash_client as c\n"
        "k = c.Clash(os_credential='o', timeout=3.0)\n"
        "assert k.os_credential == 'o' and k.timeout == 3.0 and k.timeout_credential is None\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr


def test_a_configured_credential_argument_that_clashes_is_a_located_error(tmp_path: Path) -> None:
    spec = tmp_path / "clash.yaml"
    spec.write_text(SPEC)
    config = tmp_path / "oagen.yaml"
    config.write_text("auth:\n  timeout:\n    argument: base_url\n")
    result = run_oagen("generate", str(spec), "-c", str(config), "-o", str(tmp_path / "out"), "--no-cache")
    assert result.returncode == 2
    assert "oagen.yaml:3:5: /auth/timeout/argument: 'base_url' is already a name the client uses" in result.stderr


CREDENTIALS = """openapi: 3.0.3
info: {title: Pet Shop, version: "1"}
paths:
  /x:
    get:
      operationId: getX
      responses:
        "204": {description: ok}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
    basic: {type: http, scheme: basic}
    bearer: {type: http, scheme: bearer}
"""


def _read_credentials(tmp_path: Path, config: str | None, prefix: str) -> None:
    spec = tmp_path / "creds.yaml"
    spec.write_text(CREDENTIALS)
    args = ["generate", str(spec), "-o", str(tmp_path / "out"), "--no-cache"]
    if config is not None:
        (tmp_path / "oagen.yaml").write_text(config)
        args += ["-c", str(tmp_path / "oagen.yaml")]
    result = run_oagen(*args)
    assert result.returncode == 0, result.stderr
    env = {f"{prefix}_{name}": name.lower() for name in ("API_KEY", "USERNAME", "PASSWORD", "BEARER_TOKEN", "BASE_URL")}
    code = (
        "import pet_shop_client as p\n"
        "c = next(v for k, v in vars(p).items() if k.endswith(('Shop', 'Store')) and not k.startswith('Async'))()\n"
        "assert (c.api_key, c.username, c.password, c.bearer_token) == ('api_key', 'username', 'password',"
        " 'bearer_token'), vars(c)\n"
        "assert str(c.base_url).startswith('base_url'), c.base_url\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "out", capture_output=True, text=True, env=env)
    assert ran.returncode == 0, ran.stderr


def test_credentials_are_read_from_variables_named_after_the_client(tmp_path: Path) -> None:
    _read_credentials(tmp_path, None, "PET_SHOP")


def test_credentials_follow_a_configured_client_name(tmp_path: Path) -> None:
    _read_credentials(tmp_path, "client:\n  name: PetStore\n", "PET_STORE")
