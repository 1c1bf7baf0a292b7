"""A whole programme run from an EMPTY database with the command line alone (issue 11).

Setup → HR import → wave → match → accept all → coaches → sessions held → survey answers
→ pairs complete → the dashboard's completion, satisfaction and goals equal counts made by
hand from what this test did. Nothing here is written by ``rmtui demo``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from rmtui.cli import cli
from rmtui.db import Store
from rmtui.health import programme_health

CSV = Path(__file__).parent / "data" / "csv" / "first_programme.csv"


def test_a_whole_programme_cycle_through_the_cli_alone(tmp_path: Path) -> None:
    db = tmp_path / "programme.db"

    def rmtui(*args: str, today: str = "2026-11-20") -> Result:
        result = CliRunner().invoke(cli, ["--db", str(db), "--today", today, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    # Setup: name and time zone of a new programme.
    rmtui("programme", "set", "programme_name", "Pilot 2027")
    rmtui("programme", "set", "timezone", "Europe/London")
    people = tmp_path / "people.csv"
    shutil.copy(CSV, people)
    rmtui("import", str(people))
    rmtui("wave", "add", "Spring 2027", "--starts", "2026-12-01")
    rmtui("match", "--wave", "Spring 2027", "--accept")

    rmtui("coach", "add", "Ana Silva", "--email", "ana.silva@example.org")
    rmtui("coach", "add", "Bo Li")
    assigned = rmtui("coach", "assign", "--wave", "Spring 2027")
    assert sorted(assigned.output.split("\n")[:2]) == ["Ana Silva: 2 pairs", "Bo Li: 1 pair"]

    with Store(db) as store:
        pairs = store.query("SELECT p.id, m.email AS mentee, t.email AS mentor FROM pairs p "
                            "JOIN participants m ON m.id = p.mentee_id JOIN participants t ON t.id = p.mentor_id "
                            "WHERE p.status = 'active' ORDER BY p.id")
        dues = dict(store.query_tuples("SELECT DISTINCT seq, due_on FROM sessions"))
        assert store.scalar("SELECT count(*) FROM participants WHERE status = 'active'") == 6
    assert len(pairs) == 3
    first, second, third = pairs

    # Sessions held on their due days: all seven for the first pair (holding the last
    # completes it), five then an early completion for the second, three for the third.
    later = "2027-05-01"
    for pair, held in ((first, 7), (second, 5), (third, 3)):
        for seq in range(1, held + 1):
            rmtui("pair", "held", pair["mentee"], str(seq), "--on", dues[seq], today=later)
    rmtui("pair", "complete", str(second["id"]), "--on", "2027-03-20", today=later)
    rmtui("pair", "complete", str(third["id"]), "--on", "2027-02-01", today=later)

    # Survey answers from a survey tool's export (columns named as such tools name them).
    mid = {first["mentee"]: 5, first["mentor"]: 4, second["mentee"]: 4, second["mentor"]: 5,
           third["mentee"]: 2, third["mentor"]: 3}
    post = {first["mentee"]: (5, "yes"), second["mentee"]: (3, "no"), third["mentee"]: (4, "yes")}
    pre = {first["mentee"]: 3, second["mentee"]: 3, third["mentee"]: 4}
    lines = ["Respondent email,Survey,Score,Goal achieved,Comments"]
    lines += [f"{email},pre,{rating},," for email, rating in pre.items()]
    lines += [f"{email},mid,{rating},," for email, rating in mid.items()]
    lines += [f"{email},post,{rating},{goal},Thank you" for email, (rating, goal) in post.items()]
    answers = tmp_path / "answers.csv"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rmtui("feedback", "import", str(answers), today=later)

    with Store(db) as store:
        assert store.query_tuples("SELECT status, count(*) FROM pairs GROUP BY status") == [("completed", 3)]
        assert store.scalar("SELECT count(*) FROM feedback") == len(pre) + len(mid) + len(post)
        # Both people of every completed pair are alumni; the unmatched mentee is still an applicant.
        statuses = dict(store.query_tuples("SELECT email, status FROM participants"))
        whole = programme_health(store, dt.date.fromisoformat(later))[0]

    paired = {p[k] for p in pairs for k in ("mentee", "mentor")}
    assert {statuses[e] for e in paired} == {"alumni"}
    assert statuses["helen.cole@example.org"] == "applicant"

    # Counted by hand from the above.
    held_enough = sum(1 for held in (7, 5, 3) if held >= 5)
    assert whole.metric("completion").shown() == f"67% ({held_enough} of 3)"
    good_mid = sum(1 for rating in mid.values() if rating >= 4)
    assert whole.metric("match_satisfaction").shown() == f"67% ({good_mid} of 6)"
    achieved = sum(1 for _, goal in post.values() if goal == "yes")
    assert whole.metric("goal_achievement").shown() == f"67% ({achieved} of 3)"
    good_post = sum(1 for rating, _ in post.values() if rating >= 4)
    assert whole.metric("programme_satisfaction").shown() == f"67% ({good_post} of 3)"
    change = sum(post[e][0] - pre[e] for e in pre) / len(pre)
    assert whole.metric("pre_post").value == change

    report = tmp_path / "report.md"
    rmtui("report", "-o", str(report), today=later)
    text = report.read_text(encoding="utf-8")
    assert "Pilot 2027" in text and "67% (2 of 3)" in text
