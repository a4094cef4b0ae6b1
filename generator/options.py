"""What one generation is asked to do (shared by the command line and the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .load import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Options:
    spec: Path
    config: Path | None = None
    package_name: str | None = None
    skip_validation: bool = False
    #: Refuse any document (and all of them together) larger than this many bytes.
    max_spec_bytes: int = DEFAULT_MAX_BYTES
    #: Fetch ``$ref``s to http(s) URLs instead of refusing them.
    allow_remote_refs: bool = False
    #: Directory that file ``$ref``s may not leave (default: the spec's own directory).
    ref_root: Path | None = None
    #: Where results are cached by content hash (None: no persistent cache).
    cache_dir: Path | None = None
    #: Worker processes for validation and formatting (1: all in this process).
    jobs: int = 1
    #: Run black over every module, also those rendered as black lays them out (see format.py).
    black_all: bool = False
    #: OpenAPI Overlays applied to the spec in this order (the config's, then the command line's).
    overlays: tuple[Path, ...] = ()
