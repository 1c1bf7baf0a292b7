"""Reading people: one participant, their manager, their pairs."""

from __future__ import annotations

from dataclasses import dataclass

from rmtui.db import Pair, Participant, Store
from rmtui.text import clean


@dataclass(frozen=True)
class PairSummary:
    """A pair seen from one of its two people."""

    pair: Pair
    partner_id: int
    partner_name: str
    wave_name: str


def get_participant(store: Store, participant_id: int) -> Participant | None:
    """Return the participant with ``participant_id``, or None if there is none."""
    return store.get(Participant, participant_id)


def participant_name(store: Store, participant_id: int | None) -> str | None:
    """Return the name of ``participant_id`` (None when unknown or not given)."""
    if participant_id is None:
        return None
    return store.scalar("SELECT name FROM participants WHERE id = ?", (participant_id,))


def participant_count(store: Store) -> int:
    """Return how many participants the programme holds."""
    return int(store.scalar("SELECT count(*) FROM participants") or 0)


def pairs_of(store: Store, participant_id: int) -> list[PairSummary]:
    """Return every pair ``participant_id`` is or was in, newest first."""
    rows = store.query(
        """
        SELECT pairs.*, waves.name AS wave_name,
               CASE WHEN pairs.mentor_id = :id THEN pairs.mentee_id ELSE pairs.mentor_id END
                   AS partner_id
        FROM pairs JOIN waves ON waves.id = pairs.wave_id
        WHERE pairs.mentor_id = :id OR pairs.mentee_id = :id
        ORDER BY pairs.created_at DESC, pairs.id DESC
        """,
        {"id": participant_id},
    )
    summaries = []
    for row in rows:
        partner = row["partner_id"]
        summaries.append(
            PairSummary(
                pair=Pair.from_row(row),
                partner_id=partner,
                partner_name=participant_name(store, partner) or f"#{partner}",
                wave_name=row["wave_name"],
            )
        )
    return summaries


def pair_role(summary: PairSummary, person_id: int) -> str:
    """What ``person_id`` is in the pair: "mentor of Cécile Martin, wave Spring"."""
    role = "mentor" if summary.pair.mentor_id == person_id else "mentee"
    wave = clean(summary.wave_name)
    wave = wave if wave.lower().startswith("wave") else f"wave {wave}"
    return f"{role} of {clean(summary.partner_name)}, {wave}"


def pair_words(summary: PairSummary, person_id: int) -> str:
    """One pair as seen by ``person_id``: "Pair 14 (mentor of Cécile Martin, wave Spring), active".

    The number is what the timeline's go-to-pair (``g``) takes."""
    return f"Pair {summary.pair.id} ({pair_role(summary, person_id)}), {summary.pair.status.replace('_', ' ')}"


def pairs_line(store: Store, participant_id: int) -> str:
    """Every pair of one person in one line, newest first ("Not paired yet" when none)."""
    pairs = pairs_of(store, participant_id)
    return "; ".join(pair_words(summary, participant_id) for summary in pairs) or "Not paired yet."
