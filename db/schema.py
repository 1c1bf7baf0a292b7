"""The programme database's schema, as numbered migrations.

``PRAGMA user_version`` holds the number of the last migration applied. Migrations run
once, in order, under the write lock (``BEGIN IMMEDIATE``), so two coordinators opening a
fresh database at the same moment cannot both apply them.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the whole data model of DESIGN.md.
    """
    CREATE TABLE participants (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        email TEXT COLLATE NOCASE UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('mentor', 'mentee')),
        job_title TEXT NOT NULL DEFAULT '',
        level INTEGER,
        line_of_business TEXT NOT NULL DEFAULT '',
        department TEXT NOT NULL DEFAULT '',
        team TEXT NOT NULL DEFAULT '',
        manager_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
        location TEXT NOT NULL DEFAULT '',
        timezone TEXT NOT NULL DEFAULT '',
        joined_on TEXT,
        current_role TEXT NOT NULL DEFAULT '[]',
        development_goals TEXT NOT NULL DEFAULT '[]',
        competencies TEXT NOT NULL DEFAULT '[]',
        past_experience TEXT NOT NULL DEFAULT '',
        education TEXT NOT NULL DEFAULT '',
        birthplace TEXT NOT NULL DEFAULT '',
        hobbies TEXT NOT NULL DEFAULT '[]',
        interests TEXT NOT NULL DEFAULT '[]',
        capacity INTEGER NOT NULL DEFAULT 1 CHECK (capacity >= 0),
        consent_share INTEGER NOT NULL DEFAULT 0 CHECK (consent_share IN (0, 1)),
        attributes TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'applicant'
            CHECK (status IN ('applicant', 'active', 'withdrawn', 'alumni')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX participants_name ON participants(name COLLATE NOCASE);
    CREATE INDEX participants_manager ON participants(manager_id);
    CREATE INDEX participants_updated ON participants(updated_at);

    CREATE TABLE waves (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        starts_on TEXT NOT NULL,
        cadence_days INTEGER NOT NULL DEFAULT 21 CHECK (cadence_days > 0),
        sessions_planned INTEGER NOT NULL DEFAULT 7 CHECK (sessions_planned > 0),
        session_minutes INTEGER NOT NULL DEFAULT 60 CHECK (session_minutes > 0),
        grace_days INTEGER NOT NULL DEFAULT 3 CHECK (grace_days >= 0),
        notes_due_days INTEGER NOT NULL DEFAULT 3 CHECK (notes_due_days >= 0),
        version INTEGER NOT NULL DEFAULT 1
    );

    CREATE TABLE pairs (
        id INTEGER PRIMARY KEY,
        wave_id INTEGER NOT NULL REFERENCES waves(id),
        mentor_id INTEGER NOT NULL REFERENCES participants(id),
        mentee_id INTEGER NOT NULL REFERENCES participants(id),
        coach TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'proposed'
            CHECK (status IN ('proposed', 'active', 'paused', 'completed', 'closed_early')),
        started_on TEXT,
        ended_on TEXT,
        close_reason TEXT,
        score REAL,
        overrides TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        CHECK (mentor_id <> mentee_id)
    );
    CREATE INDEX pairs_wave ON pairs(wave_id);
    CREATE INDEX pairs_mentor ON pairs(mentor_id);
    CREATE INDEX pairs_mentee ON pairs(mentee_id);

    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        pair_id INTEGER NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq > 0),
        due_on TEXT NOT NULL,
        scheduled_at TEXT,
        held_on TEXT,
        status TEXT NOT NULL DEFAULT 'planned'
            CHECK (status IN ('planned', 'scheduled', 'held', 'cancelled', 'missed')),
        checkpoint INTEGER NOT NULL DEFAULT 0 CHECK (checkpoint IN (0, 1)),
        agenda TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        notes_posted_on TEXT,
        follow_up_sent INTEGER NOT NULL DEFAULT 0 CHECK (follow_up_sent IN (0, 1)),
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        UNIQUE (pair_id, seq)
    );
    CREATE INDEX sessions_due ON sessions(due_on);

    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        pair_id INTEGER NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('pre', 'mid', 'post', 'close')),
        respondent TEXT NOT NULL CHECK (respondent IN ('mentor', 'mentee')),
        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
        goal_achieved INTEGER CHECK (goal_achieved IN (0, 1)),
        comment TEXT NOT NULL DEFAULT '',
        submitted_on TEXT NOT NULL
    );
    CREATE INDEX feedback_pair ON feedback(pair_id);

    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id INTEGER,
        action TEXT NOT NULL,
        before TEXT,
        after TEXT
    );
    CREATE INDEX audit_entity ON audit(entity, entity_id);
    CREATE INDEX audit_at ON audit(at);

    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    """,
    # 2: triage marks: a coordinator snoozes an item or flags it for the review meeting.
    """
    CREATE TABLE triage_marks (
        id INTEGER PRIMARY KEY,
        entity TEXT NOT NULL CHECK (entity IN ('session', 'pair')),
        entity_id INTEGER NOT NULL,
        snoozed_until TEXT,
        flagged INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        UNIQUE (entity, entity_id)
    );
    """,
    # 3: who may open the programme and what they may do (issue 7). os_user is the
    # operating-system login; the Unix group is the security boundary, roles prevent
    # accidents and make the audit trustworthy.
    """
    CREATE TABLE coordinators (
        id INTEGER PRIMARY KEY,
        os_user TEXT NOT NULL UNIQUE CHECK (length(trim(os_user)) > 0),
        role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'viewer')),
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 1
    );
    """,
    # 4: covering indexes for the triage queue (issue 5): the open sessions by due day, the
    # held ones still missing notes or a follow-up, and each pair's last held day, so the
    # queue over 70,000 sessions reads only the rows that can need a coordinator.
    """
    CREATE INDEX sessions_open ON sessions(due_on, pair_id, seq, version)
        WHERE status IN ('planned', 'scheduled', 'missed') AND held_on IS NULL;
    CREATE INDEX sessions_unfinished ON sessions(held_on, pair_id, seq, notes = '', follow_up_sent, version)
        WHERE status = 'held' AND (notes = '' OR follow_up_sent = 0);
    CREATE INDEX sessions_held ON sessions(pair_id, held_on) WHERE status = 'held';
    """,
    # 5: which pairs changed, for the live leaderboard (issue 6). Every write that can move a
    # pair on the leaderboard (its sessions, its own status or people, a person's name,
    # department or consent, its wave's name or notes deadline) appends the pair to this log
    # in the same transaction, whoever writes it; ``rev`` (the rowid) only grows. An open
    # leaderboard re-reads only the pairs logged after the revision it last saw instead of all
    # 70,000 sessions. Appending is cheap (no index to keep); a row is a few bytes per edit.
    """
    CREATE TABLE pair_changes (
        rev INTEGER PRIMARY KEY,
        pair_id INTEGER NOT NULL
    );

    CREATE TRIGGER sessions_added AFTER INSERT ON sessions BEGIN
        INSERT INTO pair_changes (pair_id) VALUES (NEW.pair_id);
    END;
    CREATE TRIGGER sessions_removed AFTER DELETE ON sessions BEGIN
        INSERT INTO pair_changes (pair_id) VALUES (OLD.pair_id);
    END;
    CREATE TRIGGER sessions_changed AFTER UPDATE OF pair_id, status, due_on, held_on, notes, notes_posted_on
    ON sessions BEGIN
        INSERT INTO pair_changes (pair_id) VALUES (NEW.pair_id);
        INSERT INTO pair_changes (pair_id) SELECT OLD.pair_id WHERE OLD.pair_id != NEW.pair_id;
    END;

    CREATE TRIGGER pairs_added AFTER INSERT ON pairs BEGIN
        INSERT INTO pair_changes (pair_id) VALUES (NEW.id);
    END;
    CREATE TRIGGER pairs_removed AFTER DELETE ON pairs BEGIN
        INSERT INTO pair_changes (pair_id) VALUES (OLD.id);
    END;
    CREATE TRIGGER pairs_changed AFTER UPDATE OF id, wave_id, mentor_id, mentee_id, status, started_on
    ON pairs BEGIN
        INSERT INTO pair_changes (pair_id) VALUES (NEW.id);
        INSERT INTO pair_changes (pair_id) SELECT OLD.id WHERE OLD.id != NEW.id;
    END;

    CREATE TRIGGER participants_changed AFTER UPDATE OF name, department, consent_share ON participants
    WHEN OLD.name IS NOT NEW.name OR OLD.department IS NOT NEW.department
        OR OLD.consent_share IS NOT NEW.consent_share
    BEGIN
        INSERT INTO pair_changes (pair_id) SELECT id FROM pairs WHERE mentor_id = NEW.id OR mentee_id = NEW.id;
    END;

    CREATE TRIGGER waves_changed AFTER UPDATE OF name, notes_due_days ON waves
    WHEN OLD.name IS NOT NEW.name OR OLD.notes_due_days IS NOT NEW.notes_due_days
    BEGIN
        INSERT INTO pair_changes (pair_id) SELECT id FROM pairs WHERE wave_id = NEW.id;
    END;
    """,
    # 6: the audit by coordinator (issue 7's "who changed what"): the list of coordinators and
    # one coordinator's changes, newest first, without reading the whole audit.
    """
    CREATE INDEX audit_actor ON audit(actor);
    """,
    # 7: a wave can be closed (issue 11): no new pairs go into it once closed_on is set.
    """
    ALTER TABLE waves ADD COLUMN closed_on TEXT;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
