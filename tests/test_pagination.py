"""Pagination on the wire: a list method returns a page; iterating it yields every item of every
page, each page fetched when needed, for every style (cursor by id, Stripe's starting_after, a
next-page token, offset, page number, a next URL, the Link header), declared in the config, in
``x-oagen-pagination`` or recognised; sync and async; per-call options carry over; page classes
named by a scheme's ``page``; mypy --strict."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .helpers import run_oagen

PACKAGE = "pages_client"
ITEMS = [{"id": f"i{n}", "n": n} for n in range(7)]  # three pages of at most 3
SIZE = 3


def _query(*names: str, integer: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [{"name": n, "in": "query", "schema": {"type": "integer" if n in integer else "string"}} for n in names]


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def _list(items: str = "data", **props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {items: {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}, **props},
    }


_STR = {"type": "string", "nullable": True}
_BOOL = {"type": "boolean"}
_INT = {"type": "integer"}

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pages", "version": "1.0.0"},
    "servers": [{"url": "http://localhost"}],
    "paths": {
        # Recognised: cursor by id (Anthropic), starting_after (Stripe), a token, the Link header.
        "/by_id": {
            "get": {
                "operationId": "by_id",
                "tags": ["items"],
                "parameters": _query("before_id", "after_id", "limit", integer=("limit",)),
                "responses": _ok(_list(has_more=_BOOL, first_id=_STR, last_id=_STR)),
            }
        },
        "/stripe": {
            "get": {
                "operationId": "stripe",
                "tags": ["items"],
                "parameters": _query("starting_after", "ending_before", "limit", integer=("limit",)),
                "responses": _ok(_list(has_more=_BOOL, url={"type": "string"})),
            }
        },
        "/token": {
            "get": {
                "operationId": "token",
                "tags": ["items"],
                "parameters": _query("page_token"),
                "responses": _ok(_list("items", next_page_token=_STR)),
            }
        },
        "/link": {
            "get": {
                "operationId": "link",
                "tags": ["items"],
                "parameters": _query("page", "per_page", integer=("page", "per_page")),
                "responses": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Item"}}),
            }
        },
        # Declared: in the config (offset, next URL) and in the operation (page number).
        "/offset": {
            "get": {
                "operationId": "offset",
                "tags": ["items"],
                "parameters": _query("offset", "limit", integer=("offset", "limit")),
                "responses": _ok(_list("results", total=_INT)),
            }
        },
        "/numbered": {
            "get": {
                "operationId": "numbered",
                "tags": ["items"],
                "x-oagen-pagination": {"style": "page", "has_more": "more", "page": "PageNumber"},
                "parameters": _query("page", integer=("page",)),
                "responses": _ok(_list("results", more=_BOOL)),
            }
        },
        "/next": {
            "get": {
                "operationId": "next_url",
                "tags": ["items"],
                "parameters": _query("after"),
                "responses": _ok(_list("values", next=_STR)),
            }
        },
        # Looks paginated, but the config says it is not.
        "/plain": {
            "get": {
                "operationId": "plain",
                "tags": ["items"],
                "parameters": _query("after_id"),
                "responses": _ok(_list(has_more=_BOOL, last_id=_STR)),
            }
        },
    },
    "components": {
        "schemas": {"Item": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "n": _INT}}}
    },
}

CONFIG = """\
pagination:
  offset_total: {style: offset, total: total}
  next_link: {style: next_url, items: values, page: PageCursor}
operations:
  offset: {pagination: offset_total}
  next_url: {pagination: next_link}
  token: {pagination: {style: cursor, param: page_token, cursor: next_page_token, page: PageCursor}}
  plain: {pagination: false}
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("pages")
    (root / "openapi.json").write_text(json.dumps(SPEC))
    (root / "oagen.yaml").write_text(CONFIG)
    result = run_oagen(
        "generate",
        str(root / "openapi.json"),
        "--config",
        str(root / "oagen.yaml"),
        "--output",
        str(root / "out"),
        "--package-name",
        PACKAGE,
    )
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(root / "out"))
    try:
        yield root / "out"
    finally:
        sys.path.remove(str(root / "out"))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _index(items: list[dict[str, Any]], item_id: object) -> int:
    return next(i for i, item in enumerate(items) if item["id"] == item_id)


