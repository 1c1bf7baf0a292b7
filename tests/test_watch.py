"""The change watcher sees other processes' commits and nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rmtui.db import Participant, Store
from rmtui.db.watch import ChangeWatcher


def test_watcher_reports_a_commit_from_another_process_once(db_path: Path) -> None:
    Store(db_path).close()
    watcher = ChangeWatcher(db_path)
    try:
        assert not watcher.changed()
        code = (
            "from rmtui.db import Store, Participant\n"
            f"s = Store({str(db_path)!r}, actor='bob')\n"
            "with s.write() as w: w.insert(Participant(name='Bo', role='mentee'))\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
        assert watcher.changed()
        assert not watcher.changed()
    finally:
        watcher.close()


def test_watcher_sees_commits_of_the_apps_own_store_connection(db_path: Path) -> None:
    with Store(db_path) as store:
        watcher = ChangeWatcher(db_path)
        try:
            with store.write() as writer:
                writer.insert(Participant(name="Ann", role="mentor"))
            assert watcher.changed()
        finally:
            watcher.close()


def test_a_rolled_back_write_is_not_a_change(db_path: Path) -> None:
    with Store(db_path) as store:
        watcher = ChangeWatcher(db_path)
        try:
            try:
                with store.write() as writer:
                    writer.insert(Participant(name="Ann", role="mentor"))
                    raise ValueError
            except ValueError:
                pass
            assert not watcher.changed()
        finally:
            watcher.close()
