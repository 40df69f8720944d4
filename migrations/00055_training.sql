-- +goose Up
-- Training (§5, issue 21): courses for the shared systems and for any
-- system, their sessions, the staff's sign-ups and the attendance the
-- course leader records (or an import from HR's spreadsheet). Who must take
-- a course and when a person is due again are computed, never stored
-- (portal.CourseRule; internal/postgres/training.go, trainingDueSQL).

CREATE TABLE courses (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title             text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    description       text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    system_id         bigint REFERENCES systems (id),
    audience          text NOT NULL CHECK (audience IN ('alla', 'forvaltning', 'systemanvandare', 'systemforvaltare')),
    department_id     bigint REFERENCES departments (id),
    mandatory         boolean NOT NULL DEFAULT false,
    -- 0: taken once; otherwise again this many months after the last time.
    repeat_months     integer NOT NULL DEFAULT 0 CHECK (repeat_months BETWEEN 0 AND 120),
    leader_id         bigint NOT NULL REFERENCES people (id),
    state             text NOT NULL DEFAULT 'publicerad' CHECK (state IN ('utkast', 'publicerad', 'avslutad')),
    -- The granted introduction or upgrade case whose training plan made it (a draft).
    source_request_id bigint REFERENCES requests (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (audience <> 'forvaltning' OR department_id IS NOT NULL),
    CHECK (audience <> 'systemanvandare' OR system_id IS NOT NULL)
);
CREATE UNIQUE INDEX courses_title_key ON courses (lower(title));
CREATE UNIQUE INDEX courses_source_request_key ON courses (source_request_id) WHERE source_request_id IS NOT NULL;
CREATE INDEX courses_system_idx ON courses (system_id) WHERE system_id IS NOT NULL;
GRANT SELECT, INSERT, UPDATE ON courses TO itportal_runtime;

CREATE TABLE course_sessions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    course_id   bigint NOT NULL REFERENCES courses (id),
    starts_at   timestamptz NOT NULL,
    minutes     integer NOT NULL CHECK (minutes BETWEEN 15 AND 600),
    place       text NOT NULL DEFAULT '' CHECK (length(place) <= 200),
    link        text NOT NULL DEFAULT '' CHECK (length(link) <= 500),
    capacity    integer NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (place <> '' OR link <> ''),
    UNIQUE (course_id, starts_at)
);
CREATE INDEX course_sessions_starts_idx ON course_sessions (starts_at);
GRANT SELECT, INSERT, UPDATE ON course_sessions TO itportal_runtime;

-- A seat on a session. Cancelling deletes it (the audit log keeps both);
-- the session's row is locked while seats are counted, so two people
-- taking the last seat at once get one seat between them.
CREATE TABLE session_signups (
    session_id   bigint NOT NULL REFERENCES course_sessions (id),
    person_id    bigint NOT NULL REFERENCES people (id),
    signed_up_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, person_id)
);
CREATE INDEX session_signups_person_idx ON session_signups (person_id);
GRANT SELECT, INSERT, DELETE ON session_signups TO itportal_runtime;

-- Attendance: a person took the course on a day, recorded by its leader
-- (from a session) or imported. Never changed; a wrong row is corrected by
-- the leader removing it, which the audit log records.
CREATE TABLE course_attendance (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    course_id   bigint NOT NULL REFERENCES courses (id),
    person_id   bigint NOT NULL REFERENCES people (id),
    attended_on date NOT NULL,
    session_id  bigint REFERENCES course_sessions (id),
    source      text NOT NULL CHECK (source IN ('narvaro', 'import')),
    recorded_by bigint REFERENCES people (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (course_id, person_id, attended_on)
);
CREATE INDEX course_attendance_person_idx ON course_attendance (person_id, course_id, attended_on DESC);
GRANT SELECT, INSERT, DELETE ON course_attendance TO itportal_runtime;

-- Reminders of a mandatory course coming due: claimed here in the
-- transaction that enqueues the notice, so each person is reminded once
-- per course and due date (NULL: never taken), however often the job runs.
CREATE TABLE training_reminders (
    person_id   bigint NOT NULL REFERENCES people (id),
    course_id   bigint NOT NULL REFERENCES courses (id),
    due_on      date NOT NULL DEFAULT '-infinity',
    sent_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, course_id, due_on)
);
GRANT SELECT, INSERT ON training_reminders TO itportal_runtime;

-- The monthly digest to managers: once per manager and month.
CREATE TABLE training_digests (
    manager_id  bigint NOT NULL REFERENCES people (id),
    month       date NOT NULL,
    sent_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (manager_id, month)
);
GRANT SELECT, INSERT ON training_digests TO itportal_runtime;

-- +goose Down
DROP TABLE training_digests;
DROP TABLE training_reminders;
DROP TABLE course_attendance;
DROP TABLE session_signups;
DROP TABLE course_sessions;
DROP TABLE courses;
