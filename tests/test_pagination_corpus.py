"""Pagination recognised on real specs, without config: GitHub's list methods page by the Link
header, Stripe's by ``starting_after``; one method of each pages to the end against a local server
that pages for real.

Marked ``slow`` (GitHub's spec takes 10 to 30 s to generate, Stripe's 7 to 15 s; each once, for
the module); skipped when ``../shared/corpus`` is absent.
"""

from __future__ import annotations

import gzip
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .helpers import ROOT, run_oagen

pytestmark = pytest.mark.slow

CORPUS = ROOT.parent / "shared" / "corpus"
GITHUB = CORPUS / "github" / "api.github.com.json.gz"
STRIPE = CORPUS / "real" / "stripe.yaml"


def _generate(spec: Path, out: Path, package: str) -> Iterator[ModuleType]:
    result = run_oagen("generate", str(spec), "--output", str(out), "--package-name", package)
    assert result.returncode == 0, result.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == package]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def github(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    if not GITHUB.exists():
        pytest.skip(f"{GITHUB.name} is absent (../shared/corpus)")
    root = tmp_path_factory.mktemp("github")
    spec = root / "api.github.com.json"
    spec.write_bytes(gzip.decompress(GITHUB.read_bytes()))
    yield from _generate(spec, root / "out", "github_client")


@pytest.fixture(scope="module")
def stripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    if not STRIPE.exists():
        pytest.skip(f"{STRIPE.name} is absent (../shared/corpus)")
    yield from _generate(STRIPE, tmp_path_factory.mktemp("stripe") / "out", "stripe_client")


def test_github_issues_page_by_the_link_header(github: ModuleType, httpserver: HTTPServer) -> None:
    issues = [{"id": n, "number": n, "title": f"issue {n}", "state": "open"} for n in range(1, 6)]
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        page, per_page = int(request.args.get("page", "1")), int(request.args["per_page"])
        headers = {}
        if page * per_page < len(issues):
            # As GitHub does: the next URL by the repository's id, the query repeated.
            following = f"{request.host_url}repositories/1300192/issues?state=open&per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{following}>; rel="next", <{request.host_url}repositories/1300192/issues>; rel="first"'
        body = issues[(page - 1) * per_page : page * per_page]
        return Response(json.dumps(body), content_type="application/json", headers=headers)

    httpserver.expect_request("/repos/octocat/hello/issues").respond_with_handler(handler)
    httpserver.expect_request("/repositories/1300192/issues").respond_with_handler(handler)
    client = github.GitHub(base_url=httpserver.url_for("/"))
    pages = client.issues.list_for_repo("octocat", "hello", state="open", per_page=2, extra_headers={"x-t": "1"})
    assert type(pages).__name__ == "SyncPage" and len(pages.data) == 2
    assert [issue.title for issue in pages] == [f"issue {n}" for n in range(1, 6)]
    assert [(r.path, r.args.get("page")) for r in seen] == [
        ("/repos/octocat/hello/issues", None),
        ("/repositories/1300192/issues", "2"),
        ("/repositories/1300192/issues", "3"),
    ]
    assert all(r.headers["x-t"] == "1" and r.args["state"] == "open" for r in seen)


def test_stripe_customers_page_by_starting_after(stripe: ModuleType, httpserver: HTTPServer) -> None:
    customers = [{"id": f"cus_{n}", "object": "customer", "email": f"{n}@example.com"} for n in range(5)]
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        after = request.args.get("starting_after")
        start = next(i + 1 for i, c in enumerate(customers) if c["id"] == after) if after else 0
        chunk = customers[start : start + int(request.args["limit"])]
        body = {
            "object": "list",
            "data": chunk,
            "has_more": start + len(chunk) < len(customers),
            "url": "/v1/customers",
        }
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/v1/customers").respond_with_handler(handler)
    client = stripe.Stripe(bearer_token="sk_test", base_url=httpserver.url_for("/"))
    emails = [customer.email for customer in client.v1.get_customers(limit=2, email="x")]
    assert emails == [c["email"] for c in customers]
    assert [r.args.get("starting_after") for r in seen] == [None, "cus_1", "cus_3"]
    assert all(r.args["limit"] == "2" and r.args["email"] == "x" for r in seen)
    assert all(r.headers["Authorization"] == "Bearer sk_test" for r in seen)
