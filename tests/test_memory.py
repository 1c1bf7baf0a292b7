"""rmtui.memory: what a long session frees goes back to the system (issue 14: RSS at 100k
after an hour of use). Each case runs in a child process: the allocator switch is for the
whole process, and the test suite's own process keeps Python's."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rmtui.memory import _malloc_trim

glibc = pytest.mark.skipif(_malloc_trim() is None, reason="malloc_trim is glibc's")

# A million small objects made and freed, with one in 500 kept (as the rest of the app keeps
# a few of its own while the pairing read runs): resident memory before, at the peak, and after.
CHURN = """
import gc, json, os, sys
from rmtui.memory import rss_mb, trim, use_system_allocator
switched = use_system_allocator() if sys.argv[1] == "switch" else False
before = rss_mb()
made = [str(n) * 5 for n in range(1_000_000)]
kept = made[::500]
peak = rss_mb()
del made
gc.collect()
trim()
print(json.dumps({"switched": switched, "before": before, "peak": peak, "after": rss_mb(), "kept": len(kept),
                  "last": kept[-1]}))
"""


def churn(mode: str, **env: str) -> dict:
    found = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True, check=True,
                           env={"PATH": "/usr/bin:/bin", **env})
    return json.loads(found.stdout)


@glibc
def test_with_the_system_allocator_freed_objects_go_back_though_a_few_live_on() -> None:
    kept_by_arenas, switched = churn("keep"), churn("switch")
    assert switched["switched"] and not kept_by_arenas["switched"]
    assert switched["last"] == "999500" * 5 and switched["kept"] == 2000  # the objects kept are intact
    made = switched["peak"] - switched["before"]
    assert made > 50  # MB: the churn was real
    assert switched["after"] - switched["before"] < made / 4  # given back, all but the kept ones' pages
    # Python's own arenas keep most of it (each kept object holds its 1 MiB arena): the case
    # the switch is for.
    assert kept_by_arenas["after"] - kept_by_arenas["before"] > (kept_by_arenas["peak"] - kept_by_arenas["before"]) / 2


@glibc
def test_a_debugging_allocator_is_left_alone() -> None:
    assert churn("switch", PYTHONMALLOC="debug")["switched"] is False
    assert churn("switch", PYTHONDEVMODE="1")["switched"] is False
