"""Identity is the kernel's (the effective uid), never an environment variable (issue 12.1)."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

from rmtui.coordinators import add_coordinator, list_coordinators, set_role
from rmtui.db import Store, os_user


def rmtui(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmtui", *args], capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )


def test_os_user_is_the_effective_uids_login_whatever_the_environment_says(monkeypatch) -> None:
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "boss")
    assert os_user() == pwd.getpwuid(os.geteuid()).pw_name != "boss"


def test_naming_an_admin_in_logname_or_user_does_not_make_a_coordinator_admin(tmp_path: Path) -> None:
    db = tmp_path / "programme.db"
    me = os_user()
    with Store(db) as store:  # the first to change it (this user) becomes admin ...
        add_coordinator(store, "boss", "admin")
        set_role(store, me, "coordinator")  # ... and steps down to coordinator under boss
    posing = {"LOGNAME": "boss", "USER": "boss", "LNAME": "boss", "USERNAME": "boss"}

    refused = rmtui("--db", str(db), "users", "set-role", me, "admin", env=posing)
    assert refused.returncode == 1, refused.stdout
    assert "admin" in refused.stderr and "Traceback" not in refused.stderr

    people = tmp_path / "people.csv"
    people.write_text("name,email,role\nAnn Lee,ann@example.com,mentor\n", encoding="utf-8")
    imported = rmtui("--db", str(db), "import", str(people), env=posing)
    assert imported.returncode == 0, imported.stderr
    with Store(db, actor="boss") as store:
        assert {c.os_user: c.role for c in list_coordinators(store)} == {"boss": "admin", me: "coordinator"}
        actors = {row[0] for row in store.query_tuples("SELECT DISTINCT actor FROM audit WHERE entity = 'participants'")}
    assert actors == {me}, "the audit names the real user, not the one the environment claimed"
