"""A real coordinator's process for the concurrency tests and the write benchmark.

Run as ``python tests/writer_process.py MODE DB ...``; it prints one JSON line of results
(or a marker line the parent waits for) and exits non-zero on any unhandled error.

Modes:
  edit DB WORKER EDITS SEED      increment ``capacity`` of random rows, re-reading and retrying
                                 on every conflict, counting conflicts and busy retries
  bench DB WORKER EDITS          update this worker's own row EDITS times; print latencies
  hold DB ROWS                   insert ROWS people in one transaction, say "inside", then wait
  commits DB [ack]               insert people one transaction at a time, forever (with ack:
                                 print each person's number once their commit returned)
  lock DB SECONDS [ACTOR]        take the write lock, say "locked", hold it SECONDS (or, given
                                 "stdin", until a line arrives on stdin), commit
  rename DB ID                   say "ready"; then for each line N read from stdin rename
                                 participant ID to "Livetest Run{N:04d}" and print
                                 "N <wall-clock time the commit returned>" (live benchmark)
  set DB ACTOR TABLE ID COLUMN VALUE
                                 as coordinator ACTOR, set one column of one row (an audited,
                                 versioned update) and print its new version (undo tests)
  presence DB ACTOR SECONDS [AREA [ENTITY ID LABEL [editing]]]
                                 an open app's presence: announce (say "here"), heartbeat every
                                 SECONDS; on a line "move AREA [ENTITY ID LABEL [editing]]" on
                                 stdin announce the new spot (say "moved"); on "leave" or the
                                 end of stdin leave cleanly (say "left") and exit
"""

from __future__ import annotations

import json
import random
import sys
import time

from rmtui.db import ConflictError, Participant, Store, StoreBusyError


def edit(db: str, worker: int, edits: int, seed: int) -> dict[str, int]:
    """Make ``edits`` increments that each land exactly once, whatever the others do."""
    rng = random.Random(seed * 1000 + worker)
    counts = {"done": 0, "conflicts": 0, "reported": 0, "busy": 0}
    with Store(db, actor=f"worker{worker}") as store:
        ids = [row[0] for row in store.query_tuples("SELECT id FROM participants ORDER BY id")]
        for _ in range(edits):
            row_id = rng.choice(ids)
            while True:
                current = store.query("SELECT capacity, version FROM participants WHERE id = ?", (row_id,))[0]
                time.sleep(rng.random() / 1000)  # a person between reading and saving
                try:
                    with store.write() as writer:
                        writer.update("participants", row_id, current["version"], {"capacity": current["capacity"] + 1})
                except ConflictError as conflict:
                    counts["conflicts"] += 1
                    if conflict.current is not None and conflict.changed_by and str(conflict):
                        counts["reported"] += 1
                    continue
                except StoreBusyError:
                    counts["busy"] += 1
                    continue
                counts["done"] += 1
                break
    return counts


def bench(db: str, worker: int, edits: int) -> dict[str, list[float]]:
    """Update this worker's own row ``edits`` times; return each commit's latency in ms and
    the wall-clock span of the edits (so process start-up is not counted)."""
    latencies = []
    busy = 0
    with Store(db, actor=f"worker{worker}") as store:
        row_id = store.scalar("SELECT id FROM participants ORDER BY id LIMIT 1 OFFSET ?", (worker,))
        version = store.scalar("SELECT version FROM participants WHERE id = ?", (row_id,))
        began = time.time()
        for n in range(edits):
            started = time.perf_counter()
            while True:
                try:
                    with store.write() as writer:
                        version = writer.update("participants", row_id, version, {"job_title": f"edit {n}"})
                    break
                except StoreBusyError:
                    busy += 1
            latencies.append((time.perf_counter() - started) * 1000)
        ended = time.time()
    return {"latencies": latencies, "busy": [busy], "span": [began, ended]}


def hold(db: str, rows: int) -> None:
    with Store(db, actor="killed") as store, store.write() as writer:
        for n in range(rows):
            writer.insert(Participant(name=f"Half-written {n}", role="mentee"))
        print("inside", flush=True)
        time.sleep(600)


def commits(db: str, ack: bool = False) -> None:
    with Store(db, actor="killed") as store:
        n = 0
        print("started", flush=True)
        while True:
            with store.write() as writer:
                writer.insert(Participant(name=f"Committed {n}", role="mentor"))
            if ack:
                print(n, flush=True)
            n += 1


def lock(db: str, seconds: str, actor: str | None = None) -> None:
    """Hold the write lock for ``seconds``, or until a line arrives on stdin if it is "stdin"."""
    with Store(db, actor=actor) as store, store.write() as writer:
        writer.set_setting("locked_by", "locker")
        print("locked", flush=True)
        if seconds == "stdin":
            sys.stdin.readline()
        else:
            time.sleep(float(seconds))
    print("released", flush=True)


def rename(db: str, row_id: int) -> None:
    with Store(db) as store:  # as this OS user: the demo makes them its admin
        print("ready", flush=True)
        for line in sys.stdin:
            n = int(line)
            while True:
                try:
                    version = store.scalar("SELECT version FROM participants WHERE id = ?", (row_id,))
                    with store.write() as writer:
                        writer.update("participants", row_id, version, {"name": f"Livetest Run{n:04d}"})
                    break
                except (ConflictError, StoreBusyError):
                    continue
            print(n, time.time(), flush=True)


def set_value(db: str, actor: str, table: str, row_id: int, column: str, value: str) -> int:
    with Store(db, actor=actor) as store:
        version = store.scalar(f"SELECT version FROM {table} WHERE id = ?", (row_id,))
        with store.write() as writer:
            return writer.update(table, row_id, version, {column: value})


def _spot(words: list[str]):
    from rmtui.presence import Spot

    if not words:
        return Spot()
    if len(words) < 4:
        return Spot(words[0])
    return Spot(words[0], words[1], int(words[2]), words[3].replace("_", " "), words[4:5] == ["editing"])


def presence(db: str, actor: str, seconds: str, spot_words: list[str]) -> None:
    import select

    from rmtui.presence import Presence

    with Store(db, actor=actor) as store:
        here = Presence(store)
        here.announce(_spot(spot_words))
        print("here", flush=True)
        interval = float(seconds)
        next_beat = time.monotonic() + interval
        while True:
            ready, _, _ = select.select([sys.stdin], [], [], max(0.0, next_beat - time.monotonic()))
            if ready:
                line = sys.stdin.readline()
                words = line.split()
                if not line or words[:1] == ["leave"]:
                    here.leave()
                    print("left", flush=True)
                    return
                if words[:1] == ["move"]:
                    here.announce(_spot(words[1:]))
                    print("moved", flush=True)
                continue
            here.heartbeat()
            next_beat = time.monotonic() + interval


if __name__ == "__main__":
    mode, db, *rest = sys.argv[1:]
    if mode == "edit":
        print(json.dumps(edit(db, int(rest[0]), int(rest[1]), int(rest[2]))))
    elif mode == "bench":
        print(json.dumps(bench(db, int(rest[0]), int(rest[1]))))
    elif mode == "set":
        print(set_value(db, rest[0], rest[1], int(rest[2]), rest[3], rest[4]))
    elif mode == "hold":
        hold(db, int(rest[0]))
    elif mode == "commits":
        commits(db, rest[:1] == ["ack"])
    elif mode == "rename":
        rename(db, int(rest[0]))
    elif mode == "presence":
        presence(db, rest[0], rest[1], rest[2:])
    elif mode == "lock":
        lock(db, rest[0], rest[1] if len(rest) > 1 else None)
    else:
        raise SystemExit(f"unknown mode {mode}")
