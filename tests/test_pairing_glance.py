"""The pairing screen's first paint (issue 14: usable ≤ 1 s at 100k) comes from a narrow read
(:func:`rmtui.pairing.glance`): the person, their first candidates by name (read through the
index on names, :func:`rmtui.pairing.first_by_name`) scored on a pool of just those people. Everything it shows must be what the whole pool says:
the same first person, the same finder answers, the same scores, verdicts and blocks —
also after another coordinator's process changed people and pairs."""

from __future__ import annotations

import random

import pytest
from conftest import settled
from test_pairing_pool import TODAY, _fill, _other_coordinator_sets

from rmtui.db import Participant
from rmtui.matching import _fold_name as fold_name
from rmtui.matching import load_pool, rank_candidates, read_names
from rmtui.pairing import (
    _COUNT,
    busy_mentees,
    check,
    find_named,
    find_people,
    finder_people,
    first_by_name,
    glance,
    waves,
)
from rmtui.rule_settings import default_rule_config
from rmtui.rules import ONGOING
from rmtui.text import clean


def _own_proposals(store, person_id: int, wave_id) -> list[int]:
    return [i for (i,) in store.query_tuples(
        "SELECT id FROM pairs WHERE status = 'proposed' AND wave_id IS ? AND ? IN (mentor_id, mentee_id)",
        (wave_id, person_id))]


def _agrees_with_the_whole_pool(programme, config, wave_id, person_id) -> int:
    """Glance at ``person_id`` (None: the first waiting) and compare with the whole pool;
    return the person glanced at."""
    store = programme.store
    seen = glance(store, TODAY, config, wave_id, person_id, screenful=15)
    pool = load_pool(store, TODAY)
    if person_id is None:
        first = find_people(pool, "", wave_id, limit=1)
        assert seen.ranking is not None and first, "someone is waiting"
        assert seen.ranking.person.id == first[0].id
    ranking = seen.ranking
    assert ranking is not None and not ranking.complete
    person = ranking.person.id
    full = rank_candidates(pool, person, config, wave_id, excluding=_own_proposals(store, person, wave_id))
    assert ranking.of == len(full), "the count of candidates said while ranking"
    folded = dict(zip(pool.ids.tolist(), pool.folded_names))
    by_name = sorted((c.id for c in full.candidates), key=lambda i: (folded[i], i))
    assert [c.id for c in ranking.candidates] == by_name[:15], "the first candidates by name"
    at = {c.id: k for k, c in enumerate(full.candidates)}
    for k, candidate in enumerate(ranking.candidates):
        j = at[candidate.id]
        assert ranking.scores[k] == pytest.approx(full.scores[j], abs=1e-9)
        assert (ranking.allowed[k], ranking.first_failure[k]) == (full.allowed[j], full.first_failure[j])
        assert candidate == full.candidates[j]
        mentor, mentee = (candidate.id, person) if candidate.role == "mentor" else (person, candidate.id)
        excluding = _own_proposals(store, person, wave_id)
        narrow = check(seen.pool, mentor, mentee, config, wave_id, excluding=excluding)
        whole = check(pool, mentor, mentee, config, wave_id, excluding=excluding)
        assert narrow.verdicts == whole.verdicts, "the rule panel says the same on the narrow pool"
    return person


def _finder_agrees(programme, wave_id) -> None:
    store = programme.store
    names = read_names(store)
    pool = load_pool(store, TODAY)
    busy = busy_mentees(store.query_tuples("SELECT wave_id, mentee_id, status FROM pairs"), wave_id)
    for query in ("", "jo", "José", "zoe 1", "bob smth", "NUNEZ", "  ", "xq"):
        for limit in (1, 7, 200):
            expected = [p.id for p in find_people(pool, query, wave_id, limit=limit)]
            assert [names.ids[i] for i in find_named(names, query, wave_id, busy, limit)] == expected, query
    positions = list(range(0, len(names.ids), 7))
    for shown, position in zip(finder_people(store, names, positions), positions, strict=True):
        whole = pool.people[position]
        assert (shown.id, shown.name, shown.role, shown.level, shown.line_of_business, shown.status) == (
            whole.id, whole.name, whole.role, whole.level, whole.line_of_business, whole.status)


