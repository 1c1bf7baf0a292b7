"""Naming a wave: by its name or its id, wherever a wave is asked for.

(A small resolver for issue 11 items 5–8; the lead unifies it with the waves services.)
"""

from __future__ import annotations

from rmtui.db import Store, Wave
from rmtui.text import clean, fold


class UnknownWaveError(ValueError):
    """No wave has that name or id; the message lists the waves there are."""


def resolve_wave(store: Store, text: str) -> Wave:
    """Return the wave ``text`` names: its id, or its name (case and accents ignored).

    Raises :class:`UnknownWaveError` listing the valid names when none matches.
    """
    wanted = clean(str(text)).strip()
    waves = store.all(Wave, order="starts_on, id")
    if wanted.isdigit():
        for wave in waves:
            if wave.id == int(wanted):
                return wave
    for wave in waves:
        if fold(clean(wave.name)).strip() == fold(wanted):
            return wave
    if not waves:
        raise UnknownWaveError(f"There is no wave {wanted!r}: the programme has no waves yet; create one first.")
    names = ", ".join(f"{clean(w.name)} ({w.id})" for w in waves)
    raise UnknownWaveError(f"There is no wave {wanted!r}; the waves are: {names}.")
