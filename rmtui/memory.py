"""The process's memory: how much it holds (RSS), and giving freed memory back to the system.

A programme of 100,000 people read for the pairing screen is a quarter of a gigabyte of
Python objects and arrays. Once they are freed, Python's own allocator returns its empty
arenas at once, but what went through the C library's ``malloc`` (large texts, lists,
numpy arrays) mostly stays with the process: glibc gives the top of its heap back only
past a threshold and keeps freed chunks below it. :func:`trim` asks it to return every
free page now (``malloc_trim(0)``: a few milliseconds at 100k); elsewhere it does nothing.

Python's own allocator (pymalloc) is the other half. It carves objects of up to 512 bytes out
of 1 MiB arenas and returns an arena only when every object in it is gone. The pairing read
makes and frees over a million small objects at 100k people, and meanwhile the rest of the
app (another coordinator's edits shown, the screen repainting) makes a few thousand that
live on: they land in the read's arenas and keep each of them. Measured (100k, in-process,
another process editing): every pairing visit left 10–18 more arenas behind, 160 → 285 MB
after five visits, ~350 MB in the hour-long soak. :func:`use_system_allocator` has the app
take its objects from the C library instead, in one heap, which gives back every free 4 KiB
page on :func:`trim`: the same five visits leave 181–185 MB. It costs the pairing read
about 5 % more CPU.
"""

from __future__ import annotations

import os
import sys
import sysconfig
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


_M_ARENA_MAX = -8  # mallopt's parameter: how many heaps glibc keeps (malloc.h)
_PYMEM_DOMAIN_RAW, _PYMEM_DOMAIN_MEM, _PYMEM_DOMAIN_OBJ = 0, 1, 2  # PyMemAllocatorDomain
_installed: list[object] = []  # the allocator tables handed to Python: they must outlive it


def use_system_allocator() -> bool:
    """From now on take Python's small objects from the C library's ``malloc`` (what
    ``PYTHONMALLOC=malloc`` does at start-up), in one glibc heap for every thread; True if
    done. Call it before the app starts its threads.

    Done with Python's documented allocator API, wrapping the allocator in place as a running
    interpreter requires: new blocks come from the raw domain's ``malloc``/``calloc``, and
    ``realloc``/``free`` stay pymalloc's, which hands a block it did not make to the raw
    domain (its arena map tells exactly). Not done (False) on another C library, under a
    debugging allocator (``PYTHONMALLOC``, ``-X dev``, a debug build), while tracemalloc
    traces, or on a free-threaded build: each has its own allocator to keep.
    """
    if _installed:
        return True
    if (
        _malloc_trim() is None
        or os.environ.get("PYTHONMALLOC")
        or sys.flags.dev_mode
        or hasattr(sys, "gettotalrefcount")
        or sysconfig.get_config_var("Py_GIL_DISABLED")
        or sys.implementation.name != "cpython"
    ):
        return False
    import tracemalloc

    if tracemalloc.is_tracing():
        return False
    import ctypes

    class Allocator(ctypes.Structure):  # PyMemAllocatorEx
        _fields_ = [(name, ctypes.c_void_p) for name in ("ctx", "malloc", "calloc", "realloc", "free")]

    api = ctypes.pythonapi
    api.PyMem_GetAllocator.argtypes = api.PyMem_SetAllocator.argtypes = [ctypes.c_int, ctypes.POINTER(Allocator)]
    api.PyMem_GetAllocator.restype = api.PyMem_SetAllocator.restype = None
    libc = ctypes.CDLL(None)
    libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    libc.mallopt(_M_ARENA_MAX, 1)  # a worker thread's frees come back with the rest
    raw = Allocator()
    api.PyMem_GetAllocator(_PYMEM_DOMAIN_RAW, ctypes.byref(raw))
    for domain in (_PYMEM_DOMAIN_MEM, _PYMEM_DOMAIN_OBJ):
        current = Allocator()
        api.PyMem_GetAllocator(domain, ctypes.byref(current))
        wrapped = Allocator(raw.ctx, raw.malloc, raw.calloc, current.realloc, current.free)
        _installed.append(wrapped)
        api.PyMem_SetAllocator(domain, ctypes.byref(wrapped))
    return True


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