def _add_a_management_cycle(programme, rng: random.Random) -> None:
    ids = [i for (i,) in programme.store.query_tuples("SELECT id FROM participants")]
    a, b, c = rng.sample(ids, 3)
    with programme.store.write() as w:  # a → b → c → a, and someone under c
        for person, boss in ((a, b), (b, c), (c, a), (rng.choice(ids), c)):
            if person != boss:
                w.execute("UPDATE participants SET manager_id = ?, version = version + 1 WHERE id = ?", (boss, person))


@pytest.mark.parametrize("seed", range(6))
def test_the_first_paint_says_what_the_whole_pool_says(programme, seed):
    rng = random.Random(seed)
    _fill(programme, rng, 90)
    if seed % 2:
        _add_a_management_cycle(programme, rng)
    config = default_rule_config()
    wave_ids = [w.id for w in waves(programme.store)]
    for wave_id in [*wave_ids, None]:
        _agrees_with_the_whole_pool(programme, config, wave_id, None)
        _finder_agrees(programme, wave_id)
        for person in rng.sample([i for (i,) in programme.store.query_tuples("SELECT id FROM participants")], 6):
            _agrees_with_the_whole_pool(programme, config, wave_id, person)


def test_the_first_paint_follows_another_coordinators_changes(programme, db_path):
    rng = random.Random(42)
    _fill(programme, rng, 60)
    config = default_rule_config()
    wave = waves(programme.store)[0].id
    person = _agrees_with_the_whole_pool(programme, config, wave, None)
    seen = glance(programme.store, TODAY, config, wave, person, screenful=15)
    first = seen.ranking.candidates[0]
    # Another process: the first candidate now manages the person, and one of the candidates'
    # pairs goes ahead (their load, and who was paired before, change).
    _other_coordinator_sets(db_path, "participants", person, "manager_id", first.id)
    pair = programme.store.query_tuples(
        "SELECT id FROM pairs WHERE status = 'proposed' AND (mentor_id = ? OR mentee_id = ?) LIMIT 1",
        (seen.ranking.candidates[1].id, seen.ranking.candidates[1].id))
    if pair:
        _other_coordinator_sets(db_path, "pairs", pair[0][0], "status", "active")
    _agrees_with_the_whole_pool(programme, config, wave, person)
    again = glance(programme.store, TODAY, config, wave, person, screenful=15)
    k = [c.id for c in again.ranking.candidates].index(first.id)
    assert again.ranking.first_failure[k] == "outside_reporting_line"
    _other_coordinator_sets(db_path, "participants", person, "status", "withdrawn")
    _agrees_with_the_whole_pool(programme, config, wave, None)  # someone else is first now
    _finder_agrees(programme, wave)


def test_nobody_to_match_in_an_empty_programme(programme):
    seen = glance(programme.store, TODAY, default_rule_config(), None, None)
    assert seen.ranking is None and not seen.pool.people
    assert busy_mentees([(1, 5, s) for s in ONGOING] + [(1, 6, "completed"), (2, 7, "active")], 1) == {5}


async def test_the_screen_answers_on_the_first_candidates_then_ranks_keeping_the_cursor(demo_programme):
    """The first paint (held here: its result handed to the screen as a worker would) shows
    the first candidates by name, says the ranking is coming, and its cursor and rule panel
    answer keys; the ranking then replaces the list with the cursor on the same candidate."""
    from rmtui.app import RmtuiApp
    from rmtui.screens.pairing import PairingScreen, _glance, _load
    from rmtui.widgets.virtual_table import VirtualTable

    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, PairingScreen) and screen.ranking is not None and screen.ranking.complete
        person = screen.person_id
        ranked = [c.id for c in screen.ranking.candidates]
        # As when the screen opens: the narrow read lands first, the whole programme later.
        screen.loaded = None
        screen.ranking = None
        screen._glanced(_glance(demo_programme, screen.wave_id, None, small=0))
        await pilot.pause()
        assert screen.person_id == person and screen.loaded.partial
        assert not screen.ranking.complete and "ranking " in str(screen.query_one("#person").render())
        table = screen.query_one("#candidates", VirtualTable)
        shown = [screen.source.candidate(i).id for i in range(len(screen.source))]
        names = read_names(demo_programme.store)
        folded = dict(zip(names.ids, names.folded))
        assert len(shown) > 3 and shown == sorted(shown, key=lambda i: (folded[i], i))
        screen.action_leave_find()  # (the finder may have opened at start: a race older than this test)
        await pilot.press("down", "down")
        await pilot.pause()
        assert table.cursor == 2
        chosen = screen.source.candidate(2)
        assert screen.current is not None and chosen.id in (screen.current.mentor.id, screen.current.mentee.id)
        assert chosen.name in "\n".join(str(line) for line in screen._rule_panel(screen.current).renderables)
        whole = check(load_pool(demo_programme.store, TODAY), screen.current.mentor.id, screen.current.mentee.id,
                      screen.loaded.config, screen.wave_id, excluding=screen._own_proposal_ids())
        assert screen.current.verdicts == whole.verdicts
        screen._loaded(_load(demo_programme, None, screen.wave_id, screen.person_id, screen.loaded.names))
        await settled(pilot)
        assert screen.ranking.complete and [c.id for c in screen.ranking.candidates] == ranked
        assert screen.source.candidate(table.cursor).id == chosen.id, "the cursor stayed on the candidate"
        assert screen.current.verdicts == whole.verdicts


