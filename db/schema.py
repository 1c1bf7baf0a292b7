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
    # 7 (issue 12): each audit row keeps a readable label of the row it changed, taken when it
    # changed. SQLite reuses a deleted row's id (a removed coordinator's, a withdrawn pair's),
    # so a label looked up later named the new holder of the id. Rows written before this
    # migration get the label their own before/after values carry (a person's name, a
    # coordinator's login, a wave's name); the rest stay NULL and are named as before.
    """
    ALTER TABLE audit ADD COLUMN label TEXT;
    UPDATE audit SET label = CASE entity
        WHEN 'participants' THEN coalesce(json_extract(after, '$.name'), json_extract(before, '$.name'))
        WHEN 'coordinators' THEN 'coordinator ' || coalesce(json_extract(after, '$.os_user'), json_extract(before, '$.os_user'))
        WHEN 'waves' THEN 'wave ' || coalesce(json_extract(after, '$.name'), json_extract(before, '$.name'))
    END
    WHERE entity_id IS NOT NULL AND json_valid(coalesce(after, '{}')) AND json_valid(coalesce(before, '{}'));
    """,
    # 8 (issue 11, items 5-8): the life of a pair after it is confirmed.
    # - coaches: the HR coaches the programme keeps (a coordinator may be one: os_user).
    #   pairs.coach_id names the coach; pairs.coach stays as the coach's name (the column
    #   DESIGN.md lists and the triage, export and leaderboard read), copied from coaches by
    #   the service and kept in step by a trigger when a coach is renamed. Existing coach
    #   texts become coaches (one per distinct name) and their pairs point at them.
    # - pairs.paused_on / pause_reason: when and why a pair was paused, so resuming moves
    #   its planned sessions by the length of the pause.
    # - indexes for the survey answers due (the first session, held checkpoints, ended pairs).
    # - hobbies and interests split on commas as well (issue 11 item 8): a stored element
    #   "chess, painting" becomes "chess" and "painting" (order kept, duplicates dropped).
    """
    CREATE TABLE coaches (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
        email TEXT COLLATE NOCASE UNIQUE,
        os_user TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    ALTER TABLE pairs ADD COLUMN coach_id INTEGER REFERENCES coaches(id);
    ALTER TABLE pairs ADD COLUMN paused_on TEXT;
    ALTER TABLE pairs ADD COLUMN pause_reason TEXT;
    CREATE INDEX pairs_coach ON pairs(coach_id);
    CREATE INDEX sessions_checkpoint_held ON sessions(held_on, pair_id, seq) WHERE status = 'held' AND checkpoint = 1;
    CREATE INDEX sessions_first ON sessions(due_on, pair_id) WHERE seq = 1;
    CREATE INDEX pairs_ended ON pairs(ended_on, wave_id, status) WHERE status IN ('completed', 'closed_early');
    INSERT INTO coaches (name, created_at, updated_at)
        SELECT trim(coach), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
        FROM pairs WHERE trim(coach) <> '' GROUP BY trim(coach) COLLATE NOCASE ORDER BY min(id);
    UPDATE pairs SET coach_id = (SELECT id FROM coaches WHERE coaches.name = trim(pairs.coach)),
                     coach = (SELECT name FROM coaches WHERE coaches.name = trim(pairs.coach))
        WHERE trim(coach) <> '';
    CREATE TRIGGER coaches_renamed AFTER UPDATE OF name ON coaches WHEN OLD.name IS NOT NEW.name BEGIN
        UPDATE pairs SET coach = NEW.name WHERE coach_id = NEW.id;
    END;
    UPDATE participants SET hobbies = (
        WITH RECURSIVE parts(ord, tag, rest) AS (
            SELECT CAST(j.key AS INTEGER) * 10000, NULL, j.value || ',' FROM json_each(participants.hobbies) AS j
            UNION ALL
            SELECT ord + 1, trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
            FROM parts WHERE rest <> ''
        )
        SELECT coalesce(json_group_array(tag ORDER BY first), '[]') FROM (
            SELECT tag, min(ord) AS first FROM parts WHERE tag IS NOT NULL AND tag <> '' GROUP BY tag
        )
    ), version = version + 1
    WHERE json_valid(hobbies) AND EXISTS (SELECT 1 FROM json_each(participants.hobbies) WHERE value LIKE '%,%');
    UPDATE participants SET interests = (
        WITH RECURSIVE parts(ord, tag, rest) AS (
            SELECT CAST(j.key AS INTEGER) * 10000, NULL, j.value || ',' FROM json_each(participants.interests) AS j
            UNION ALL
            SELECT ord + 1, trim(substr(rest, 1, instr(rest, ',') - 1)), substr(rest, instr(rest, ',') + 1)
            FROM parts WHERE rest <> ''
        )
        SELECT coalesce(json_group_array(tag ORDER BY first), '[]') FROM (
            SELECT tag, min(ord) AS first FROM parts WHERE tag IS NOT NULL AND tag <> '' GROUP BY tag
        )
    ), version = version + 1
    WHERE json_valid(interests) AND EXISTS (SELECT 1 FROM json_each(participants.interests) WHERE value LIKE '%,%');
    """,
    # 9: a wave can be closed (issue 11): no new pairs go into it once closed_on is set.
    """
    ALTER TABLE waves ADD COLUMN closed_on TEXT;
    """,
    # 10 (issue 14): survey answers read through one covering index (pair, survey,
    # respondent, rating, goal), so "was this answer received?" is one index probe and the
    # dashboard's survey figures never read the comments; it replaces feedback_pair (its
    # prefix). The checkpoint sessions by pair, so "the pair's first checkpoint" is a probe.
    # participants_card: what the leaderboard and the triage show of a pair's two people
    # (consent, name, department), so they are read from a narrow index, not the wide rows
    # (the leaderboard names it with INDEXED BY: SQLite looks ids up in the table otherwise).
    """
    CREATE INDEX IF NOT EXISTS feedback_answer ON feedback(pair_id, kind, respondent, rating, goal_achieved);
    DROP INDEX IF EXISTS feedback_pair;
    CREATE INDEX IF NOT EXISTS sessions_checkpoint ON sessions(pair_id, seq) WHERE checkpoint = 1;
    CREATE INDEX IF NOT EXISTS participants_card ON participants(id, consent_share, name, department);
    """,
    # 11 (issue 14): which participants changed, for the live roster: every insert, delete, and
    # update of a column the roster searches or shows appends the participant's id in the
    # writing transaction, whoever writes; ``rev`` (the rowid) only grows. An open roster
    # re-reads only the people logged after the revision it last saw and updates its search
    # index in place of rebuilding it over 100,000 people. A row is a few bytes per edit.
    """
    CREATE TABLE participant_changes (
        rev INTEGER PRIMARY KEY,
        participant_id INTEGER NOT NULL
    );

    CREATE TRIGGER participant_changes_added AFTER INSERT ON participants BEGIN
        INSERT INTO participant_changes (participant_id) VALUES (NEW.id);
    END;
    CREATE TRIGGER participant_changes_removed AFTER DELETE ON participants BEGIN
        INSERT INTO participant_changes (participant_id) VALUES (OLD.id);
    END;
    CREATE TRIGGER participant_changes_changed AFTER UPDATE OF id, name, email, role, job_title, level,
        department, line_of_business, status, hobbies, interests ON participants BEGIN
        INSERT INTO participant_changes (participant_id) VALUES (NEW.id);
        INSERT INTO participant_changes (participant_id) SELECT OLD.id WHERE OLD.id != NEW.id;
    END;
    """,
    # (issue 15 item 2, undo) one user action = one write transaction: every audit row a
    # transaction writes carries the same change_id (the id of its first audit row), so an
    # import, a whole-wave accept or a restore is taken back as the one change it was. Rows
    # written before this migration are each their own change. audit_actor_change finds a
    # coordinator's newest changes (what ctrl+z takes back) without reading their rows.
    """
    ALTER TABLE audit ADD COLUMN change_id INTEGER;
    UPDATE audit SET change_id = id;
    CREATE INDEX audit_change ON audit(change_id);
    CREATE INDEX audit_actor_change ON audit(actor, change_id);
    """,
    # (issue 15, item 3) match runs you can compare: every whole-cohort matching of a wave is
    # kept with the rules and weights it ran under, its pins and its result (proposals with
    # scores and rule notes, who was left and why, what each hard rule blocked), named
    # uniquely within its wave, so two runs can be compared and one accepted later.
    """
    CREATE TABLE IF NOT EXISTS match_runs (
        id INTEGER PRIMARY KEY,
        wave_id INTEGER NOT NULL REFERENCES waves(id) ON DELETE CASCADE,
        name TEXT NOT NULL COLLATE NOCASE CHECK (length(trim(name)) > 0),
        created_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        rules TEXT NOT NULL DEFAULT '{}',
        pins TEXT NOT NULL DEFAULT '[]',
        result TEXT NOT NULL DEFAULT '{}',
        total REAL NOT NULL DEFAULT 0,
        matched INTEGER NOT NULL DEFAULT 0,
        unmatched INTEGER NOT NULL DEFAULT 0,
        UNIQUE (wave_id, name)
    );
    """,
    # (issue 15) Presence: who else has the programme open, on which screen and record. One
    # row per running app (host, pid), upserted by its heartbeat every few seconds and deleted
    # when it closes; rows of dead processes are pruned by pid (same host) and by age. Times
    # are Unix seconds. Presence writes are not audited. ``change_stamps`` tells an open app's
    # watcher what a commit changed: every data write through the store sets the 'data' stamp,
    # every presence write the 'presence' stamp, so a heartbeat refreshes only the header.
    """
    CREATE TABLE IF NOT EXISTS presence (
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        actor TEXT NOT NULL,
        area TEXT NOT NULL DEFAULT '',
        entity TEXT,
        entity_id INTEGER,
        label TEXT NOT NULL DEFAULT '',
        editing INTEGER NOT NULL DEFAULT 0 CHECK (editing IN (0, 1)),
        joined_at REAL NOT NULL,
        started_at REAL NOT NULL,
        seen_at REAL NOT NULL,
        PRIMARY KEY (host, pid)
    );
    CREATE TABLE IF NOT EXISTS change_stamps (
        kind TEXT PRIMARY KEY,
        stamp INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO change_stamps (kind, stamp) VALUES ('data', 0), ('presence', 0);
    """,
    # (issue 14) Totals kept by triggers, so the leaderboard, the dashboard and the triage
    # read one narrow row per pair (or per wave and day) instead of aggregating 70,000
    # sessions and every survey answer on each build:
    # - pair_totals: per pair, what does not depend on the day (sessions held, planned, held
    #   with notes, notes on time by the wave's deadline, the last held/notes day) and the
    #   sorted days of its sessions due, held, and held without notes (ten-character ISO days
    #   run together; the first due day is the first of them), from which the reader counts
    #   what is due or late by any day (what depends on today is never stored). Every trigger
    #   recomputes the pair's whole row from its few sessions (never adds or subtracts), so no
    #   write path can make it drift: sessions added, edited, deleted (undo replays plain SQL,
    #   so they fire too), a pair added, moved to another wave or deleted, a wave's notes
    #   deadline changed. The view pair_totals_fresh is the definition (triggers and tests
    #   read it). The days are sorted by ordered subqueries (SQLite 3.40 has no ORDER BY
    #   inside group_concat).
    # - pair_answer_totals: per pair with survey answers, the dashboard's survey counts
    #   (recomputed from the pair's answers likewise).
    # - held_per_day: sessions held per wave and day, for the dashboard's weekly chart (kept
    #   by adding and taking away: a recount would read the whole wave).
    # Existing data is filled in here.
    """
    CREATE TABLE pair_totals (
        pair_id INTEGER PRIMARY KEY,
        held INTEGER NOT NULL,
        planned INTEGER NOT NULL,
        noted INTEGER NOT NULL,
        notes_ok INTEGER NOT NULL,
        last_done TEXT NOT NULL,
        due_days TEXT NOT NULL,
        held_days TEXT NOT NULL,
        unnoted_days TEXT NOT NULL
    );
    CREATE VIEW pair_totals_fresh AS
    SELECT p.id AS pair_id,
           count(s.id) FILTER (WHERE s.status = 'held') AS held,
           count(s.id) FILTER (WHERE s.status != 'cancelled') AS planned,
           count(s.id) FILTER (WHERE s.status = 'held' AND s.notes != '') AS noted,
           count(s.id) FILTER (WHERE s.status = 'held' AND s.notes != ''
               AND (s.notes_posted_on IS NULL OR s.notes_posted_on <= s.held_on
                    OR julianday(s.notes_posted_on) - julianday(s.held_on) <= w.notes_due_days)) AS notes_ok,
           max(coalesce(max(CASE WHEN s.status = 'held' THEN s.held_on END), ''),
               coalesce(max(s.notes_posted_on), '')) AS last_done,
           (SELECT coalesce(group_concat(day, ''), '') FROM (SELECT substr(due_on || '          ', 1, 10) AS day FROM sessions
               WHERE pair_id = p.id AND status != 'cancelled' ORDER BY due_on)) AS due_days,
           (SELECT coalesce(group_concat(day, ''), '') FROM (SELECT substr(held_on || '          ', 1, 10) AS day FROM sessions
               WHERE pair_id = p.id AND status = 'held' AND held_on IS NOT NULL ORDER BY held_on)) AS held_days,
           (SELECT coalesce(group_concat(day, ''), '') FROM (SELECT substr(held_on || '          ', 1, 10) AS day FROM sessions
               WHERE pair_id = p.id AND status = 'held' AND notes = '' AND held_on IS NOT NULL ORDER BY held_on)) AS unnoted_days
    FROM pairs p
    JOIN waves w ON w.id = p.wave_id
    LEFT JOIN sessions s ON s.pair_id = p.id
    GROUP BY p.id;
    INSERT INTO pair_totals SELECT * FROM pair_totals_fresh;

    CREATE TRIGGER pair_totals_session_added AFTER INSERT ON sessions BEGIN
        DELETE FROM pair_totals WHERE pair_id = NEW.pair_id;
        INSERT INTO pair_totals SELECT * FROM pair_totals_fresh WHERE pair_id = NEW.pair_id;
    END;
    CREATE TRIGGER pair_totals_session_removed AFTER DELETE ON sessions BEGIN
        DELETE FROM pair_totals WHERE pair_id = OLD.pair_id;
        INSERT INTO pair_totals SELECT * FROM pair_totals_fresh WHERE pair_id = OLD.pair_id;
    END;
    CREATE TRIGGER pair_totals_session_changed AFTER UPDATE OF pair_id, status, due_on, held_on, notes, notes_posted_on
    ON sessions BEGIN
        DELETE FROM pair_totals WHERE pair_id IN (OLD.pair_id, NEW.pair_id);
        INSERT INTO pair_totals SELECT * FROM pair_totals_fresh WHERE pair_id IN (OLD.pair_id, NEW.pair_id);
    END;
    CREATE TRIGGER pair_totals_pair_added AFTER INSERT ON pairs BEGIN
        DELETE FROM pair_totals WHERE pair_id = NEW.id;
        INSERT INTO pair_totals SELECT * FROM pair_totals_fresh WHERE pair_id = NEW.id;
    END;
    CREATE TRIGGER pair_totals_pair_removed AFTER DELETE ON pairs BEGIN
        DELETE FROM pair_totals WHERE pair_id = OLD.id;
    END;
    CREATE TRIGGER pair_totals_pair_changed AFTER UPDATE OF id, wave_id ON pairs BEGIN
        DELETE FROM pair_totals WHERE pair_id IN (OLD.id, NEW.id);
        INSERT INTO pair_totals SELECT * FROM pair_totals_fresh WHERE pair_id IN (OLD.id, NEW.id);
    END;
    CREATE TRIGGER pair_totals_wave_changed AFTER UPDATE OF id, notes_due_days ON waves
    WHEN OLD.id IS NOT NEW.id OR OLD.notes_due_days IS NOT NEW.notes_due_days
    BEGIN
        DELETE FROM pair_totals WHERE pair_id IN (SELECT id FROM pairs WHERE wave_id IN (OLD.id, NEW.id));
        INSERT INTO pair_totals SELECT * FROM pair_totals_fresh
            WHERE pair_id IN (SELECT id FROM pairs WHERE wave_id IN (OLD.id, NEW.id));
    END;

    -- The dashboard's survey figures per pair (pair_answer_totals, a row for each pair with
    -- answers), recomputed from the pair's answers on every change to them: mid-point answers
    -- rated and rated 4-5 (health.GOOD_RATING), mentees' post/close answers on their goal and
    -- those saying it was achieved, mentees' post ratings and those rated 4-5, and the sum of
    -- (post - pre) rating over the people who rated both, with their number.
    CREATE TABLE pair_answer_totals (
        pair_id INTEGER PRIMARY KEY,
        mid_rated INTEGER NOT NULL,
        mid_good INTEGER NOT NULL,
        goal_answered INTEGER NOT NULL,
        goal_achieved INTEGER NOT NULL,
        post_rated INTEGER NOT NULL,
        post_good INTEGER NOT NULL,
        pre_post_change INTEGER NOT NULL,
        pre_post_people INTEGER NOT NULL
    );
    CREATE VIEW pair_answer_totals_fresh AS
    SELECT f.pair_id,
           count(*) FILTER (WHERE f.kind = 'mid' AND f.rating IS NOT NULL),
           count(*) FILTER (WHERE f.kind = 'mid' AND f.rating >= 4),
           count(*) FILTER (WHERE f.kind IN ('post', 'close') AND f.respondent = 'mentee' AND f.goal_achieved IS NOT NULL),
           count(*) FILTER (WHERE f.kind IN ('post', 'close') AND f.respondent = 'mentee' AND f.goal_achieved),
           count(*) FILTER (WHERE f.kind = 'post' AND f.respondent = 'mentee' AND f.rating IS NOT NULL),
           count(*) FILTER (WHERE f.kind = 'post' AND f.respondent = 'mentee' AND f.rating >= 4),
           (SELECT coalesce(sum(post.rating - pre.rating), 0) FROM feedback post
               JOIN feedback pre ON pre.pair_id = post.pair_id AND pre.kind = 'pre' AND pre.respondent = post.respondent
               WHERE post.pair_id = f.pair_id AND post.kind = 'post' AND post.rating IS NOT NULL AND pre.rating IS NOT NULL),
           (SELECT count(*) FROM feedback post
               JOIN feedback pre ON pre.pair_id = post.pair_id AND pre.kind = 'pre' AND pre.respondent = post.respondent
               WHERE post.pair_id = f.pair_id AND post.kind = 'post' AND post.rating IS NOT NULL AND pre.rating IS NOT NULL)
    FROM feedback f
    GROUP BY f.pair_id;
    INSERT INTO pair_answer_totals SELECT * FROM pair_answer_totals_fresh;
    CREATE TRIGGER pair_answer_totals_added AFTER INSERT ON feedback BEGIN
        DELETE FROM pair_answer_totals WHERE pair_id = NEW.pair_id;
        INSERT INTO pair_answer_totals SELECT * FROM pair_answer_totals_fresh WHERE pair_id = NEW.pair_id;
    END;
    CREATE TRIGGER pair_answer_totals_removed AFTER DELETE ON feedback BEGIN
        DELETE FROM pair_answer_totals WHERE pair_id = OLD.pair_id;
        INSERT INTO pair_answer_totals SELECT * FROM pair_answer_totals_fresh WHERE pair_id = OLD.pair_id;
    END;
    CREATE TRIGGER pair_answer_totals_changed AFTER UPDATE OF pair_id, kind, respondent, rating, goal_achieved
    ON feedback BEGIN
        DELETE FROM pair_answer_totals WHERE pair_id IN (OLD.pair_id, NEW.pair_id);
        INSERT INTO pair_answer_totals SELECT * FROM pair_answer_totals_fresh WHERE pair_id IN (OLD.pair_id, NEW.pair_id);
    END;

    -- Sessions held per wave and day, for the dashboard's weekly chart: kept by adding and
    -- taking away (a recount would read the whole wave). A held session counts for the wave
    -- of its pair; a session whose pair is missing counts nowhere (as the join it replaces).
    -- A pair about to be deleted takes its sessions away first (BEFORE: a cascade deletes
    -- them after the pair is gone); a pair added or moved to another wave brings its own.
    CREATE TABLE held_per_day (
        wave_id INTEGER NOT NULL,
        day TEXT NOT NULL,
        held INTEGER NOT NULL,
        PRIMARY KEY (wave_id, day)
    );
    CREATE VIEW held_per_day_fresh AS
    SELECT p.wave_id, s.held_on AS day, count(*) AS held
    FROM sessions s JOIN pairs p ON p.id = s.pair_id
    WHERE s.status = 'held' AND s.held_on IS NOT NULL
    GROUP BY p.wave_id, s.held_on;
    INSERT INTO held_per_day SELECT * FROM held_per_day_fresh;
    CREATE TRIGGER held_per_day_session_added AFTER INSERT ON sessions
    WHEN NEW.status = 'held' AND NEW.held_on IS NOT NULL BEGIN
        INSERT INTO held_per_day (wave_id, day, held) SELECT wave_id, NEW.held_on, 1 FROM pairs WHERE id = NEW.pair_id
            ON CONFLICT (wave_id, day) DO UPDATE SET held = held + 1;
    END;
    CREATE TRIGGER held_per_day_session_removed AFTER DELETE ON sessions
    WHEN OLD.status = 'held' AND OLD.held_on IS NOT NULL BEGIN
        UPDATE held_per_day SET held = held - 1
            WHERE day = OLD.held_on AND wave_id = (SELECT wave_id FROM pairs WHERE id = OLD.pair_id);
    END;
    CREATE TRIGGER held_per_day_session_changed AFTER UPDATE OF pair_id, status, held_on ON sessions
    WHEN (OLD.status = 'held' AND OLD.held_on IS NOT NULL) OR (NEW.status = 'held' AND NEW.held_on IS NOT NULL) BEGIN
        UPDATE held_per_day SET held = held - 1
            WHERE OLD.status = 'held' AND day = OLD.held_on AND wave_id = (SELECT wave_id FROM pairs WHERE id = OLD.pair_id);
        INSERT INTO held_per_day (wave_id, day, held) SELECT wave_id, NEW.held_on, 1 FROM pairs
            WHERE id = NEW.pair_id AND NEW.status = 'held' AND NEW.held_on IS NOT NULL
            ON CONFLICT (wave_id, day) DO UPDATE SET held = held + 1;
    END;
    CREATE TRIGGER held_per_day_pair_added AFTER INSERT ON pairs BEGIN
        INSERT INTO held_per_day (wave_id, day, held)
            SELECT NEW.wave_id, held_on, count(*) FROM sessions
            WHERE pair_id = NEW.id AND status = 'held' AND held_on IS NOT NULL GROUP BY held_on
            ON CONFLICT (wave_id, day) DO UPDATE SET held = held + excluded.held;
    END;
    CREATE TRIGGER held_per_day_pair_removed BEFORE DELETE ON pairs BEGIN
        UPDATE held_per_day SET held = held - (SELECT count(*) FROM sessions
            WHERE pair_id = OLD.id AND status = 'held' AND held_on = held_per_day.day)
            WHERE wave_id = OLD.wave_id
              AND day IN (SELECT held_on FROM sessions WHERE pair_id = OLD.id AND status = 'held');
    END;
    CREATE TRIGGER held_per_day_pair_changed AFTER UPDATE OF id, wave_id ON pairs
    WHEN OLD.id IS NOT NEW.id OR OLD.wave_id IS NOT NEW.wave_id BEGIN
        UPDATE held_per_day SET held = held - (SELECT count(*) FROM sessions
            WHERE pair_id = OLD.id AND status = 'held' AND held_on = held_per_day.day)
            WHERE wave_id = OLD.wave_id
              AND day IN (SELECT held_on FROM sessions WHERE pair_id = OLD.id AND status = 'held');
        INSERT INTO held_per_day (wave_id, day, held)
            SELECT NEW.wave_id, held_on, count(*) FROM sessions
            WHERE pair_id = NEW.id AND status = 'held' AND held_on IS NOT NULL GROUP BY held_on
            ON CONFLICT (wave_id, day) DO UPDATE SET held = held + excluded.held;
    END;
    """,
    # (issue 14) Which survey answers each pair has, as bits kept beside its survey counts:
    # pair_answer_totals.answered has bit 2 × kind + respondent set (kinds pre, mid, post,
    # close = 0-3; mentor 0, mentee 1) when that person answered that survey. The response
    # rate and the triage's missing answers read one integer per pair for what was two probes
    # of the answers per answer due. The view is the definition (the triggers of the kept
    # totals recompute a pair's whole row from it, so they keep the new column too); existing
    # rows are recomputed here.
    """
    ALTER TABLE pair_answer_totals ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
    DROP VIEW pair_answer_totals_fresh;
    CREATE VIEW pair_answer_totals_fresh AS
    SELECT f.pair_id,
           count(*) FILTER (WHERE f.kind = 'mid' AND f.rating IS NOT NULL),
           count(*) FILTER (WHERE f.kind = 'mid' AND f.rating >= 4),
           count(*) FILTER (WHERE f.kind IN ('post', 'close') AND f.respondent = 'mentee' AND f.goal_achieved IS NOT NULL),
           count(*) FILTER (WHERE f.kind IN ('post', 'close') AND f.respondent = 'mentee' AND f.goal_achieved),
           count(*) FILTER (WHERE f.kind = 'post' AND f.respondent = 'mentee' AND f.rating IS NOT NULL),
           count(*) FILTER (WHERE f.kind = 'post' AND f.respondent = 'mentee' AND f.rating >= 4),
           (SELECT coalesce(sum(post.rating - pre.rating), 0) FROM feedback post
               JOIN feedback pre ON pre.pair_id = post.pair_id AND pre.kind = 'pre' AND pre.respondent = post.respondent
               WHERE post.pair_id = f.pair_id AND post.kind = 'post' AND post.rating IS NOT NULL AND pre.rating IS NOT NULL),
           (SELECT count(*) FROM feedback post
               JOIN feedback pre ON pre.pair_id = post.pair_id AND pre.kind = 'pre' AND pre.respondent = post.respondent
               WHERE post.pair_id = f.pair_id AND post.kind = 'post' AND post.rating IS NOT NULL AND pre.rating IS NOT NULL),
           max(f.kind = 'pre' AND f.respondent = 'mentor') | (max(f.kind = 'pre' AND f.respondent = 'mentee') << 1)
           | (max(f.kind = 'mid' AND f.respondent = 'mentor') << 2) | (max(f.kind = 'mid' AND f.respondent = 'mentee') << 3)
           | (max(f.kind = 'post' AND f.respondent = 'mentor') << 4) | (max(f.kind = 'post' AND f.respondent = 'mentee') << 5)
           | (max(f.kind = 'close' AND f.respondent = 'mentor') << 6) | (max(f.kind = 'close' AND f.respondent = 'mentee') << 7)
    FROM feedback f
    GROUP BY f.pair_id;
    DELETE FROM pair_answer_totals;
    INSERT INTO pair_answer_totals SELECT * FROM pair_answer_totals_fresh;
    """,
    # (issue 14) pair_cards: what the leaderboard reads of each started pair, one narrow row
    # with no join (a whole build read the pair, both people through an index, and its
    # totals: a fifth of a build). ``kind`` is the JSON array [wave, status, mentor's
    # department, mentee's department], one value where four were read (each value read costs
    # the driver about a microsecond); the names are there only when both people consented,
    # as the leaderboard shows them. Kept like pair_totals: every trigger recomputes the pair's
    # whole card from the view pair_cards_fresh (the definition) when its totals are written
    # (pair_totals' own triggers cover its sessions, wave and id), its status, start day or
    # people change, or one of its people's name, department or consent changes (replaced in
    # place: a person's id cannot change under their pairs, the foreign keys refuse it). A pair
    # that has not started (or has no start day) has no card.
    """
    CREATE TABLE pair_cards (
        pair_id INTEGER PRIMARY KEY,
        wave_id INTEGER NOT NULL,
        started_on TEXT NOT NULL,
        kind TEXT NOT NULL,
        mentor_name TEXT,
        mentee_name TEXT,
        held INTEGER NOT NULL,
        noted INTEGER NOT NULL,
        notes_ok INTEGER NOT NULL,
        last_done TEXT NOT NULL,
        due_days TEXT NOT NULL,
        held_days TEXT NOT NULL,
        unnoted_days TEXT NOT NULL,
        mentor_id INTEGER NOT NULL,
        mentee_id INTEGER NOT NULL
    );
    CREATE VIEW pair_cards_fresh AS
    SELECT p.id AS pair_id, p.wave_id, p.started_on, json_array(p.wave_id, p.status, mr.department, me.department) AS kind,
           CASE WHEN mr.consent_share = 1 AND me.consent_share = 1 THEN mr.name END AS mentor_name,
           CASE WHEN mr.consent_share = 1 AND me.consent_share = 1 THEN me.name END AS mentee_name,
           t.held, t.noted, t.notes_ok, t.last_done, t.due_days, t.held_days, t.unnoted_days, p.mentor_id, p.mentee_id
    FROM pairs p
    JOIN participants mr ON mr.id = p.mentor_id
    JOIN participants me ON me.id = p.mentee_id
    JOIN pair_totals t ON t.pair_id = p.id
    WHERE p.status IN ('active', 'paused', 'completed', 'closed_early') AND p.started_on IS NOT NULL;
    INSERT INTO pair_cards SELECT * FROM pair_cards_fresh;

    -- (pair_totals' triggers delete a pair's totals before they insert them again, which
    -- takes its card away first)
    CREATE TRIGGER pair_cards_totals_removed AFTER DELETE ON pair_totals BEGIN
        DELETE FROM pair_cards WHERE pair_id = OLD.pair_id;
    END;
    CREATE TRIGGER pair_cards_totals_added AFTER INSERT ON pair_totals BEGIN
        REPLACE INTO pair_cards SELECT * FROM pair_cards_fresh WHERE pair_id = NEW.pair_id;
    END;
    CREATE TRIGGER pair_cards_pair_changed AFTER UPDATE OF id, status, started_on, mentor_id, mentee_id ON pairs BEGIN
        DELETE FROM pair_cards WHERE pair_id IN (OLD.id, NEW.id);
        INSERT INTO pair_cards SELECT * FROM pair_cards_fresh WHERE pair_id IN (OLD.id, NEW.id);
    END;
    CREATE TRIGGER pair_cards_person_changed AFTER UPDATE OF name, department, consent_share ON participants
    WHEN OLD.name IS NOT NEW.name OR OLD.department IS NOT NEW.department OR OLD.consent_share IS NOT NEW.consent_share
    BEGIN
        REPLACE INTO pair_cards SELECT c.* FROM pairs p JOIN pair_cards_fresh c ON c.pair_id = p.id WHERE p.mentor_id = NEW.id;
        REPLACE INTO pair_cards SELECT c.* FROM pairs p JOIN pair_cards_fresh c ON c.pair_id = p.id WHERE p.mentee_id = NEW.id;
    END;
    """,
    # (issue 14) The participants by role: the pairing screen's first paint says how many
    # candidates (people of the other role) it is ranking, a count that read every wide row
    # of the table without it (20-90 ms at 100,000 people; 1.5 ms through this index). Its
    # upkeep costs an import about 1% (50-80 ms of CPU at 100,000 people).
    """
    CREATE INDEX IF NOT EXISTS participants_role ON participants(role);
    """,
    # (issue 14) The participant change log covers every column the pairing screen's pool
    # reads (team, manager, time zone, capacity, goals, competencies, attributes too), so an
    # open pairing screen re-reads only the people changed since it read them
    # (rmtui.pool_refresh), as the roster does. A manager deleted sets their reports'
    # manager to NULL (ON DELETE SET NULL): that update logs each report too.
    """
    DROP TRIGGER IF EXISTS participant_changes_changed;
    CREATE TRIGGER participant_changes_changed AFTER UPDATE OF id, name, email, role, job_title, level,
        department, line_of_business, team, manager_id, timezone, status, capacity, hobbies, interests,
        development_goals, competencies, attributes ON participants BEGIN
        INSERT INTO participant_changes (participant_id) VALUES (NEW.id);
        INSERT INTO participant_changes (participant_id) SELECT OLD.id WHERE OLD.id != NEW.id;
    END;
    """,
    # (issue 14) The pair change log covers every column of a pair but the coach's name (a
    # copy kept by the coaches' rename trigger): its coach, version, end, overrides too, not
    # only what the leaderboard shows, so an open pairing screen re-reads only the ongoing
    # pairs changed since it read them (rmtui.ongoing_pairs), not all 27,000 at 100k people.
    """
    DROP TRIGGER IF EXISTS pairs_changed;
    CREATE TRIGGER pairs_changed AFTER UPDATE OF id, wave_id, mentor_id, mentee_id, status, started_on,
        coach_id, ended_on, close_reason, score, overrides, paused_on, pause_reason, created_at, updated_at,
        version ON pairs BEGIN
        INSERT INTO pair_changes (pair_id) VALUES (NEW.id);
        INSERT INTO pair_changes (pair_id) SELECT OLD.id WHERE OLD.id != NEW.id;
    END;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
