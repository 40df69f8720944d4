-- +goose Up
-- Supplier incidents (issue 20): a case kind of its own,
-- "leverantorsincident", started by IT-enheten from the supplier's page
-- (internal/postgres/supplier_incidents.go). The kind is added to the
-- requests' CHECK as it stands, so that kinds other migrations add are
-- kept whatever order they run in.
-- +goose StatementBegin
DO $$
DECLARE
	def text;
BEGIN
	SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
	WHERE conrelid = 'requests'::regclass AND conname = 'requests_kind_check';
	IF def IS NULL OR position('''leverantorsincident''' IN def) > 0 THEN
		RETURN;
	END IF;
	EXECUTE 'ALTER TABLE requests DROP CONSTRAINT requests_kind_check';
	EXECUTE 'ALTER TABLE requests ADD CONSTRAINT requests_kind_check '
		|| replace(def, 'ARRAY[', 'ARRAY[''leverantorsincident''::text, ');
END
$$;
-- +goose StatementEnd

-- The systems an incident hits, as they stood when it was recorded: who
-- owned and administered each that day. Part of the public record, so
-- append-only for the portal's role.
CREATE TABLE request_systems (
    request_id    bigint NOT NULL REFERENCES requests (id),
    system_id     bigint NOT NULL REFERENCES systems (id),
    system_name   text NOT NULL CHECK (length(system_name) <= 200),
    owner         text NOT NULL DEFAULT '' CHECK (length(owner) <= 200),
    administrator text NOT NULL DEFAULT '' CHECK (length(administrator) <= 200),
    personal_data text NOT NULL DEFAULT '' CHECK (length(personal_data) <= 40),
    PRIMARY KEY (request_id, system_id)
);
CREATE INDEX request_systems_system_idx ON request_systems (system_id);
GRANT SELECT, INSERT ON request_systems TO itportal_runtime;

-- +goose Down
DROP TABLE request_systems;
-- +goose StatementBegin
DO $$
DECLARE
	def text;
BEGIN
	SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
	WHERE conrelid = 'requests'::regclass AND conname = 'requests_kind_check';
	IF def IS NULL OR position('''leverantorsincident''' IN def) = 0 THEN
		RETURN;
	END IF;
	EXECUTE 'ALTER TABLE requests DROP CONSTRAINT requests_kind_check';
	EXECUTE 'ALTER TABLE requests ADD CONSTRAINT requests_kind_check '
		|| replace(def, '''leverantorsincident''::text, ', '');
END
$$;
-- +goose StatementEnd