def _serve(httpserver: HTTPServer, slow_page: int | None = None) -> list[Request]:
    """A server that pages ITEMS for real, by every style; the requests it saw."""
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        if slow_page is not None and len(seen) == slow_page:
            time.sleep(1.0)
        args, path = request.args, request.path
        headers: dict[str, str] = {}
        if path == "/by_id":
            if "before_id" in args:
                end = _index(ITEMS, args["before_id"])
                chunk = ITEMS[max(0, end - SIZE) : end]
                more = end - SIZE > 0
            else:
                start = _index(ITEMS, args["after_id"]) + 1 if "after_id" in args else 0
                chunk, more = ITEMS[start : start + SIZE], start + SIZE < len(ITEMS)
            body: object = {
                "data": chunk,
                "has_more": more,
                "first_id": chunk[0]["id"],
                "last_id": chunk[-1]["id"],
            }
        elif path == "/stripe":
            start = _index(ITEMS, args["starting_after"]) + 1 if "starting_after" in args else 0
            chunk = ITEMS[start : start + SIZE]
            body = {"object": "list", "data": chunk, "has_more": start + SIZE < len(ITEMS), "url": "/stripe"}
        elif path == "/token":
            start = int(args.get("page_token", "0"))
            token = str(start + SIZE) if start + SIZE < len(ITEMS) else None
            body = {"items": ITEMS[start : start + SIZE], "next_page_token": token}
        elif path == "/link":
            page, per_page = int(args.get("page", "1")), int(args["per_page"])
            body = ITEMS[(page - 1) * per_page : page * per_page]
            if page * per_page < len(ITEMS):
                # GitHub's next URL: absolute, with a path of its own and the query repeated.
                url = request.host_url + f"link?per_page={per_page}&page={page + 1}"
                headers["Link"] = f'<{url}>; rel="next", <{request.host_url}link?page=1>; rel="first"'
        elif path == "/offset":
            start = int(args.get("offset", "0"))
            body = {"results": ITEMS[start : start + SIZE], "total": len(ITEMS)}
        elif path == "/numbered":
            page = int(args.get("page", "1"))
            body = {"results": ITEMS[(page - 1) * SIZE : page * SIZE], "more": page * SIZE < len(ITEMS)}
        else:  # /next
            start = _index(ITEMS, args["after"]) + 1 if "after" in args else 0
            last = ITEMS[start : start + SIZE][-1]["id"]
            following = f"/next?after={last}" if start + SIZE < len(ITEMS) else None
            body = {"values": ITEMS[start : start + SIZE], "next": following}
        return Response(json.dumps(body), content_type="application/json", headers=headers)

    httpserver.expect_request(re.compile("/.*")).respond_with_handler(handler)
    return seen


#: (method, arguments, the query parameter each later request carries, its values).
STYLES = [
    ("by_id", {"limit": 3}, "after_id", ["i2", "i5"]),
    ("stripe", {"limit": 3}, "starting_after", ["i2", "i5"]),
    ("token", {}, "page_token", ["3", "6"]),
    ("link", {"per_page": 3}, "page", ["2", "3"]),
    ("offset", {"limit": 3}, "offset", ["3", "6"]),
    ("numbered", {}, "page", ["2", "3"]),
    ("next_url", {}, "after", ["i2", "i5"]),
]


@pytest.mark.parametrize(("method", "arguments", "param", "values"), STYLES, ids=[s[0] for s in STYLES])
def test_every_style_pages_to_the_end(
    generated: Path, httpserver: HTTPServer, method: str, arguments: dict[str, Any], param: str, values: list[str]
) -> None:
    seen = _serve(httpserver)
    client = importlib.import_module(PACKAGE).Pages(base_url=httpserver.url_for("/"))
    with client:
        pages = getattr(client.items, method)(**arguments, extra_headers={"x-trace": "t"}, extra_query={"q": "1"})
        assert [item.id for item in pages.data] == ["i0", "i1", "i2"] and len(seen) == 1  # one page so far
        assert [item.n for item in pages] == list(range(7))
    assert len(seen) == 3
    assert [r.args.get(param) for r in seen[1:]] == values
    for request in seen:  # the call's arguments and options, on every page
        assert request.headers["x-trace"] == "t" and request.args["q"] == "1"
        for name, value in arguments.items():
            assert request.args[name] == str(value)


