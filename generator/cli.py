"""The ``oagen`` command line: generate, check, validate."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import Callable, Sequence

from .cache import default_cache_dir
from .diagnostics import GenerationError, error
from .load import DEFAULT_MAX_BYTES, display_path
from .project import ClientSettings, find_project_settings
from . import fastpath
from .cache import Cache
from .options import Options
from .write import diff, locked, with_manifest, write

EXIT_OK, EXIT_STALE, EXIT_USER_ERROR, EXIT_BUG = 0, 1, 2, 3

_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _size(text: str) -> int:
    """A byte count: ``5000000``, ``500k``, ``64M``, ``1G`` (binary units)."""
    value = text.strip().lower().removesuffix("b").removesuffix("i")
    unit = value[-1:] if value[-1:] in _UNITS and not value[-1:].isdigit() else ""
    number = value[: len(value) - len(unit)]
    if not number.isdigit() or int(number) <= 0:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (examples: 5000000, 500k, 64M)")
    return int(number) * _UNITS[unit]


def _input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--overlay",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="apply this OpenAPI Overlay to SPEC (repeatable; in order, after the config's overlays)",
    )
    p.add_argument(
        "--max-spec-size",
        type=_size,
        default=DEFAULT_MAX_BYTES,
        metavar="SIZE",
        help="refuse documents larger than SIZE in total (default: 64M)",
    )
    p.add_argument(
        "--allow-remote-refs", action="store_true", help="fetch $refs to http(s) URLs instead of refusing them"
    )
    p.add_argument(
        "--ref-root",
        type=Path,
        metavar="DIR",
        help="directory that file $refs may not leave (default: the directory of SPEC)",
    )
    _cache_options(p)
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=_default_jobs(),
        metavar="N",
        help="worker processes for validation and formatting (default: the number of CPUs)",
    )


def _cache_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="cache of validation, formatting and API facts (default: $OAGEN_CACHE_DIR, else ~/.cache/oagen)",
    )
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")


def _cache_dir(args: argparse.Namespace) -> Path | None:
    return None if args.no_cache else (args.cache_dir or default_cache_dir())


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return int(text)


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _version() -> str:
    """oagen's version as installed: the one in its pyproject.toml, read from the package metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("oagen")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oagen", description="Generate a typed Python client from an OpenAPI 3.0/3.1 document."
    )
    parser.add_argument("--version", action="version", version=f"oagen {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("spec", nargs="?", type=Path, metavar="SPEC", help="the OpenAPI document (YAML or JSON)")
        p.add_argument("--output", "-o", type=Path, metavar="DIR", help="directory of the generated project")
        p.add_argument("--package-name", metavar="NAME", help="import name of the generated package")
        p.add_argument("--config", "-c", type=Path, metavar="FILE", help="generator config (YAML)")
        p.add_argument(
            "--skip-validation",
            action="store_true",
            help="generate even if the spec fails validation (errors become warnings)",
        )
        p.add_argument(
            "--black-all",
            action="store_true",
            help="run black over every module, also those already rendered as black lays them out (slower; same output)",
        )
        _input_options(p)

    gen = commands.add_parser("generate", help="generate the client into --output")
    common(gen)
    gen.add_argument("--force", action="store_true", help="write into a non-empty directory oagen does not own")
    check = commands.add_parser("check", help="exit 1 and print a diff if --output is not what generate would write")
    common(check)
    val = commands.add_parser("validate", help="validate SPEC and report every error")
    val.add_argument("spec", type=Path, metavar="SPEC")
    _input_options(val)
    _api_diff_parser(commands)
    return parser


def _api_diff_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("api-diff", help="report the changes to the public API between two generated clients")
    p.add_argument("base", type=Path, metavar="BASE_DIR", help="the generated project before (e.g. at the merge base)")
    p.add_argument("head", type=Path, metavar="HEAD_DIR", help="the generated project after")
    p.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="report format (default: text)"
    )
    p.add_argument("--fail-on-breaking", action="store_true", help="exit 1 when any change is breaking")
    _cache_options(p)


def _api_diff(args: argparse.Namespace) -> int:
    from . import api_diff

    cache = Cache(_cache_dir(args))
    try:
        changes = api_diff.diff_dirs(args.base, args.head, cache)
    finally:
        cache.close()
    sys.stdout.write(api_diff.RENDERERS[args.format](changes))
    return EXIT_STALE if args.fail_on_breaking and any(c.breaking for c in changes) else EXIT_OK


def _print_api_summary(output: Path, files: dict[str, str], cache: Cache) -> None:
    """What the new files change in the public API of the client in ``output`` (informational)."""
    from . import api_diff

    text = api_diff.summary(output, files, cache)
    if text:
        sys.stderr.write(text)


def _resolve(args: argparse.Namespace) -> list[tuple[Options, Path]]:
    """What to generate: SPEC and the options of the command line; with no SPEC, each client of
    [tool.oagen] in the nearest pyproject.toml (the command line's options override a single one's)."""
    if args.spec is not None:
        if args.output is None:
            raise error("oagen", "no --output given (with SPEC on the command line, [tool.oagen] is not read)")
        return [(_options(args, args.spec, args.config, args.package_name, args.skip_validation), args.output)]
    settings = find_project_settings(Path.cwd())
    if settings.several:
        given = [flag for flag, value in _PER_CLIENT.items() if getattr(args, value) is not None]
        if given:
            raise error(
                "oagen",
                f"{', '.join(given)} cannot apply to the {len(settings.clients)} clients of [[tool.oagen.clients]]"
                f" in {display_path(settings.file or Path('pyproject.toml'))} (give SPEC too, or set it in the client's table)",
            )
    targets = []
    for client in settings.clients or (ClientSettings(),):
        spec, output = client.spec, args.output or client.output
        if spec is None:
            raise error("oagen", "no SPEC given and no [tool.oagen] spec in a pyproject.toml here or above")
        if output is None:
            raise error("oagen", "no --output given and no [tool.oagen] output in a pyproject.toml here or above")
        config = args.config or client.config
        package = args.package_name or client.package_name
        targets.append((_options(args, spec, config, package, args.skip_validation), output))
    return targets


