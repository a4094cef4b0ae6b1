"""Every operation shape, on the wire: clients generated from tests/fixtures/operations and from
ReadMe's oas-examples documents (../shared/corpus, skipped when absent), called against a real
HTTP server on 127.0.0.1 (pytest-httpserver).

All packages are generated once per module, into one directory, and `mypy --strict` runs once over
all of them.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from generator.pipeline import Options, generate
from generator.write import write

from .helpers import FIXTURES, ROOT

CORPUS = ROOT.parent / "shared" / "corpus" / "oas-examples" / "3.0"
CORPUS_DOCS = [
    "parameters-style",
    "parameters-cookies",
    "form-data",
    "file-uploads",
    "security",
    "response-http-behavior",
    "response-multiple-mediatypes",
]

#: A path placeholder the spec forgot to declare (validation skipped): still an argument.
UNDECLARED = """
openapi: 3.0.3
info: {title: Undeclared, version: "1"}
paths:
  /things/{thingId}/parts/{partId}:
    get:
      operationId: getPart
      parameters:
        - {name: partId, in: path, required: true, schema: {type: integer}}
      responses:
        "200": {description: OK}
"""


@dataclass
class Built:
    directory: Path
    names: list[str] = field(default_factory=list)

    def load(self, name: str) -> ModuleType:
        if name not in self.names:
            pytest.skip(f"{name} was not generated (../shared/corpus is absent)")
        return importlib.import_module(name)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("generated")
    packages = root / "packages"
    packages.mkdir()
    jobs: list[tuple[str, Options]] = [
        (
            "ops_client",
            Options(spec=FIXTURES / "operations" / "openapi.yaml", config=FIXTURES / "operations" / "oagen.yaml"),
        )
    ]
    undeclared = root / "undeclared.yaml"
    undeclared.write_text(UNDECLARED)
    jobs.append(("undeclared_client", Options(spec=undeclared, package_name="undeclared_client", skip_validation=True)))
    if CORPUS.is_dir():
        for doc in CORPUS_DOCS:
            name = doc.replace("-", "_")
            jobs.append((name, Options(spec=CORPUS / f"{doc}.yaml", package_name=name)))
    result = Built(packages)
    for name, options in jobs:
        out = root / name
        write(out, generate(options).files)
        (out / name).rename(packages / name)
        result.names.append(name)
    sys.path.insert(0, str(packages))
    yield result
    sys.path.remove(str(packages))


# --- the server -------------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Seen:
    method: str
    raw_uri: str
    headers: dict[str, str]
    body: bytes
    form: list[tuple[str, str]]
    files: list[tuple[str, str | None, bytes, str | None]]

    @property
    def path(self) -> str:
        return self.raw_uri.partition("?")[0]

    @property
    def query(self) -> str:
        return self.raw_uri.partition("?")[2]


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1", port=0, threaded=True) as srv:
        yield srv


@pytest.fixture
def url(server: HTTPServer) -> Iterator[str]:
    server.clear()
    yield f"http://127.0.0.1:{server.port}"
    server.clear()


def serve(server: HTTPServer, *replies: Reply) -> list[Seen]:
    """Answer every request with `replies` in turn (the last one repeats); record what came."""
    seen: list[Seen] = []
    lock = threading.Lock()
    server.clear_all_handlers()

    def handler(request: Request) -> Response:
        body = request.get_data(cache=True)
        is_form = request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded")
        with lock:
            seen.append(
                Seen(
                    method=request.method,
                    raw_uri=request.environ["RAW_URI"],
                    headers={k.lower(): v for k, v in request.headers.items()},
                    body=body,
                    form=list(request.form.items(multi=True)) if is_form else [],
                    files=[
                        (k, f.filename, f.read(), f.headers.get("Content-Type"))
                        for k, f in request.files.items(multi=True)
                    ],
                )
            )
            reply = replies[min(len(seen), len(replies)) - 1]
        data = reply.body if isinstance(reply.body, (str, bytes)) else json.dumps(reply.body)
        return Response(data, status=reply.status, headers=reply.headers, content_type=reply.content_type)

    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    return seen


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("OPS_", "SECURITY_")):
            monkeypatch.delenv(name)


ITEM = {"id": "i1", "name": "one"}


# --- the generated code ---------------------------------------------------------------------


def test_every_generated_package_is_mypy_strict_clean(built: Built) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, *built.names],
        cwd=built.directory,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _operations(spec: Path) -> int:
    import yaml

    doc = yaml.safe_load(spec.read_text())
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return sum(1 for item in doc["paths"].values() for m in item if m in methods)


def test_no_operation_is_dropped(built: Built) -> None:
    specs = {"ops_client": FIXTURES / "operations" / "openapi.yaml"}
    specs.update({d.replace("-", "_"): CORPUS / f"{d}.yaml" for d in CORPUS_DOCS if CORPUS.is_dir()})
    for name, spec in specs.items():
        sources = (built.directory / name / "resources").rglob("*.py")
        methods = sum(
            len(
                re.findall(
                    r"^    def (?!__init__|with_raw_response|with_streaming_response)\w+\(\n", p.read_text(), re.M
                )
            )
            for p in sources
        )
        assert methods == _operations(spec), name


def test_resource_tree_and_method_names(built: Built) -> None:
    ops = built.load("ops_client")
    client = ops.Ops(api_key="k")
    # operationIds "find item by id", "meta/root", "post_oauth2_token#refresh", and none at all
    assert callable(client.items.find_item_by_id)
    assert callable(client.items.meta_root)
    assert callable(client.items.delete_items_item_id)
    assert callable(client.uploads.post_oauth2_token_refresh)
    # placed by config
    assert callable(client.storage.blobs.put)
    assert not hasattr(client.uploads, "put_blob")
    client.close()


# --- parameters -----------------------------------------------------------------------------


def test_parameters_on_the_wire(built: Built, server: HTTPServer, url: str) -> None:
    ops = built.load("ops_client")
    seen = serve(server, Reply(body=ITEM, headers={"X-Rate-Limit": "7"}))
    with ops.Ops(api_key="k", base_url=url) as client:
        item = client.items.find_item_by_id(
            "a/b c",
            x_trace="t-1",
            limit=5,
            start_time="s",
            start_time_before="b",
            start_time_after="a",
            tags=["x", "y|z"],
            ids=[1, 2],
            filter={"color": "red", "size": 3},
            where={"q": [1, "two"]},
            session="s 1",
            prefs=["p1", "p2"],
        )
        assert item == ops.types.Item(id="i1", name="one")
        client.items.find_item_by_id("i", x_trace="t-2")  # optional ones left out
    full, bare = seen
    assert full.path == "/items/a%2Fb%20c"
    assert full.query == (
        "limit=5&StartTime=s&StartTime%3C=b&StartTime%3E=a&tags=x|y%7Cz&ids=1,2"
        "&filter[color]=red&filter[size]=3&where=%7B%22q%22%3A%20%5B1%2C%20%22two%22%5D%7D"
    )
    assert full.headers["x-trace"] == "t-1"
    assert full.headers["api-version"] == "2024-01-01"  # single-value required: sent automatically
    assert full.headers["cookie"] == "session=s%201; prefs=p1,p2"
    assert full.headers["x-api-key"] == "k"
    assert bare.raw_uri == "/items/i"
    assert bare.headers["api-version"] == "2024-01-01"
    assert "cookie" not in bare.headers


def test_path_styles(built: Built, server: HTTPServer, url: str) -> None:
    ops = built.load("ops_client")
    seen = serve(server, Reply(body="a grid", content_type="text/plain"))
    with ops.Ops(api_key="k", base_url=url) as client:
        text = client.grids.get_grid({"x": 1, "y": 2}, ["a", "b"], ["m1", "m2"])
    assert text == "a grid"
    assert seen[0].raw_uri == "/grids/x=1,y=2/.a,b/;matrix=m1;matrix=m2"
    assert seen[0].headers["accept"] == "text/plain"


def test_undeclared_path_placeholder_is_an_argument(built: Built, server: HTTPServer, url: str) -> None:
    mod = built.load("undeclared_client")
    seen = serve(server, Reply())
    with mod.Undeclared(base_url=url) as client:
        client.things.get_part("t1", 7)
    assert seen[0].raw_uri == "/things/t1/parts/7"


STYLE_CASES = [
    # (resource, method, where, expected) with primitive="p", array=["a","b"], object={"name":"n","description":"d"}
    ("path", "paths_standard", "path", "/anything/path/p/a,b/name,n,description,d"),
    ("path", "paths_simple_non_exploded", "path", "/anything/path/simple/p/a,b/name,n,description,d"),
    ("path", "paths_simple_exploded", "path", "/anything/path/simple/p/a,b/name=n,description=d"),
    ("path", "paths_label_non_exploded", "path", "/anything/path/label/.p/.a,b/.name,n,description,d"),
    ("path", "paths_label_exploded", "path", "/anything/path/label/.p/.a.b/.name=n.description=d"),
    (
        "path",
        "paths_matrix_non_exploded",
        "path",
        "/anything/path/matrix/;primitive=p/;array=a,b/;object=name,n,description,d",
    ),
    (
        "path",
        "paths_matrix_exploded",
        "path",
        "/anything/path/matrix/;primitive=p/;array=a;array=b/;name=n;description=d",
    ),
    ("query", "standard", "query", "primitive=p&array=a&array=b&name=n&description=d"),
    ("query", "form_exploded", "query", "primitive=p&array=a&array=b&name=n&description=d"),
    ("query", "form_non_exploded", "query", "primitive=p&array=a,b&object=name,n,description,d"),
    ("query", "space_delimited_non_exploded", "query", "array=a%20b&object=name%20n%20description%20d"),
    ("query", "pipe_delimited_non_exploded", "query", "array=a|b&object=name|n|description|d"),
    ("query", "deep_object_non_exploded", "query", "object[name]=n&object[description]=d"),
    ("header", "headers_standard", "header", ("p", "a,b", "name,n,description,d")),
    ("header", "headers_simple_non_exploded", "header", ("p", "a,b", "name,n,description,d")),
    ("header", "headers_simple_exploded", "header", ("p", "a,b", "name=n,description=d")),
    ("cookie", "cookies_standard", "cookie", "primitive=p; array=a; array=b; name=n; description=d"),
    ("cookie", "cookies_form_exploded", "cookie", "primitive=p; array=a; array=b; name=n; description=d"),
    ("cookie", "cookies_form_non_exploded", "cookie", "primitive=p; array=a,b; object=name,n,description,d"),
]


def test_parameters_style_document(built: Built, server: HTTPServer, url: str) -> None:
    mod = built.load("parameters_style")
    seen = serve(server, Reply())
    values = {"primitive": "p", "array": ["a", "b"], "object": {"name": "n", "description": "d"}}
    with mod.Support(base_url=url) as client:
        for resource, method, where, _ in STYLE_CASES:
            func = getattr(getattr(client, resource), method)
            params = [n for n in ("primitive", "array", "object") if n in func.__code__.co_varnames]
            if where == "path":
                func(*(values[n] for n in params))
            else:
                func(**{n: values[n] for n in params})
    for (_, method, where, expected), request in zip(STYLE_CASES, seen, strict=True):
        if where == "path":
            assert request.path == expected, method
        elif where == "query":
            assert request.query == expected, method
        elif where == "header":
            got = tuple(request.headers[n] for n in ("primitive", "array", "object"))
            assert got == expected, method
        else:
            assert request.headers["cookie"] == expected, method


def test_parameters_style_multipart_encoding(built: Built, server: HTTPServer, url: str) -> None:
    mod = built.load("parameters_style")
    seen = serve(server, Reply())
    with mod.Support(base_url=url) as client:
        enc = client.multipart_form_data_encoding
        enc.form_data_standard(primitive="p", array=["a", "b"], object={"foo": "f", "bar": "b"})
        enc.form_data_form_non_exploded(primitive="p", array=["a", "b"], object={"foo": "f", "bar": "b"})
        enc.form_data_form_exploded(primitive="p", array=["a", "b"], object={"foo": "f", "bar": "b"})
        enc.form_data_pipe_delimited_non_exploded(array=["a", "b"])
        enc.form_data_deep_object_exploded(object={"foo": "f", "bar": "b"})
    standard, non_exploded, exploded, pipes, deep = seen
    assert standard.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert standard.form == [("primitive", "p"), ("array", "a"), ("array", "b"), ("object", '{"foo": "f", "bar": "b"}')]
    assert non_exploded.form == [("primitive", "p"), ("array", "a,b"), ("object", "foo,f,bar,b")]
    assert exploded.form == [("primitive", "p"), ("array", "a"), ("array", "b"), ("foo", "f"), ("bar", "b")]
    assert pipes.form == [("array", "a|b")]
    assert deep.form == [("object[foo]", "f"), ("object[bar]", "b")]


def test_parameters_cookies_document(built: Built, server: HTTPServer, url: str) -> None:
    mod = built.load("parameters_cookies")
    seen = serve(server, Reply())
    with mod.CookieParameters(base_url=url) as client:
        # The resource `post` is `post_`: `client.post(...)` is the client's own (undocumented endpoints).
        client.post_.post_post(foo="f 1", bar="b;2")
        client.post_.post_post(bar="only")
    assert seen[0].headers["cookie"] == "foo=f%201; bar=b%3B2"
    assert seen[1].headers["cookie"] == "bar=only"


# --- request bodies -----------------------------------------------------------------------------


def test_json_body_or_form_body_as_the_caller_chooses(built: Built, server: HTTPServer, url: str) -> None:
    ops = built.load("ops_client")
    seen = serve(server, Reply(body=ITEM), Reply(status=202, body=""), Reply(status=204, body=""))
    item = {"id": "i1", "name": "one", "tags": ["a", "b"]}
    with ops.Ops(api_key="k", base_url=url) as client:
        assert client.items.meta_root("i1", **item) == ops.types.Item(**ITEM)
        assert client.items.meta_root("i1", **item, content_type="application/x-www-form-urlencoded") is None
        assert client.items.meta_root("i1", **item, extra_body={"extra": 1}) is None
    as_json, as_form, merged = seen
    assert as_json.headers["content-type"] == "application/json"
    assert json.loads(as_json.body) == {"id": "i1", "name": "one", "tags": ["a", "b"]}
    assert as_form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert as_form.body == b"id=i1&name=one&tags=a&tags=b"
    assert json.loads(merged.body)["extra"] == 1


def test_multipart_files_and_fields(built: Built, server: HTTPServer, url: str, tmp_path: Path) -> None:
    ops = built.load("ops_client")
    seen = serve(server, Reply(status=201, body={"id": "u1"}))
    path = tmp_path / "notes.txt"
    path.write_bytes(b"from disk")
    with ops.Ops(api_key="k", base_url=url) as client:
        stored = client.uploads.post_oauth2_token_refresh(
            file=("report.csv", io.BytesIO(b"a,b\n1,2\n"), "text/csv"),
            attachments=[b"\x00\x01raw", path],
            note="hello",
            count=3,
            meta={"a": "x"},
            labels=["l1", "l2"],
        )
        assert stored.id == "u1"
        client.uploads.post_oauth2_token_refresh(file=b"only")
    full, only = seen
    assert full.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert full.files == [
        ("file", "report.csv", b"a,b\n1,2\n", "text/csv"),
        ("attachments", "attachments", b"\x00\x01raw", "application/octet-stream"),
        ("attachments", "notes.txt", b"from disk", "text/plain"),
    ]
    assert full.form == [("note", "hello"), ("count", "3"), ("meta", '{"a": "x"}'), ("labels", "l1,l2")]
    assert only.files == [("file", "file", b"only", "application/octet-stream")]
    assert only.form == []


def test_binary_body_and_binary_response(built: Built, server: HTTPServer, url: str) -> None:
    ops = built.load("ops_client")
    seen = serve(server, Reply(body=b"\x89PNG\x00", content_type="application/octet-stream"))
    with ops.Ops(api_key="k", base_url=url) as client:
        assert client.storage.blobs.put("b1", body=b"\x00\xffdata").read() == b"\x89PNG\x00"
        client.storage.blobs.put("b2", body=io.BytesIO(b"png!"), content_type="image/png")
    raw, png = seen
    assert raw.body == b"\x00\xffdata"
    assert raw.headers["content-type"] == "application/octet-stream"
    assert raw.headers["accept"] == "application/octet-stream"
    assert png.body == b"png!"
    assert png.headers["content-type"] == "image/png"


def test_text_body_with_basic_auth_from_configured_env(
    built: Built, server: HTTPServer, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ops = built.load("ops_client")
    monkeypatch.setenv("OPS_USER", "ann")
    monkeypatch.setenv("OPS_PASSWORD", "s3cret")
    seen = serve(server, Reply(status=201, body=["n1"]))
    with ops.Ops(base_url=url) as client:
        assert client.notes.add_note(body="héllo\nworld") == ["n1"]
    assert seen[0].body == "héllo\nworld".encode()
    assert seen[0].headers["content-type"] == "text/plain"
    assert seen[0].headers["authorization"] == "Basic YW5uOnMzY3JldA=="


def test_form_body_and_optional_combined_auth(built: Built, server: HTTPServer, url: str) -> None:
    ops = built.load("ops_client")
    seen = serve(server, Reply(body={"token": "t"}))
    with ops.Ops(base_url=url, api_key_query="qk", api_key_cookie="ck") as client:
        assert client.auth.create_token(client_id="c 1", scope=["a", "b"]).token == "t"
    with ops.Ops(base_url=url, api_key_query="qk") as client:  # one of two: the empty alternative
        client.auth.create_token(client_id="c2")
    both, none = seen
    assert both.headers["content-type"] == "application/x-www-form-urlencoded"
    assert both.form == [("client_id", "c 1"), ("scope", "a"), ("scope", "b")]
    assert both.query == "key=qk"
    assert both.headers["cookie"] == "sid=ck"
    assert none.raw_uri == "/tokens"
    assert "cookie" not in none.headers


def test_form_data_document(built: Built, server: HTTPServer, url: str) -> None:
    mod = built.load("form_data")
    seen = serve(server, Reply(body={"access_token": 1, "token_type": "bearer", "expires_in": 60}))
    with mod.XWwwFormUrlencodedSupport(base_url=url) as client:
        token = client.anything.demo_form_data(client_id="id", client_secret="s&=", scope=2)
    assert token.token_type == "bearer"
    assert seen[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert seen[0].body == b"client_id=id&client_secret=s%26%3D&scope=2"


def test_file_uploads_document(built: Built, server: HTTPServer, url: str) -> None:
    mod = built.load("file_uploads")
    seen = serve(server, Reply())
    with mod.FileUploadingSupport(base_url=url) as client:
        client.image_png.post_anything_image_png(body=b"\x89PNG")
        client.multipart_form_data.post_anything_multipart_formdata(
            order_id=1, user_id=2, document_file=("doc.pdf", b"%PDF", "application/pdf")
        )
        client.multipart_form_data.put_anything_multipart_formdata(filename=[b"one", ("two.txt", b"two")])
    png, single, multiple = seen
    assert png.headers["content-type"] == "image/png"
    assert png.body == b"\x89PNG"
    assert single.form == [("orderId", "1"), ("userId", "2")]
    assert single.files == [("documentFile", "doc.pdf", b"%PDF", "application/pdf")]
    assert multiple.files == [
        ("filename", "filename", b"one", "application/octet-stream"),
        ("filename", "two.txt", b"two", "text/plain"),
    ]


# --- responses ----------------------------------------------------------------------------------


def test_typed_error_bodies(built: Built, server: HTTPServer, url: str) -> None:
    ops = built.load("ops_client")
    serve(
        server,
        Reply(status=404, body={"missing": "i9"}),
        Reply(status=418, body={"code": "teapot"}),
        Reply(status=500, body={"code": "boom"}),
        Reply(status=409, body={"unexpected": True}),
        Reply(status=503, body={"code": "later"}),
    )
    with ops.Ops(api_key="k", base_url=url, max_retries=0) as client:
        find = client.items.find_item_by_id
        with pytest.raises(ops.NotFoundError) as not_found:
            find("i9", x_trace="t")
        assert not_found.value.error == ops.types.NotFound(missing="i9")
        with pytest.raises(ops.APIStatusError) as teapot:
            find("i9", x_trace="t")
        assert teapot.value.status_code == 418
        assert teapot.value.error == ops.types.Problem(code="teapot")  # the 4XX range
        with pytest.raises(ops.InternalServerError) as boom:
            find("i9", x_trace="t")
        assert boom.value.error == ops.types.Problem(code="boom")  # default
        with pytest.raises(ops.ConflictError) as conflict:
            find("i9", x_trace="t")
        assert conflict.value.error is None  # does not fit the 4XX model: the raw body stays
        assert conflict.value.body == {"unexpected": True}
        with pytest.raises(ops.InternalServerError) as later:
            client.with_options(username="u").notes.add_note(body="x")
        assert later.value.error == ops.types.Problem(code="later")  # 5XX


def test_response_headers_through_the_raw_response(built: Built, server: HTTPServer, url: str) -> None:
    ops = built.load("ops_client")
    serve(server, Reply(body=ITEM, headers={"X-Rate-Limit": "7"}))
    with ops.Ops(api_key="k", base_url=url) as client:
        raw = client.items.with_raw_response.find_item_by_id("i1", x_trace="t")
        assert raw.headers["x-rate-limit"] == "7"
        assert raw.status_code == 200
        assert raw.parse().name == "one"


def test_malformed_json_is_a_validation_error(built: Built, server: HTTPServer, url: str) -> None:
    ops = built.load("ops_client")
    seen = serve(server, Reply(body="{not json"))
    with ops.Ops(api_key="k", base_url=url) as client:
        with pytest.raises(ops.APIResponseValidationError) as info:
            client.items.find_item_by_id("i1", x_trace="t")
    assert info.value.status_code == 200
    assert len(seen) == 1  # not retried


def test_response_http_behavior_document(built: Built, server: HTTPServer, url: str) -> None:
    mod = built.load("response_http_behavior")
    seen: list[str] = []
    server.clear_all_handlers()

    def handler(request: Request) -> Response:
        seen.append(request.environ["RAW_URI"])
        if request.path == "/status/302":
            return Response("", status=302, headers={"Location": "/status/204"})
        if request.path == "/status/204":
            return Response("", status=204)
        if request.headers.get("If-None-Match") == "etag-1":
            return Response("", status=304)
        return Response("cached body", headers={"ETag": "etag-1"}, content_type="text/plain")

    server.expect_request(re.compile(".*")).respond_with_handler(handler)
    with mod.HTTPTest(base_url=url, max_retries=0) as client:
        assert client.cache.cached() is None
        raw = client.cache.with_raw_response.cached()
        assert raw.headers["etag"] == "etag-1"
        with pytest.raises(mod.APIStatusError) as info:
            client.cache.cached(if_none_match="etag-1")
        assert info.value.status_code == 304
        assert client.status.redirect() is None  # the redirect is followed to a 204
        assert client.status.nocontent() is None
    assert seen[-3:] == ["/status/302", "/status/204", "/status/204"]


def test_response_multiple_mediatypes_document(built: Built, server: HTTPServer, url: str) -> None:
    mod = built.load("response_multiple_mediatypes")
    seen = serve(
        server,
        Reply(body={"name": "Fluffy"}),
        Reply(body="OK", content_type="text/plain"),
        Reply(status=400, body="<note/>", content_type="application/xml"),
    )
    with mod.Responses(base_url=url, max_retries=0) as client:
        resource = client.multiple_types_multiple_examples
        assert resource.post_multiple_types_multiple_examples(string_format_string="s") == {"name": "Fluffy"}
        assert resource.post_multiple_types_multiple_examples() == "OK"
        with pytest.raises(mod.BadRequestError) as info:
            resource.post_multiple_types_multiple_examples()
        assert info.value.body == "<note/>"
    assert seen[0].headers["accept"] == "text/plain, application/json"
    assert json.loads(seen[0].body) == {"string (format: string)": "s"}


# --- auth -------------------------------------------------------------------------------------


def test_security_document(built: Built, server: HTTPServer, url: str) -> None:
    mod = built.load("security")
    seen = serve(server, Reply())
    client = mod.Support(
        base_url=url,
        api_key_query="q-key",
        api_key_cookie="c-key",
        api_key_header="h-key",
        username="user",
        password="pw",
        bearer_token="b-tok",
        access_token="a-tok",
    )
    with client:
        client.api_key.get_anything_api_key()
        client.api_key.post_anything_api_key()
        client.api_key.put_anything_api_key()
        client.http.post_anything_basic()
        client.http.post_anything_bearer()
        client.o_auth_2.post_anything_oauth2()
        client.open_id_connect.post_anything_open_id_connect()
        client.other.post_anything_no_auth()
        client.other.get_anything_optional_auth()
    query, cookie, header, basic, bearer, oauth, oidc, none, optional = seen
    assert query.query == "apiKey=q-key"
    assert cookie.headers["cookie"] == "api_key=c-key"
    assert header.headers["x-api-key"] == "h-key"
    assert basic.headers["authorization"] == "Basic dXNlcjpwdw=="
    assert bearer.headers["authorization"] == "Bearer b-tok"
    assert oauth.headers["authorization"] == oidc.headers["authorization"] == "Bearer a-tok"
    for request in (none, query, cookie, header):
        assert "authorization" not in request.headers
    assert "cookie" not in none.headers and "x-api-key" not in none.headers and none.query == ""
    assert optional.query == "apiKey=q-key"


def test_security_missing_credentials(built: Built, server: HTTPServer, url: str) -> None:
    mod = built.load("security")
    seen = serve(server, Reply())
    with mod.Support(base_url=url) as client:
        with pytest.raises(mod.MissingCredentialsError, match="api_key_header"):
            client.api_key.put_anything_api_key()
        with pytest.raises(mod.MissingCredentialsError, match="username"):
            client.http.post_anything_basic()
        client.other.get_anything_optional_auth()  # optional: sent without
        client.other.post_anything_no_auth()
    assert [s.raw_uri for s in seen] == ["/anything/optional-auth", "/anything/no-auth"]


def test_missing_credentials_name_the_configured_env(built: Built) -> None:
    ops = built.load("ops_client")

    async def scenario() -> None:
        async with ops.AsyncOps(base_url="http://127.0.0.1:9") as client:
            with pytest.raises(ops.MissingCredentialsError, match="OPS_KEY"):
                await client.items.find_item_by_id("i", x_trace="t")

    asyncio.run(scenario())


def test_async_client_sends_the_same_requests(built: Built, server: HTTPServer, url: str) -> None:
    ops = built.load("ops_client")
    seen = serve(server, Reply(body=ITEM), Reply(status=201, body={"id": "u"}))

    async def scenario() -> None:
        async with ops.AsyncOps(bearer_token="tok", base_url=url) as client:
            item = await client.items.find_item_by_id("i1", x_trace="t", tags=["a", "b"])
            assert item.id == "i1"
            await client.uploads.post_oauth2_token_refresh(file=b"x", note="n")

    asyncio.run(scenario())
    find, upload = seen
    assert find.raw_uri == "/items/i1?tags=a|b"
    assert find.headers["authorization"] == "Bearer tok"
    assert upload.files == [("file", "file", b"x", "application/octet-stream")]
    assert upload.form == [("note", "n")]