def test_a_page_and_the_next(generated: Path, httpserver: HTTPServer) -> None:
    seen = _serve(httpserver)
    client = importlib.import_module(PACKAGE).Pages(base_url=httpserver.url_for("/"))
    first = client.items.by_id(limit=3)
    assert type(first).__name__ == "SyncPage"  # no `page` in its scheme
    assert first.has_next_page() and first.has_more is True and first.last_id == "i2"
    info = first.next_page_info()
    assert info is not None and dict(info.params) == {"after_id": "i2"}
    second = first.get_next_page()
    assert [m.id for m in second.data] == ["i3", "i4", "i5"] and second.first_id == "i3"
    pages = list(second.iter_pages())
    assert [len(p.data) for p in pages] == [3, 1] and not pages[-1].has_next_page()
    assert pages[-1].next_page_info() is None
    with pytest.raises(RuntimeError, match="No next page"):
        pages[-1].get_next_page()
    # Backwards from before_id: the next page is before the first item (after_id not sent).
    assert [m.id for m in client.items.by_id(before_id="i6", limit=3)] == ["i3", "i4", "i5", "i0", "i1", "i2"]
    assert seen[-1].args["before_id"] == "i3" and "after_id" not in seen[-1].args
    # Not paginated, as the config says: the response model, as before.
    plain = client.items.plain()
    assert type(plain).__name__ != "SyncPage"


def test_async_pages(generated: Path, httpserver: HTTPServer) -> None:
    seen = _serve(httpserver)
    client = importlib.import_module(PACKAGE).AsyncPages(base_url=httpserver.url_for("/"))

    async def main() -> None:
        async with client:
            assert [item.id async for item in client.items.stripe(limit=3)] == [i["id"] for i in ITEMS]
            first = await client.items.offset(limit=3)
            assert [item.n for item in first.data] == [0, 1, 2] and first.has_next_page()
            second = await first.get_next_page()
            assert [item.n for item in second.data] == [3, 4, 5]
            assert [len(p.data) async for p in first.iter_pages()] == [3, 3, 1]
            assert [item.n async for item in second] == [3, 4, 5, 6]
            raw = await client.items.with_raw_response.link(per_page=3)
            assert raw.status_code == 200 and "Link" in raw.headers

    asyncio.run(main())
    # stripe: 3; offset: the first page, get_next_page, iter_pages (2 more), second's items (1), raw: 1
    assert len(seen) == 3 + 1 + 1 + 2 + 1 + 1


@pytest.mark.parametrize(
    ("method", "stem"), [("next_url", "PageCursor"), ("token", "PageCursor"), ("numbered", "PageNumber")]
)
def test_a_scheme_names_its_page_classes(generated: Path, httpserver: HTTPServer, method: str, stem: str) -> None:
    """`page: PageCursor` in a config scheme, a scheme in place (the same stem) or x-oagen-pagination:
    every page, sync and async, is a SyncPageCursor (AsyncPageCursor), a SyncPage (AsyncPage) by
    another name."""
    seen = _serve(httpserver)
    module = importlib.import_module(PACKAGE)
    pagination = importlib.import_module(PACKAGE + "._pagination")
    sync_class, async_class = getattr(pagination, "Sync" + stem), getattr(pagination, "Async" + stem)
    assert issubclass(sync_class, pagination.SyncPage) and issubclass(async_class, pagination.AsyncPage)
    assert {"Sync" + stem, "Async" + stem} <= set(pagination.__all__)

    first = getattr(module.Pages(base_url=httpserver.url_for("/")).items, method)()
    pages = list(first.iter_pages())
    assert [type(page) for page in pages] == [sync_class] * 3
    assert [item.n for page in pages for item in page.data] == list(range(7))
    assert type(first.get_next_page()) is sync_class and [item.n for item in first] == list(range(7))

    async def main() -> None:
        client = module.AsyncPages(base_url=httpserver.url_for("/"))
        first = await getattr(client.items, method)()
        pages = [page async for page in first.iter_pages()]
        assert [type(page) for page in pages] == [async_class] * 3
        assert type(await first.get_next_page()) is async_class
        assert [item.n async for item in getattr(client.items, method)()] == list(range(7))

    asyncio.run(main())
    # sync: three pages, the second again, the items (the first page's already there); async: the same
    # and the items of a new call.
    assert len(seen) == 3 + 1 + 2 + 3 + 1 + 3


def test_options_carry_over_to_later_pages(generated: Path, httpserver: HTTPServer) -> None:
    """A timeout given to the call holds for the second page too (which the server is slow to send)."""
    _serve(httpserver, slow_page=2)
    module = importlib.import_module(PACKAGE)
    client = module.Pages(base_url=httpserver.url_for("/"), max_retries=0)
    items = client.items.token(timeout=0.3)
    assert len(items.data) == 3
    with pytest.raises(module.APITimeoutError):
        list(items)
    assert len(list(client.items.token(timeout=5))) == 7  # the same, given the time