#: The options naming one client's settings, which [[tool.oagen.clients]] gives per client.
_PER_CLIENT = {"--output": "output", "--config": "config", "--package-name": "package_name"}


def _options(
    args: argparse.Namespace, spec: Path, config: Path | None = None, package: str | None = None, skip: bool = False
) -> Options:
    return Options(
        spec,
        config,
        package,
        skip,
        max_spec_bytes=args.max_spec_size,
        allow_remote_refs=args.allow_remote_refs,
        ref_root=args.ref_root,
        cache_dir=_cache_dir(args),
        jobs=args.jobs,
        black_all=getattr(args, "black_all", False),
        overlays=tuple(args.overlay),
    )


def _run_key(options: Options, output: Path) -> dict[str, object]:
    """What a generation depends on besides file contents (jobs and the cache location do not count)."""
    fields = {k: v for k, v in vars(options).items() if k not in ("jobs", "cache_dir")}
    paths = {k: str(Path(v).resolve()) for k, v in fields.items() if isinstance(v, Path)}
    overlays = [str(path.resolve()) for path in options.overlays]
    return {**fields, **paths, "overlays": overlays, "output": str(output.resolve())}


def _waiting(output: Path) -> None:
    print(f"{output}: another oagen is writing it; waiting for it to finish", file=sys.stderr, flush=True)


def _generate_or_check(args: argparse.Namespace, options: Options, output: Path, cache: Cache) -> tuple[int, str]:
    """``generate`` or ``check``, with the lock of ``output`` held: the exit code, and what is left
    to print on stdout (``check``'s diff, printed once the lock is released: a reader of a long
    diff does not hold up the runs waiting)."""
    run_key = _run_key(options, output)
    remembered = fastpath.current_output(cache, run_key, output)
    if remembered is not None:  # same inputs, output untouched since: nothing to do
        for warning in remembered:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"{output}: up to date", file=sys.stderr)
        return EXIT_OK, ""
    from .pipeline import generate  # the heavy part: imported only when there is work

    result = generate(options, cache=cache)
    warnings = [str(w) for w in result.warnings]
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.command == "check":
        text = diff(output, result.files)
        if text:
            _print_api_summary(output, result.files, cache)
            return EXIT_STALE, text
        print(f"{output}: up to date", file=sys.stderr)
    else:
        _print_api_summary(output, result.files, cache)
        done = write(output, result.files, force=args.force)
        print(f"{output}: {len(done.write)} file(s) written, {len(done.delete)} removed", file=sys.stderr)
    if result.inputs is not None:
        outputs = with_manifest(result.files)
        digests = fastpath.output_digests(outputs)
        fastpath.record(cache, run_key, result.inputs, outputs, warnings, digests=digests)
    return EXIT_OK, ""


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    if args.command == "validate":
        return _guarded(lambda: _validate(args))
    if args.command == "api-diff":
        return _guarded(lambda: _api_diff(args))
    return _guarded(lambda: _generate_or_check_all(args))


def _generate_or_check_all(args: argparse.Namespace) -> int:
    """Each client in turn, each reported, a failing one not stopping the others: the exit code is
    the worst of theirs (an internal error, then bad input, then out of date)."""
    targets = _resolve(args)
    codes = []
    for options, output in targets:
        code = _guarded(lambda: _one(args, options, output))
        if len(targets) > 1 and code not in (EXIT_OK, EXIT_STALE):
            print(f"{output}: failed (see above); nothing written there", file=sys.stderr)
        codes.append(code)
    return max(codes)


def _validate(args: argparse.Namespace) -> int:
    from .pipeline import load_and_validate

    load_and_validate(_options(args, args.spec))
    print(f"{args.spec}: valid")
    return EXIT_OK


def _one(args: argparse.Namespace, options: Options, output: Path) -> int:
    """``generate`` or ``check`` of one client."""
    cache = Cache(options.cache_dir)
    try:
        # Runs on one output directory take turns (a check shares its turn with other checks):
        # everything from "is it up to date?" to the record of what was written is one turn.
        with locked(output, shared=args.command == "check", waiting=lambda: _waiting(output)):
            code, text = _generate_or_check(args, options, output, cache)
    finally:
        cache.close()
    if code == EXIT_STALE:
        sys.stdout.write(text)
        sys.stdout.flush()
        print(f"{output}: out of date; run `oagen generate` to update it", file=sys.stderr)
    return code


def _guarded(step: Callable[[], int]) -> int:
    """The exit code of ``step``, a user error or a bug reported as such (Ctrl-C goes through)."""
    try:
        return step()
    except GenerationError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        raise
    except Exception:  # a crash is always our bug: say so, with the traceback to report
        traceback.print_exc()
        print(
            "oagen: internal error (this is a bug in oagen; please report it with the traceback above)", file=sys.stderr
        )
        return EXIT_BUG


def main() -> None:
    code = run()
    # Done: everything is written and the cache closed. Tearing down the interpreter would free the
    # millions of objects of the parsed specs one by one (a second on a big spec): skip it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
