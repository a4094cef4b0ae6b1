"""JSON (and form, multipart) object bodies: each property a keyword argument, nested objects TypedDicts.

A generated client's calls as a user writes them: what reaches a real HTTP server, and what
``mypy --strict`` accepts and rejects in the user's own code.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .helpers import run_oagen

PACKAGE = "chat_client"


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "ok", **_json(schema)}}


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Chat", "version": "1.0.0"},
    "servers": [{"url": "http://localhost"}],
    "paths": {
        "/v1/messages": {
            "post": {
                "operationId": "messages_create",
                "tags": ["messages"],
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/CreateMessageParams"})},
                "responses": _ok({"$ref": "#/components/schemas/Message"}),
            }
        },
        "/v1/batch": {
            "post": {
                "operationId": "messages_batch",
                "tags": ["messages"],
                "requestBody": {
                    "required": True,
                    **_json({"type": "array", "items": {"$ref": "#/components/schemas/InputMessage"}}),
                },
                "responses": _ok({"type": "object"}),
            }
        },
        "/v1/label": {
            "post": {
                "operationId": "messages_label",
                "tags": ["messages"],
                "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/Label"})},
                "responses": _ok({"type": "object"}),
            }
        },
        "/v1/free": {
            "post": {
                "operationId": "messages_free",
                "tags": ["messages"],
                "requestBody": {
                    "required": True,
                    **_json({"type": "object", "additionalProperties": {"type": "integer"}}),
                },
                "responses": _ok({"type": "object"}),
            }
        },
        "/v1/files": {
            "post": {
                "operationId": "files_upload",
                "tags": ["files"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "purpose": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": _ok({"type": "object"}),
            }
        },
    },
    "components": {
        "schemas": {
            "CreateMessageParams": {
                "type": "object",
                "required": ["model", "max_tokens", "messages"],
                "properties": {
                    "model": {"type": "string"},
                    "max_tokens": {"type": "integer", "description": "The most tokens to generate."},
                    "messages": {"type": "array", "items": {"$ref": "#/components/schemas/InputMessage"}},
                    "metadata": {
                        "type": "object",
                        "properties": {"user_id": {"type": ["string", "null"]}},
                    },
                    "stop_sequence": {"type": ["string", "null"]},
                    "temperature": {"type": "number", "default": 1.0},
                    "type": {"type": "string"},
                    "body": {"type": "string"},
                    "self": {"type": "string"},
                    "timeout": {"type": "integer"},
                    "limit": {"type": "integer"},
                    "id": {"type": "string", "readOnly": True},
                },
            },
            "InputMessage": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {
                    "role": {"type": "string", "enum": ["user", "assistant"]},
                    "content": {
                        "anyOf": [
                            {"type": "string"},
                            {"type": "array", "items": {"$ref": "#/components/schemas/ContentBlock"}},
                        ]
                    },
                },
            },
            "ContentBlock": {
                "oneOf": [{"$ref": "#/components/schemas/TextBlock"}, {"$ref": "#/components/schemas/ImageBlock"}],
                "discriminator": {"propertyName": "type"},
            },
            "TextBlock": {
                "type": "object",
                "required": ["type", "text"],
                "properties": {"type": {"const": "text"}, "text": {"type": "string"}},
            },
            "ImageBlock": {
                "type": "object",
                "required": ["type", "source"],
                "properties": {
                    "type": {"const": "image"},
                    "source": {
                        "type": "object",
                        "required": ["data"],
                        "properties": {"data": {"type": "string"}, "media-type": {"type": "string"}},
                    },
                },
            },
            "Message": {
                "type": "object",
                "required": ["id", "content"],
                "properties": {
                    "id": {"type": "string"},
                    "content": {"type": "array", "items": {"$ref": "#/components/schemas/ContentBlock"}},
                },
            },
            "Label": {"type": "string", "enum": ["a", "b"]},
        }
    },
}

MESSAGE = {"id": "m1", "content": [{"type": "text", "text": "Hello"}]}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("body")
    spec = root / "openapi.yaml"
    spec.write_text(yaml.safe_dump(SPEC, sort_keys=False))
    result = run_oagen("generate", str(spec), "--output", str(root / "out"), "--package-name", PACKAGE)
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(root / "out"))
    try:
        yield root / "out"
    finally:
        sys.path.remove(str(root / "out"))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def received(httpserver: HTTPServer) -> list[Request]:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        request.get_data(cache=True)
        seen.append(request)
        return Response(json.dumps(MESSAGE), content_type="application/json")

    httpserver.expect_request("/v1/messages").respond_with_handler(handler)
    httpserver.expect_request("/v1/batch").respond_with_handler(handler)
    httpserver.expect_request("/v1/label").respond_with_handler(handler)
    httpserver.expect_request("/v1/free").respond_with_handler(handler)
    httpserver.expect_request("/v1/files").respond_with_handler(handler)
    return seen


def _client(httpserver: HTTPServer) -> Any:
    return importlib.import_module(PACKAGE).Chat(base_url=httpserver.url_for("/"))


def test_properties_are_keyword_arguments_sent_as_json(
    generated: Path, httpserver: HTTPServer, received: list[Request]
) -> None:
    with _client(httpserver) as client:
        message = client.messages.create(model="m", max_tokens=1024, messages=[{"role": "user", "content": "Hi"}])
        assert message.content[0].text == "Hello"
        client.messages.create(
            model="m",
            max_tokens=1,
            messages=[{"role": "user", "content": [{"type": "text", "text": "a"}]}],
            metadata={"user_id": None},
            stop_sequence=None,
            type="t",
            body_2="b",
            self_2="s",
            timeout_2=3,
            limit_2=4,
            limit=5,
            extra_body={"extra": True},
        )
    plain, full = received
    assert plain.headers["content-type"] == "application/json"
    # Unset optional properties are left out, not sent as null.
    assert json.loads(plain.get_data()) == {
        "model": "m",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    assert json.loads(full.get_data()) == {
        "model": "m",
        "max_tokens": 1,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "a"}]}],
        "metadata": {"user_id": None},
        "stop_sequence": None,  # an explicit None for a nullable property is sent as null
        "type": "t",
        "body": "b",
        "self": "s",
        "timeout": 3,
        "limit": 4,
        "extra": True,
    }
    assert full.args["limit"] == "5"


def test_renamed_properties_and_read_only_ones(generated: Path) -> None:
    messages = importlib.import_module(f"{PACKAGE}.resources.messages")
    method = messages.Messages.create
    arguments = inspect.signature(method).parameters
    required = [name for name, p in arguments.items() if p.kind is p.KEYWORD_ONLY and p.default is p.empty]
    assert required == ["model", "max_tokens", "messages"]
    assert "id" not in arguments  # read-only: never sent
    doc = inspect.getdoc(method) or ""
    for wire in ("body", "self", "timeout", "limit"):
        assert f"{wire}_2: The body property `{wire}` (`{wire}` is taken)." in doc
    assert "temperature: temperature (default: `1.0`)" in doc
    assert "max_tokens: The most tokens to generate." in doc


def test_bodies_that_are_not_objects_keep_body(
    generated: Path, httpserver: HTTPServer, received: list[Request], tmp_path: Path
) -> None:
    with _client(httpserver) as client:
        client.messages.batch(body=[{"role": "user", "content": "Hi"}], extra_headers={"x": "1"})
        client.messages.label(body="a")
        client.messages.free(body={"a": 1})
        client.files.upload(file=("a.txt", b"data"), purpose="p")
    batch, label, free, upload = received
    assert json.loads(batch.get_data()) == [{"role": "user", "content": "Hi"}]
    assert json.loads(label.get_data()) == "a"
    assert json.loads(free.get_data()) == {"a": 1}
    assert upload.form["purpose"] == "p" and upload.files["file"].read() == b"data"


_GOOD = f"""
from typing import List

