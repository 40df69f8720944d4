-- +goose Up

-- The system register (Rollfördelning över IT-system, §4.2).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE systems (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                    text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    description             text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    purpose                 text NOT NULL DEFAULT '' CHECK (length(purpose) <= 5000),
    category                text NOT NULL DEFAULT 'forvaltningsspecifik'
                            CHECK (category IN ('forvaltningsspecifik', 'kommungemensam')),
    lifecycle               text NOT NULL DEFAULT 'planerad'
                            CHECK (lifecycle IN ('planerad', 'under_inforande', 'i_drift', 'under_avveckling', 'avvecklad')),
    supplier                text NOT NULL DEFAULT '' CHECK (length(supplier) <= 200),
    product                 text NOT NULL DEFAULT '' CHECK (length(product) <= 200),
    version                 text NOT NULL DEFAULT '' CHECK (length(version) <= 100),
    hosting                 text NOT NULL DEFAULT 'intern' CHECK (hosting IN ('intern', 'saas', 'entreprenad')),
    personal_data           text NOT NULL DEFAULT 'inga' CHECK (personal_data IN ('inga', 'personuppgifter', 'kansliga')),
    open_source             boolean NOT NULL DEFAULT false,
    self_developed          boolean NOT NULL DEFAULT false,
    self_developed_ref      text NOT NULL DEFAULT '' CHECK (length(self_developed_ref) <= 100),
    represents_municipality boolean NOT NULL DEFAULT false,
    web_address             text NOT NULL DEFAULT '' CHECK (length(web_address) <= 2000),
    notes                   text NOT NULL DEFAULT '' CHECK (length(notes) <= 10000),
    -- Legacy systems in operation before the portal need no introduction case.
    introduced_before_portal boolean NOT NULL DEFAULT false,
    -- Optimistic locking: every change raises it; an edit on a stale version is refused.
    row_version             integer NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX systems_name_key ON systems (lower(name));
CREATE INDEX systems_name_swedish_idx ON systems (name COLLATE swedish, id);
CREATE INDEX systems_name_trgm_idx ON systems USING gin (name gin_trgm_ops);
CREATE INDEX systems_search_idx ON systems USING gin (
    to_tsvector('swedish', name || ' ' || description || ' ' || purpose || ' ' || supplier || ' ' || product));
CREATE INDEX systems_lifecycle_idx ON systems (lifecycle);

-- Who holds each role of a system over time (R1, R2). Periods are calendar
-- dates in Europe/Stockholm, [from, to). A change closes the running period
-- and opens a new one; nothing is deleted, and the audit log keeps every
-- change with before and after. PostgreSQL refuses two holders of one role
-- on one day.
CREATE TABLE role_assignments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    system_id      bigint NOT NULL REFERENCES systems (id),
    role           text NOT NULL CHECK (role IN ('owner', 'administrator', 'operations')),
    department_id  bigint REFERENCES departments (id),        -- owner: a department
    person_id      bigint REFERENCES people (id),             -- administrator: a person
    operator       text CHECK (length(btrim(operator)) BETWEEN 1 AND 200), -- operations: IT-enheten or a supplier
    valid          daterange NOT NULL CHECK (NOT isempty(valid) AND NOT lower_inf(valid)),
    appointed_by   text NOT NULL DEFAULT '' CHECK (length(appointed_by) <= 200), -- who appointed the administrator (§4.3)
    reason         text NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    created_by     bigint REFERENCES people (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (CASE role
        WHEN 'owner' THEN department_id IS NOT NULL AND person_id IS NULL AND operator IS NULL
        WHEN 'administrator' THEN person_id IS NOT NULL AND department_id IS NULL AND operator IS NULL
        ELSE operator IS NOT NULL AND department_id IS NULL AND person_id IS NULL END),
    CONSTRAINT one_holder_per_day EXCLUDE USING gist (system_id WITH =, role WITH =, valid WITH &&)
);
CREATE INDEX role_assignments_person_idx ON role_assignments (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX role_assignments_department_idx ON role_assignments (department_id) WHERE department_id IS NOT NULL;

-- Evaluations (R12). The register import records a "Senast utvärderad" date
-- as a legacy evaluation; the evaluations issue adds the form.
CREATE TABLE evaluations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    system_id    bigint NOT NULL REFERENCES systems (id),
    evaluated_on date NOT NULL,
    legacy       boolean NOT NULL DEFAULT false,
    created_by   bigint REFERENCES people (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evaluations_system_idx ON evaluations (system_id, evaluated_on DESC);

CREATE INDEX people_name_trgm_idx ON people USING gin (name gin_trgm_ops);

GRANT SELECT, INSERT, UPDATE ON systems TO itportal_runtime;
-- Periods are closed by UPDATE of their end; rows are never deleted.
GRANT SELECT, INSERT, UPDATE (valid) ON role_assignments TO itportal_runtime;
GRANT SELECT, INSERT ON evaluations TO itportal_runtime;

-- +goose Down
DROP INDEX people_name_trgm_idx;
DROP TABLE evaluations;
DROP TABLE role_assignments;
DROP TABLE systems;