def test_user_code_type_checks(generated: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    user = f"""\
from typing import List
from {PACKAGE} import AsyncPages, Pages
from {PACKAGE}._pagination import AsyncPage, AsyncPageCursor, AsyncPaginator, SyncPage, SyncPageCursor
from {PACKAGE}.types.item import Item

client = Pages()
ids: List[str] = [item.id for item in client.items.by_id(limit=3)]
first = client.items.link(per_page=3)
if first.has_next_page():
    more: List[Item] = first.get_next_page().data
cursor = first.next_page_info()
for page in first.iter_pages():
    print(len(page.data))
named: SyncPageCursor[Item] = client.items.next_url()
following_page: SyncPageCursor[Item] = named.get_next_page()
pages: List[SyncPageCursor[Item]] = list(named.iter_pages())
plain: SyncPage[Item] = named


async def main() -> None:
    aclient = AsyncPages()
    async for item in aclient.items.token():
        print(item.n)
    page = await aclient.items.by_id()
    print(page.last_id)
    if page.has_next_page():
        following = await page.get_next_page()
        numbers: List[int | None] = [i.n for i in following.data]
    paginator: AsyncPaginator[Item, AsyncPageCursor[Item]] = aclient.items.token()
    cursor_page: AsyncPageCursor[Item] = await paginator
    cursor_pages: List[AsyncPageCursor[Item]] = [p async for p in cursor_page.iter_pages()]
    next_cursor_page: AsyncPage[Item] = await cursor_page.get_next_page()
"""
    bad = f"""\
from {PACKAGE} import Pages
from {PACKAGE}._pagination import SyncPageCursor
from {PACKAGE}.types.item import Item

for item in Pages().items.by_id():
    item.nothing
numbered: SyncPageCursor[Item] = Pages().items.numbered()
"""
    (tmp_path / PACKAGE).symlink_to(generated / PACKAGE, target_is_directory=True)
    results = []
    for source in (user, bad):
        (tmp_path / "user.py").write_text(source)
        results.append(
            subprocess.run(
                [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "user.py"],
                cwd=tmp_path,
                capture_output=True,
                text=True,
            )
        )
    assert results[0].returncode == 0, results[0].stdout
    assert results[1].returncode == 1 and '"Item" has no attribute "nothing"' in results[1].stdout
    assert '(expression has type "SyncPageNumber[Item]", variable has type "SyncPageCursor[Item]")' in results[1].stdout


@pytest.mark.parametrize(
    ("config", "where", "message"),
    [
        (
            "operations:\n  by_id: {pagination: nothing}\n",
            ":2:23: /operations/by_id/pagination:",
            "no pagination scheme 'nothing'",
        ),
        (
            "pagination:\n  s: {style: pages}\n",
            ":2:14: /pagination/s/style:",
            "'style' is one of cursor, offset, page, next_url, link_header, not 'pages'",
        ),
        (
            "pagination:\n  s: {style: link_header, param: page}\n",
            ":2:27: /pagination/s/param:",
            "'param' is not a key of style 'link_header'",
        ),
        (
            "operations:\n  by_id:\n    pagination: {style: cursor, param: after}\n",
            ":3:40: /operations/by_id/pagination/param:",
            "GET /by_id: no query parameter 'after'",
        ),
        (
            "operations:\n  token:\n    pagination: {style: cursor, param: page_token, cursor: next}\n",
            ":3:60: /operations/token/pagination/cursor:",
            "GET /token: the response has no property 'next'",
        ),
        (
            "operations:\n  link:\n    pagination: {style: next_url}\n",
            ":3:17: /operations/link/pagination:",
            "GET /link: the response body is a list: it has no property 'next'",
        ),
        (
            "pagination:\n  s: {style: offset, page: 1x}\n",
            ":2:28: /pagination/s/page:",
            "'page' must be a Python identifier, not '1x'",
        ),
        (
            "pagination:\n  s: {style: offset, page: Paginator}\n",
            ":2:28: /pagination/s/page:",
            "'page' 'Paginator' names the page class AsyncPaginator: a name the generated package's runtime uses",
        ),
        (
            "operations:\n  offset:\n    pagination: {style: offset, page: APIClient}\n",
            ":3:39: /operations/offset/pagination/page:",
            "names the page class AsyncAPIClient",
        ),
    ],
)
def test_config_mistakes_are_located(tmp_path: Path, config: str, where: str, message: str) -> None:
    (tmp_path / "openapi.json").write_text(json.dumps(SPEC))
    (tmp_path / "oagen.yaml").write_text(config)
    result = run_oagen(
        "generate",
        str(tmp_path / "openapi.json"),
        "--config",
        str(tmp_path / "oagen.yaml"),
        "--output",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2, result.stderr
    assert where in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_an_extension_mistake_is_located(tmp_path: Path) -> None:
    spec = json.loads(json.dumps(SPEC))
    spec["paths"]["/numbered"]["get"]["x-oagen-pagination"] = {"style": "page", "has_more": "nope"}
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    result = run_oagen("generate", str(tmp_path / "openapi.json"), "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "/paths/~1numbered/get/x-oagen-pagination/has_more:" in result.stderr
    assert "the response has no property 'nope'" in result.stderr
    spec["paths"]["/numbered"]["get"]["x-oagen-pagination"] = {"style": "page", "page": "Page Number"}
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    result = run_oagen("generate", str(tmp_path / "openapi.json"), "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "/paths/~1numbered/get/x-oagen-pagination/page:" in result.stderr
    assert "'page' must be a Python identifier, not 'Page Number'" in result.stderr


def test_names_the_pages_use_are_free_in_any_spec(tmp_path: Path, httpserver: HTTPServer) -> None:
    """Schemas called Pagination, SyncPage and like the page classes of the operation's scheme
    (SyncPageCursor, AsyncPageCursor), a resource too (sync_page_cursor) and a parameter called
    paginate take other names; the package passes mypy --strict and pages."""
    item = {"type": "object", "properties": {"id": {"type": "string"}}}
    page = {
        "type": "object",
        "properties": {
            "data": {"type": "array", "items": {"$ref": "#/components/schemas/Pagination"}},
            "has_more": _BOOL,
            "meta": {"$ref": "#/components/schemas/SyncPageCursor"},
            "more": {"$ref": "#/components/schemas/AsyncPageCursor"},
        },
    }
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Clash", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "operationId": "list_things",
                    "tags": ["sync_page_cursor"],
                    "x-oagen-pagination": {
                        "style": "cursor",
                        "param": "starting_after",
                        "has_more": "has_more",
                        "page": "PageCursor",
                    },
                    "parameters": _query("starting_after", "paginate"),
                    "responses": _ok({"$ref": "#/components/schemas/SyncPage"}),
                }
            }
        },
        "components": {
            "schemas": {
                "Pagination": item,
                "SyncPage": page,
                "SyncPageCursor": {"type": "object", "properties": {"note": {"type": "string"}}},
                "AsyncPageCursor": {"type": "object", "properties": {"note": {"type": "string"}}},
            }
        },
    }
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    result = run_oagen("generate", str(tmp_path / "openapi.json"), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    if importlib.util.find_spec("mypy") is not None:
        checked = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--cache-dir", os.devnull, "clash_client"],
            cwd=tmp_path / "out",
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout
    bodies = iter(
        [
            {"data": [{"id": "a"}], "has_more": True, "meta": {"note": "m"}, "more": {"note": "n"}},
            {"data": [{"id": "b"}], "has_more": False},
        ]
    )
    httpserver.expect_request("/things").respond_with_handler(
        lambda request: Response(json.dumps(next(bodies)), content_type="application/json")
    )
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        module = importlib.import_module("clash_client")
        client = module.Clash(base_url=httpserver.url_for("/"))
        assert type(client.sync_page_cursor).__name__ == "SyncPageCursorResource"
        first = client.sync_page_cursor.list_things(paginate_="p")
        assert type(first).__name__ == "SyncPageCursor"
        assert type(first.meta).__name__ == "SyncPageCursorModel" and first.meta.note == "m"
        assert type(first.more).__name__ == "AsyncPageCursorModel"
        assert [(type(thing).__name__, thing.id) for thing in first] == [
            ("PaginationModel", "a"),
            ("PaginationModel", "b"),
        ]
    finally:
        sys.path.remove(str(tmp_path / "out"))
        for name in [m for m in sys.modules if m.split(".")[0] == "clash_client"]:
            del sys.modules[name]
    assert [r.args.get("starting_after") for r, _ in httpserver.log] == [None, "a"]
    assert all(r.args["paginate"] == "p" for r, _ in httpserver.log)
