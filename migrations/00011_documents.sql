-- +goose Up
-- Governing documents (styrdokument), their versions and the staff's
-- acknowledgements of them (§3, §12; R9, R10, R11).
CREATE TABLE documents (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug              text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    kind              text NOT NULL CHECK (kind IN ('riktlinje', 'regler', 'rutin', 'it_infrastruktur')),
    fixed_by          text NOT NULL CHECK (fixed_by IN ('kommunstyrelsen', 'kommunchefen', 'it_chef')),
    audience_all      boolean NOT NULL DEFAULT true,
    must_acknowledge  boolean NOT NULL DEFAULT false,
    blocks_use        boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT blocks_use OR must_acknowledge)
);
GRANT SELECT, INSERT, UPDATE ON documents TO itportal_runtime;

-- The audience when it is not all staff.
CREATE TABLE document_departments (
    document_id    bigint NOT NULL REFERENCES documents (id),
    department_id  bigint NOT NULL REFERENCES departments (id),
    PRIMARY KEY (document_id, department_id)
);
GRANT SELECT, INSERT, DELETE ON document_departments TO itportal_runtime;

-- A version: the Markdown source in canonical form (UTF-8, LF, no BOM), its
-- SHA-256, and the HTML shown, stored so that a renderer upgrade changes
-- neither the text staff saw nor the evidence. Published versions never
-- change (trigger below).
CREATE TABLE document_versions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id     bigint NOT NULL REFERENCES documents (id),
    number          integer NOT NULL CHECK (number > 0),
    markdown        text NOT NULL CHECK (length(markdown) <= 500000),
    html            text NOT NULL,
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    effective_date  date NOT NULL,
    decision_ref    text NOT NULL DEFAULT '' CHECK (length(decision_ref) <= 100),
    summary         text NOT NULL DEFAULT '' CHECK (length(summary) <= 5000),
    requires_reack  boolean NOT NULL DEFAULT true,
    published_at    timestamptz,
    published_by    bigint REFERENCES people (id),
    created_by      bigint NOT NULL REFERENCES people (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_id, number),
    CHECK ((published_at IS NULL) = (published_by IS NULL))
);
-- One draft at a time per document.
CREATE UNIQUE INDEX document_versions_one_draft ON document_versions (document_id) WHERE published_at IS NULL;
GRANT SELECT, INSERT, UPDATE ON document_versions TO itportal_runtime;

-- +goose StatementBegin
CREATE FUNCTION document_versions_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.published_at IS NOT NULL THEN
		RAISE EXCEPTION 'a published version is not changed (version %)', OLD.id USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER document_versions_frozen BEFORE UPDATE ON document_versions FOR EACH ROW EXECUTE FUNCTION document_versions_frozen();

-- Acknowledgements (kvittenser): the person, the version and the hash of
-- the text they were shown, at the server's time. Append-only for the
-- portal's role (R11); one per person and version.
CREATE TABLE acknowledgements (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id        bigint NOT NULL REFERENCES people (id),
    version_id       bigint NOT NULL REFERENCES document_versions (id),
    sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    acknowledged_at  timestamptz NOT NULL DEFAULT now(),
    request_id       text NOT NULL DEFAULT '',
    UNIQUE (person_id, version_id)
);
CREATE INDEX acknowledgements_version_idx ON acknowledgements (version_id);
GRANT SELECT, INSERT ON acknowledgements TO itportal_runtime;

-- The gate's per-replica cache follows documents and versions (not each
-- acknowledgement: a person who owes a document is never cached).
CREATE TRIGGER documents_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON documents
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER document_versions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON document_versions
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER document_departments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON document_departments
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();

-- +goose Down
DROP TABLE acknowledgements;
DROP TRIGGER document_versions_frozen ON document_versions;
DROP FUNCTION document_versions_frozen();
DROP TABLE document_versions;
DROP TABLE document_departments;
DROP TABLE documents;
