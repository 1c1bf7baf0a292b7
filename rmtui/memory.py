"""The process's memory: how much it holds (RSS), and giving freed memory back to the system.

A programme of 100,000 people read for the pairing screen is a quarter of a gigabyte of
Python objects and arrays. Once they are freed, Python's own allocator returns its empty
arenas at once, but what went through the C library's ``malloc`` (large texts, lists,
numpy arrays) mostly stays with the process: glibc gives the top of its heap back only
past a threshold and keeps freed chunks below it. :func:`trim` asks it to return every
free page now (``malloc_trim(0)``: a few milliseconds at 100k); elsewhere it does nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on another C library or system."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):  # type: ignore[union-attr]
            return None
    except (AttributeError, ValueError, OSError):  # not a GNU C library (or no confstr)
        return None
    import ctypes  # here: start-up does not need it

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own symbols: glibc's
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def trim() -> bool:
    """Give the memory the C library holds free back to the system; True if it could try
    (glibc), False elsewhere (a no-op)."""
    found = _malloc_trim()
    if found is None:
        return False
    found(0)
    return True


def rss_mb() -> float | None:
    """The process's resident memory in MB (``VmRSS``), None where /proc is not there."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