async def test_arrows_pressed_before_the_first_candidates_are_shown_are_not_lost(demo_programme):
    """↓ ↓ pressed while the screen still reads its first candidates move the cursor two rows
    down from where it lands (the first row, or the person's proposal) once they are shown."""
    from rmtui.app import RmtuiApp
    from rmtui.screens.pairing import PairingScreen, _glance
    from rmtui.widgets.virtual_table import VirtualTable

    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, PairingScreen)
        screen.action_leave_find()
        table = screen.query_one("#candidates", VirtualTable)
        starts = []
        for presses in ((), ("down", "down")):
            # As when the screen opens: nothing read yet, then the first paint's read lands.
            screen.loaded = screen.ranking = screen.source = screen.current = None
            await pilot.press(*presses)
            assert table.cursor == (starts[0] if starts else table.cursor), "the keys wait for the candidates"
            screen._glanced(_glance(demo_programme, screen.wave_id, None, small=0))
            await pilot.pause()
            starts.append(table.cursor)
        assert starts[1] == starts[0] + 2
        chosen = screen.source.candidate(starts[1])
        assert chosen.id in (screen.current.mentor.id, screen.current.mentee.id)


def test_names_folded_as_one_text_equal_each_folded():
    from rmtui.matching import _fold_name, _folded
    from rmtui.text import clean

    rng = random.Random(3)
    chars = "aAéÉ ßΣσςİıǅ\u0301\u0327\u00a0 xyzØøÆ  Ǆ\u0345ΐﬁ]^-\\Ø"
    names = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    assert _folded(names) == [_fold_name(clean(n)) for n in names]
    odd = [*names[:50], "a\nb", "x\u200by", "\x1fq", " Zoë ", "\x1b[31mRed"]
    assert _folded(odd) == [_fold_name(clean(n)) for n in odd]
    assert _folded([]) == [] and _folded(["", " José "]) == ["", "jose"]


# Names whose first character decides nothing alone: accents, a leading blank, control or
# zero-width character, escape sequences, letters that fold to two (ß), marks first, signs
# between the upper and lower case letters, digits, one letter only.
ODD_NAMES = ["Émile", "emile", "Emile", "  Zed", "\u200bAnn", "\x1b[31mBob", "ßa", "Ssa", "\u0301a", "_x", "[y",
             "`z", "9 Nine", "A", "a", "Ä", "ǅ", "Øre", "ole", "Ωmega", "ωmega", "ﬁ", "fi", "Zoë", "zoe", " a", "~t",
             "\x7fdel", "\u00a0nbsp", "İz", "iz", "z"]


@pytest.mark.parametrize("seed", range(4))
def test_first_by_name_reads_the_finders_order_through_the_names_index(programme, seed):
    """Oracle: the first k by (folded name, id) of everyone matching, whatever the names."""
    rng = random.Random(seed)
    with programme.store.write() as w:
        for i in range(160):
            name = rng.choice(ODD_NAMES) + rng.choice(["", "", " Núñez", f" {i}", "a", "Á"])
            w.insert(Participant(name=name, role=rng.choice(["mentor", "mentee"]),
                                 status=rng.choice(["active", "applicant", "withdrawn"])))
    rows = programme.store.query_tuples("SELECT id, name, role, status FROM participants")
    for where, params, keep in (
        ("1", (), lambda r: True),
        ("role = ?", ("mentor",), lambda r: r[2] == "mentor"),
        ("role = ? AND status != ?", ("mentee", "withdrawn"), lambda r: r[2] == "mentee" and r[3] != "withdrawn"),
    ):
        expected = sorted((r for r in rows if keep(r)), key=lambda r: (fold_name(clean(r[1])), r[0]))
        for limit in (1, 2, 5, 17, 40, 500):
            assert [i for i, _ in first_by_name(programme.store, where, params, limit)] == [
                r[0] for r in expected[:limit]], (where, limit)


