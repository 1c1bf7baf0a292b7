"""Picking one person by name: the manager field, the pairing finder."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from rmtui.text import fold


def name_matches(query: str, folded_names: list[str], limit: int, cutoff: float = 75) -> list[int]:
    """Return positions in ``folded_names`` (see :func:`rmtui.text.fold`) that match ``query``.

    The one rule for picking a person by name (the manager field, the pairing finder):
    names containing what was typed come first (where it starts, then alphabetically);
    fuzzy matches (rapidfuzz WRatio ≥ ``cutoff``) forgive typos after them, best first.
    """
    wanted = fold(query).strip()
    if not wanted:
        return []
    exact = sorted(
        (i for i, name in enumerate(folded_names) if wanted in name),
        key=lambda i: (folded_names[i].find(wanted), folded_names[i]),
    )
    seen = set(exact)
    fuzzy = process.extract(wanted, folded_names, scorer=fuzz.WRatio, limit=limit, score_cutoff=cutoff)
    return (exact + [i for _, _, i in fuzzy if i not in seen])[:limit]
