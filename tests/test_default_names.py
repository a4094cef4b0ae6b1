"""The client's default names come from the spec's title: the words a person would pick."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator import naming

from .helpers import ROOT, run_oagen

CORPUS = ROOT.parent / "shared" / "corpus"

#: Real titles (../shared/corpus) -> (package, client class).
TITLES = {
    "Spotify Web API with fixes and improvements from sonallux": ("spotify_client", "Spotify"),
    "Spotify Web API": ("spotify_client", "Spotify"),
    "Swagger Petstore": ("petstore_client", "Petstore"),
    "USPTO Data Set API": ("uspto_data_set_client", "USPTODataSet"),
    "Twilio - Verify": ("twilio_verify_client", "TwilioVerify"),
    "Box Platform API": ("box_platform_client", "BoxPlatform"),
    "GitHub's official OpenAPI spec + Octokit extension": ("git_hub_client", "GitHub"),
    "Redocly Museum API": ("redocly_museum_client", "RedoclyMuseum"),
    "Petstore simple w/o tags": ("petstore_simple_client", "PetstoreSimple"),
    "Support for parameter serialization": ("support_client", "Support"),
    "API definition with a circular $ref": ("api_client", "API"),
    "Tic Tac Toe": ("tic_tac_toe_client", "TicTacToe"),
    "Kubernetes": ("kubernetes_client", "Kubernetes"),
    "": ("api_client", "Client"),
}


@pytest.mark.parametrize("title", TITLES)
def test_names_from_real_titles(title: str) -> None:
    short = naming.title_name(title)
    assert (naming.python_name(short, fallback="api") + "_client", naming.class_name(short, fallback="Client")) == (
        TITLES[title]
    )


def test_every_corpus_title_gives_a_short_name() -> None:
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.stat().st_size < 1e6)
    if not files:
        pytest.skip("../shared/corpus is absent")
    for path in files:
        data = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        title = data.get("info", {}).get("title") if isinstance(data, dict) else None
        if not isinstance(title, str):
            continue
        short = naming.title_name(title)
        assert short == naming.title_name(title) and len(short.split()) <= naming.TITLE_WORDS, (path, title)
        assert naming.is_identifier(naming.python_name(short, fallback="api")), (path, title)
        assert short.split()[-1].lower() not in {"api", "rest", "openapi", "with", "for"} or len(short.split()) == 1


def test_the_generated_client_takes_the_short_names(tmp_path: Path) -> None:
    spec = tmp_path / "spotify.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: Spotify Web API with fixes and improvements from sonallux, version: '1'}\n"
        "paths: {}\ncomponents:\n  securitySchemes:\n    key: {type: apiKey, in: header, name: X-Key}\n"
    )
    result = run_oagen("generate", str(spec), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    client = (tmp_path / "out" / "spotify_client" / "_client.py").read_text()
    assert "class Spotify(" in client and '"SPOTIFY_API_KEY"' in client and '"SPOTIFY_BASE_URL"' in client
