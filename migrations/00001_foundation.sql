-- +goose Up

-- The runtime role the portal serves with. Operators create it (or let the
-- owner create it when the owner may create roles) and grant it to the login
-- role in ITPORTAL_DATABASE_URL. It receives only the privileges granted below.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'itportal_runtime') THEN
        CREATE ROLE itportal_runtime NOLOGIN;
    END IF;
END
$$;
-- +goose StatementEnd

-- Append-only tables call this from UPDATE, DELETE and TRUNCATE triggers, so
-- that even a role with table privileges cannot rewrite history by accident.
-- +goose StatementBegin
CREATE FUNCTION forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

-- Swedish sort order (å, ä, ö after z) for names shown in lists.
CREATE COLLATION swedish (provider = icu, locale = 'sv-SE');

CREATE TABLE departments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    short_name  text NOT NULL CHECK (length(btrim(short_name)) BETWEEN 1 AND 20),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX departments_name_key ON departments (lower(name));
CREATE UNIQUE INDEX departments_short_name_key ON departments (lower(short_name));

-- People may exist before they ever sign in (imported from HR or the register,
-- or created by an administrator); the identity is linked at first sign-in.
CREATE TABLE people (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identity_issuer  text,
    identity_subject text,
    employee_number  text,
    name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    email            text NOT NULL DEFAULT '' CHECK (length(email) <= 320),
    department_id    bigint REFERENCES departments (id),
    active           boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((identity_issuer IS NULL) = (identity_subject IS NULL))
);
CREATE UNIQUE INDEX people_identity_key ON people (identity_issuer, identity_subject)
    WHERE identity_issuer IS NOT NULL;
CREATE UNIQUE INDEX people_employee_number_key ON people (employee_number)
    WHERE employee_number IS NOT NULL;
CREATE INDEX people_email_idx ON people (lower(email)) WHERE email <> '';
CREATE INDEX people_department_idx ON people (department_id);

-- The audit log: who did what to which object, with the changed fields.
-- Append-only by grants (the runtime role may only SELECT and INSERT) and by
-- triggers (nobody UPDATEs, DELETEs or TRUNCATEs through the normal path).
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_id     bigint REFERENCES people (id),
    action       text NOT NULL CHECK (action <> ''),
    object_type  text NOT NULL CHECK (object_type <> ''),
    object_id    text NOT NULL,
    changes      jsonb NOT NULL DEFAULT '{}'::jsonb,
    request_id   text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

GRANT USAGE ON SCHEMA public TO itportal_runtime;
-- Replicas started with ITPORTAL_AUTO_MIGRATE=false wait until the schema is current.
GRANT SELECT ON goose_db_version TO itportal_runtime;
GRANT SELECT, INSERT, UPDATE ON departments, people TO itportal_runtime;
GRANT SELECT, INSERT ON audit_log TO itportal_runtime;

-- +goose Down
DROP TABLE audit_log;
DROP TABLE people;
DROP TABLE departments;
DROP FUNCTION forbid_change();
DROP COLLATION swedish;
