"""Another coordinator's process for the live-update tests and benchmark.

``python tests/live_writer.py DB ACTOR PAIR [COUNT] [PAUSE]`` marks PAIR's next unheld sessions
held, one commit each (COUNT commits, PAUSE seconds apart), through the timeline service
(so through the store's version check), and prints one line per commit: the wall-clock
time just after it committed and the session's number.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

from rmtui import timeline
from rmtui.db import Session, Store


def main(db: str, actor: str, pair_id: int, count: int = 1, pause: float = 0.0) -> None:
    today = dt.date(2026, 11, 20)
    with Store(db, actor=actor) as store:
        for n in range(count):
            if n and pause:
                time.sleep(pause)
            session = store.all(Session, "pair_id = ? AND status != 'held'", (pair_id,), order="seq")[0]
            timeline.mark_held(store, session, today, today)
            print(f"{time.time():.6f} {session.seq}", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], args[1], int(args[2]), int(args[3]) if len(args) > 3 else 1, float(args[4]) if len(args) > 4 else 0.0)
