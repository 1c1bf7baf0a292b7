"""The roster's first page (shown while the index is built) is in the index's own order."""

from __future__ import annotations

from rmtui.search import RosterIndex, first_page


def add(store, *names: str) -> None:
    with store.write() as w:
        for name in names:
            w.execute(
                "INSERT INTO participants (name, role, job_title, department, level, created_at, updated_at)"
                " VALUES (?, 'mentee', 'Analyst', 'Claims', 3, '2026-11-01', '2026-11-01')",
                (name,),
            )


def index_order(store) -> list[int]:
    result = RosterIndex.from_store(store).search("")
    return [result.row(i).id for i in range(result.total)]


def test_the_preview_lists_people_as_the_index_does(demo_programme) -> None:
    store = demo_programme.store
    # SQL's NOCASE puts accented first letters after "z" and "José" after "Josef"; the index
    # folds them ("Émile" among the e's, "José" equal to "Jose", then by id).
    add(store, "Émile Zola", "emile Abbott", "Eric Young", "Ángel Ruiz", "Aaron  Lee", "José Ávila",
        "Jose Avila", "Josef Adler", "zoë Quinn", "Zoe Park", "Łukasz Nowak", "ÖZIL Mesut")
    shown = [row.id for row in first_page(store, 10_000)]
    assert shown == index_order(store)
    assert [row.id for row in first_page(store, 25)] == index_order(store)[:25]


def test_the_preview_rows_carry_what_the_roster_displays(demo_programme) -> None:
    store = demo_programme.store
    add(store, "Ana Núñez")
    row = next(row for row in first_page(store, 10_000) if row.name == "Ana Núñez")
    assert (row.role, row.job_title, row.level, row.department) == ("mentee", "Analyst", 3, "Claims")
