"""Worker processes for validation and formatting: forked, so they inherit what is loaded.

Before forking, every object of this process is moved out of the garbage collector's reach
(``gc.freeze``): otherwise each worker's collections walk the whole inherited spec and IR (millions
of objects), and touching them copies their memory pages. Frozen objects are released when the pool
closes.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

# multiprocessing and concurrent.futures are imported only when a pool is wanted (a run that
# formats one file should not pay for them).


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def pool(workers: int, *, preload: tuple[str, ...] = ()) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` forked processes (see :func:`can_fork`); the modules named in
    ``preload`` are imported first, so that the workers inherit them instead of each importing them."""
    import importlib
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    for name in preload:
        importlib.import_module(name)

    gc.collect()
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as executor:
            yield executor
    finally:
        gc.unfreeze()


@contextmanager
def without_gc() -> Iterator[None]:
    """No cyclic garbage collection in this block: parsing the spec, building the IR and rendering
    (or decoding api_diff's cached facts) make millions of objects that live on, and the collector's
    passes over them cost more than the little garbage they find (the worker processes of validation
    and formatting keep it on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
