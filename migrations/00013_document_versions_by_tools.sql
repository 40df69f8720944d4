-- +goose Up
-- A version written and published from the command line
-- (`itportal import document`) has no person behind it; the audit log
-- records the tool.
ALTER TABLE document_versions ALTER COLUMN created_by DROP NOT NULL;
ALTER TABLE document_versions DROP CONSTRAINT document_versions_check;

-- +goose Down
ALTER TABLE document_versions ADD CONSTRAINT document_versions_check CHECK ((published_at IS NULL) = (published_by IS NULL));
ALTER TABLE document_versions ALTER COLUMN created_by SET NOT NULL;