from {PACKAGE} import Chat
from {PACKAGE}.types import InputMessageParam, Message, TextBlockParam

client = Chat()
message: Message = client.messages.create(
    model="m", max_tokens=1024, messages=[{{"role": "user", "content": "Hi"}}]
)
block: TextBlockParam = {{"type": "text", "text": "a"}}
blocks: List[TextBlockParam] = [block]  # a list of one member where the union is asked: Sequence
turn: InputMessageParam = {{"role": "assistant", "content": blocks}}
client.messages.create(
    model="m",
    max_tokens=1,
    messages=[turn, {{"role": "user", "content": [{{"type": "image", "source": {{"data": "x", "media-type": "p"}}}}]}}],
    metadata={{"user_id": None}},
    stop_sequence=None,
)
client.messages.batch(body=[turn])
client.messages.label(body="b")
client.files.upload(file=b"x")
"""

_BAD = {
    "a wrong key": ('messages=[{"role": "user", "content": "Hi", "colour": 1}]', "colour"),
    "a missing required key": ('messages=[{"role": "user"}]', "content"),
    "a wrong tag": ('messages=[{"role": "system", "content": "Hi"}]', "role"),
    "a wrong type": ('messages=[{"role": "user", "content": [{"type": "text", "text": 1}]}]', "text"),
    "a missing required argument": ("messages=[]", "max_tokens"),
}


def _mypy(directory: Path, source: str) -> subprocess.CompletedProcess[str]:
    (directory / "user.py").write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "user.py"],
        cwd=directory,
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": str(directory)},
    )


@pytest.fixture(scope="module")
def mypy_dir(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    directory = tmp_path_factory.mktemp("user")
    (directory / PACKAGE).symlink_to(generated / PACKAGE, target_is_directory=True)
    return directory


def test_user_code_type_checks(mypy_dir: Path) -> None:
    result = _mypy(mypy_dir, _GOOD)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", sorted(_BAD))
def test_mistakes_are_mypy_errors(mypy_dir: Path, case: str) -> None:
    arguments, word = _BAD[case]
    max_tokens = "" if "max_tokens" in word else "max_tokens=1, "
    source = f'from {PACKAGE} import Chat\n\nChat().messages.create(model="m", {max_tokens}{arguments})\n'
    result = _mypy(mypy_dir, source)
    assert result.returncode == 1, result.stdout + result.stderr
    assert word in result.stdout and "error" in result.stdout


def test_typed_dicts_are_laid_out_as_black_writes_them(generated: Path) -> None:
    import black

    from generator.shape import black_mode

    # image_block_param.py: a functional TypedDict (a key "media-type") first, then a class.
    types = generated / PACKAGE / "types"
    assert (
        'ImageBlockSourceParam = TypedDict(\n    "ImageBlockSourceParam"'
        in (types / "image_block_param.py").read_text()
    )
    for path in sorted(types.glob("*.py")):
        source = path.read_text()
        assert black.format_str(source, mode=black_mode()) == source, path.name
