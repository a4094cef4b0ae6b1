"""Model names: a component schema keeps its own name; a model that cannot have the name it would
take, because a component schema's model has it, gets another and a warning says how to choose."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import ROOT, run_oagen

SPEC = """openapi: 3.0.3
info: {title: Albums, version: "1"}
paths:
  /albums:
    put:
      operationId: save-albums
      tags: [albums]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  ids: {type: array, items: {type: string}}
components:
  schemas:
    SaveAlbumsResponse:
      type: object
      properties:
        name: {type: string}
"""

WARNING = (
    "warning: {spec}:14:17: /paths/~1albums/put/responses/200/content/application~1json/schema: model"
    " SaveAlbumsResponse_2 is not named SaveAlbumsResponse: that is the model of"
    " components/schemas/SaveAlbumsResponse (config key schemas.SaveAlbumsResponse.name renames it and leaves"
    " SaveAlbumsResponse to this one)"
)


def _generate(tmp_path: Path, spec_text: str, config: str | None = None) -> tuple[str, Path]:
    spec = tmp_path / "albums.yaml"
    spec.write_text(spec_text)
    out = tmp_path / "out"
    args = ["generate", str(spec), "-o", str(out)]
    if config is not None:
        (tmp_path / "oagen.yaml").write_text(config)
        args += ["-c", str(tmp_path / "oagen.yaml")]
    result = run_oagen(*args)
    assert result.returncode == 0, result.stderr
    return result.stderr, out / "albums_client"


def test_a_model_that_loses_its_name_to_a_component_schema_is_warned_about(tmp_path: Path) -> None:
    stderr, package = _generate(tmp_path, SPEC)
    assert WARNING.format(spec=tmp_path / "albums.yaml") in stderr.splitlines()
    assert "-> SaveAlbumsResponse_2:" in (package / "resources" / "albums.py").read_text()
    # A warm run (nothing changed) says it again.
    again = run_oagen("generate", str(tmp_path / "albums.yaml"), "-o", str(tmp_path / "out"))
    assert WARNING.format(spec=tmp_path / "albums.yaml") in again.stderr.splitlines()


def test_the_config_key_the_warning_names_settles_it(tmp_path: Path) -> None:
    stderr, package = _generate(tmp_path, SPEC, "schemas:\n  SaveAlbumsResponse:\n    name: AlbumDraft\n")
    assert "warning:" not in stderr
    assert "-> SaveAlbumsResponse:" in (package / "resources" / "albums.py").read_text()
    assert (package / "types" / "album_draft.py").exists()


def test_no_warning_without_a_clash(tmp_path: Path) -> None:
    stderr, package = _generate(tmp_path, SPEC.replace("SaveAlbumsResponse:", "Album:"))
    assert "warning:" not in stderr
    assert "-> SaveAlbumsResponse:" in (package / "resources" / "albums.py").read_text()


SPOTIFY = ROOT.parent / "shared" / "corpus" / "real" / "spotify-fixed.yml"


@pytest.mark.skipif(not SPOTIFY.is_file(), reason="../shared/corpus is absent")
def test_spotify_with_a_schema_named_like_an_inline_model(tmp_path: Path) -> None:
    text = SPOTIFY.read_text()
    text = text.replace("\n  schemas:\n", "\n  schemas:\n    AudioAnalysisObjectMeta:\n      type: object\n", 1)
    spec = tmp_path / "spotify.yml"
    spec.write_text(text)
    result = run_oagen("generate", str(spec), "-o", str(tmp_path / "out"), "--package-name", "spotify")
    assert result.returncode == 0, result.stderr
    assert "model AudioAnalysisObjectMeta_2 is not named AudioAnalysisObjectMeta" in result.stderr
    assert "schemas.AudioAnalysisObjectMeta.name" in result.stderr
    assert (
        "meta: Optional[AudioAnalysisObjectMeta_2] = None"
        in (tmp_path / "out" / "spotify" / "types" / "audio_analysis_object.py").read_text()
    )


PARAM_SPEC = """openapi: 3.0.3
info: {title: Albums, version: "1"}
paths:
  /albums:
    post:
      operationId: create-album
      tags: [albums]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title]
              properties:
                title: {type: string}
                layout: {$ref: "#/components/schemas/LayoutParam"}
                cover: {$ref: "#/components/schemas/CoverParam"}
                sort: {$ref: "#/components/schemas/SortParam"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
components:
  schemas:
    LayoutParam:           # named as what a request takes: the TypedDict gets this name
      type: object
      properties:
        columns: {type: integer}
    CoverParam:            # another schema is called Cover: the twin adds Param, as for any other
      type: object
      properties:
        url: {type: string}
    Cover:
      type: object
      properties:
        url: {type: string}
        width: {type: integer}
    SortParam:             # no object in it: one type serves both sides and keeps the name
      type: string
      enum: [asc, desc]
"""


def test_a_schema_named_param_names_the_request_side(tmp_path: Path) -> None:
    stderr, package = _generate(tmp_path, PARAM_SPEC)
    types = package / "types"
    assert "class LayoutParam(TypedDict, total=False):" in (types / "layout_param.py").read_text()
    assert "class Layout(BaseModel):" in (types / "layout.py").read_text()
    assert "class CoverParamParam(TypedDict, total=False):" in (types / "cover_param_param.py").read_text()
    assert "class CoverParam(BaseModel):" in (types / "cover_param.py").read_text()
    assert "SortParam: TypeAlias = Lenient[Literal[" in (types / "sort_param.py").read_text()
    assert not (types / "sort.py").exists() and not (types / "sort_param_param.py").exists()
    resource = (package / "resources" / "albums.py").read_text()
    assert "layout: LayoutParam | NotGiven = NOT_GIVEN," in resource
    assert "cover: CoverParamParam | NotGiven = NOT_GIVEN," in resource
    assert "warning" not in stderr