@pytest.mark.parametrize("seed", range(3))
def test_the_finder_while_the_programme_is_read_says_what_the_whole_pool_says(programme, seed):
    """The first paint reads neither everyone's names nor every pair; the finder opened then
    reads the names itself, and lists the same people with the same notes ("active with …")."""
    from rmtui.screens.pairing import _glance, _load

    rng = random.Random(seed)
    _fill(programme, rng, 80)
    store = programme.store
    for wave_id in [w.id for w in waves(store)]:
        partial = _glance(programme, wave_id, None, small=0)
        whole = _load(programme, None, wave_id)
        assert partial.partial and partial.names is None and not whole.partial
        for query in ("", "jo", "bob smth", "Zoë 1", "xq"):
            found = partial.find(store, query, wave_id)
            expected = whole.find(store, query, wave_id)
            assert [p.id for p in found] == [p.id for p in expected], query
            assert {p.id: partial.partners.get(p.id) for p in found} == {p.id: whole.partners.get(p.id) for p in found}


async def test_the_first_candidates_come_with_the_rule_panel_of_the_row_under_the_cursor(demo_programme):
    """The rows and the rule panel of the row under the cursor are shown together (one frame),
    not the rule panel a frame later, once the table's CursorMoved is handled."""
    from rmtui.app import RmtuiApp
    from rmtui.screens.pairing import PairingScreen, _glance
    from rmtui.widgets.footer import Footer

    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, PairingScreen)
        assert isinstance(screen.query_one("Footer"), Footer), "the footer recomposed only when its keys change"
        screen.loaded = screen.ranking = screen.source = screen.current = None
        screen.query_one("#rules").update("")
        screen._glanced(_glance(demo_programme, screen.wave_id, None, small=0))
        # No message handled yet: what the next frame paints.
        candidate = screen.source.candidate(screen.query_one("#candidates").cursor)
        assert screen.current is not None and candidate.id in (screen.current.mentor.id, screen.current.mentee.id)
        shown = screen.query_one("#rules").content
        assert candidate.name in "\n".join(str(line) for line in shown.renderables), "the rule panel is filled"


def test_the_candidates_are_counted_from_the_index_on_role(programme) -> None:
    """The count said while ranking ("ranking N candidates…") reads the index on role, not
    every wide row; it counts what a plain scan counts."""
    store = programme.store
    _fill(programme, random.Random(5), 120)
    for role in ("mentor", "mentee"):
        skip = [1, 2, 3, 500]
        where = f"role = ? AND id NOT IN ({', '.join('?' for _ in skip)})"
        plan = " ".join(row[3] for row in store.query_tuples("EXPLAIN QUERY PLAN " + _COUNT.format(where=where), (role, *skip)))
        assert "COVERING INDEX participants_role" in plan
        plain = store.query_tuples(f"SELECT count(*) FROM participants NOT INDEXED WHERE {where}", (role, *skip))
        assert store.query_tuples(_COUNT.format(where=where), (role, *skip)) == plain and plain[0][0] > 0


def test_the_role_index_migration_runs_on_a_programme_with_people(programme) -> None:
    """A programme with people at the previous version (no index on role) gets it when opened."""
    from rmtui.db import SCHEMA_VERSION, Store
    from rmtui.db.schema import MIGRATIONS

    _fill(programme, random.Random(6), 40)
    store, path = programme.store, programme.store.path
    mine = next(i for i, m in enumerate(MIGRATIONS) if "participants_role" in m)
    with store.write() as w:
        w.execute("DROP INDEX participants_role")
        w.execute(f"PRAGMA user_version = {mine}")
    roles = store.query_tuples("SELECT role, count(*) FROM participants NOT INDEXED GROUP BY role")
    with Store(path, actor="coordinator") as reopened:
        assert reopened.schema_version() == SCHEMA_VERSION > mine
        assert reopened.query_tuples("SELECT role, count(*) FROM participants INDEXED BY participants_role GROUP BY role") == roles
