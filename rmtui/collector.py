"""Pausing Python's cyclic garbage collector around bulk work (imports, leaderboard builds)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while bulk rows are built or written.

    An import makes millions of short-lived objects and keeps 100,000 row records; a
    leaderboard build tens of thousands of tuples and 10,000 rows. Each collection they
    triggered walked them (and every other object the process holds) again: a third of an
    import's checking time, a fifth of a leaderboard build. Such rows hold no cycles, so
    nothing is kept longer; reference counting still frees everything, and the collector
    runs again as before afterwards (it stays off if it was off).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
