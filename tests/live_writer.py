"""Another coordinator's process for the live-update tests and benchmark.

``python tests/live_writer.py DB ACTOR PAIR [COUNT] [PAUSE]`` marks PAIR's next unheld sessions
held, one commit each (COUNT commits, PAUSE seconds apart), through the timeline service
(so through the store's version check), and prints one line per commit: the wall-clock
time just after it committed and the session's number.

``python tests/live_writer.py soak DB ACTOR SECONDS PAUSE [SEED]`` is another coordinator at
work for SECONDS (the soak benchmark): every PAUSE seconds (±50 %) one realistic edit through
the services: a person's field, a session held, a session's notes, a pair proposed or closed
early, now and then a small CSV import of a few people. One line per edit: the wall-clock
time and its kind ("refused" when the rules refused a proposal, "conflict" when the row had
changed since it was read).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from rmtui import timeline
from rmtui.clock import FixedClock
from rmtui.db import ConflictError, Pair, Participant, Session, Store
from rmtui.pairing import PairingError, close_pair, propose_pair
from rmtui.programme import Programme


def main(db: str, actor: str, pair_id: int, count: int = 1, pause: float = 0.0) -> None:
    today = dt.date(2026, 11, 20)
    with Store(db, actor=actor) as store:
        for n in range(count):
            if n and pause:
                time.sleep(pause)
            session = store.all(Session, "pair_id = ? AND status != 'held'", (pair_id,), order="seq")[0]
            timeline.mark_held(store, session, today, today)
            print(f"{time.time():.6f} {session.seq}", flush=True)


class Soak:
    """One coordinator's edits of a programme, chosen at random (seeded) among its rows."""

    TODAY = "2026-11-20"

    def __init__(self, programme: Programme, seed: int, folder: Path) -> None:
        self.programme, self.store, self.folder = programme, programme.store, folder
        self.rng = random.Random(seed)
        self.today = dt.date.fromisoformat(self.TODAY)
        ids = self.store.query_tuples
        self.people = [row[0] for row in ids("SELECT id FROM participants")]
        self.mentors = [
            row[0] for row in ids("SELECT id FROM participants WHERE role = 'mentor' AND status = 'active'")
        ]
        self.mentees = [
            row[0] for row in ids("SELECT id FROM participants WHERE role = 'mentee' AND status = 'active'")
        ]
        self.active = [row[0] for row in ids("SELECT id FROM pairs WHERE status = 'active'")]
        self.open_waves = [row[0] for row in ids("SELECT id FROM waves WHERE closed_on IS NULL")]
        self.imports = 0

    def edit(self) -> str:
        """Make one edit; return its kind."""
        kinds = ["person", "held", "notes", "propose", "close", "import_"]
        kind = self.rng.choices(kinds, weights=[35, 25, 20, 8, 7, 5])[0]
        try:
            getattr(self, kind)()
        except ConflictError:
            return "conflict"
        except (LookupError, PairingError):  # nothing to do it on, or the rules refused
            return "refused"
        return kind.rstrip("_")

    def person(self) -> None:
        row = self.store.get(Participant, self.rng.choice(self.people))
        if row is None:
            raise LookupError("removed")
        column, value = self.rng.choice(
            [
                ("job_title", f"Analyst {self.rng.randrange(1000)}"),
                ("location", self.rng.choice(["Leeds", "Cork", "Lyon"])),
                ("hobbies", json.dumps(self.rng.choice([["Chess", "Running"], ["Baking"], ["Cycling", "Birding"]]))),
            ]
        )
        with self.store.write() as writer:
            writer.update("participants", row.id, row.version, {column: value})

    def _session(self, where: str) -> Session:
        pair_id = self.rng.choice(self.active)
        sessions = self.store.all(Session, f"pair_id = ? AND {where}", (pair_id,), order="seq")
        if not sessions:
            raise LookupError("no such session")
        return sessions[0]

    def held(self) -> None:
        timeline.mark_held(self.store, self._session("status IN ('planned', 'scheduled')"), self.today, self.today)

    def notes(self) -> None:
        session = self._session("status = 'held'")
        timeline.set_notes(self.store, session, f"Talked it through ({self.rng.randrange(10**6)}).", self.today)

    def propose(self, tries: int = 20) -> None:
        """Propose two people the rules allow (most are paired already: a few tries)."""
        for left in reversed(range(tries)):
            try:
                propose_pair(
                    self.programme,
                    self.rng.choice(self.mentors),
                    self.rng.choice(self.mentees),
                    self.rng.choice(self.open_waves),
                )
                return
            except PairingError:
                if not left:
                    raise

    def close(self) -> None:
        pair = self.store.get(Pair, self.active.pop(self.rng.randrange(len(self.active))))
        if pair is None or pair.status != "active":
            raise LookupError("not active")
        close_pair(self.programme, pair.id, pair.version, "schedule")  # type: ignore[arg-type]

    def import_(self) -> None:
        from rmtui.csv_import import import_file

        self.imports += 1
        path = self.folder / f"soak-{self.imports}.csv"
        lines = ["name,email,role,department"] + [
            f"Soak Person{self.imports}x{n},soak.{self.imports}.{n}@example.com,{self.rng.choice(['mentor', 'mentee'])},Finance"
            for n in range(self.rng.randint(2, 5))
        ]
        path.write_text("\n".join(lines) + "\n")
        import_file(self.store, path, add_duplicates=True)


def soak(db: str, actor: str, seconds: float, pause: float, seed: int = 1) -> None:
    """Edit the programme at ``db`` as ``actor`` for ``seconds``, one edit every ``pause`` s."""
    programme = Programme.open(db, FixedClock.on(Soak.TODAY), actor=actor, create=False)
    with tempfile.TemporaryDirectory() as folder:
        editor = Soak(programme, seed, Path(folder))
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(pause * (0.5 + editor.rng.random()))
            print(f"{time.time():.6f} {editor.edit()}", flush=True)
    programme.close()


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[0] == "soak":
        soak(args[1], args[2], float(args[3]), float(args[4]), int(args[5]) if len(args) > 5 else 1)
        sys.exit()
    main(args[0], args[1], int(args[2]), int(args[3]) if len(args) > 3 else 1, float(args[4]) if len(args) > 4 else 0.0)
