"""The one SQLite driver every part of rmtui uses (and sqlite-utils picks the same one).

Where the ``pysqlite3-binary`` wheel installs (Linux on x86-64, the shared servers rmtui runs
on), rmtui uses its SQLite 3.51 instead of the one Python was built with (3.40 on Python
3.11 here): the leaderboard's aggregate over 70,000 sessions runs in 54 ms instead of 72 ms,
and every other query gains alike. Elsewhere the standard library's ``sqlite3`` is used.

Import ``sqlite3`` from here, never directly: two copies of SQLite in one process that open
the same database file can corrupt it (https://www.sqlite.org/howtocorrupt.html, 2.2.1).
"""

from __future__ import annotations

try:
    from pysqlite3 import dbapi2 as sqlite3
except ImportError:  # no wheel for this platform
    import sqlite3

__all__ = ["file_uri", "sqlite3"]


def file_uri(path: object, **params: str) -> str:
    """Return an SQLite ``file:`` URI for ``path``, percent-encoded, with ``params``
    (``mode="ro"`` ...). Open it with ``sqlite3.connect(uri, uri=True)``.

    Never build ``f"file:{path}?..."`` by hand: a ``#`` or ``?`` in a folder name would end
    the path there, and SQLite would open (or create) a different file.
    """
    from pathlib import Path
    from urllib.parse import urlencode

    uri = Path(str(path)).absolute().as_uri()
    return f"{uri}?{urlencode(params)}" if params else uri
