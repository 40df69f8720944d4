-- +goose Up
-- A case's handläggare: the person in IT-enheten (or the IT head or the
-- deputy) who has taken it ("Tilldela mig"), until they release it or
-- another handler takes it over. Who took or released a case, and when,
-- is in audit_log (request.assigned, request.released); the column holds
-- only the present handler. The content trigger (requests_frozen) leaves
-- it free, like the flow's columns.
ALTER TABLE requests ADD COLUMN assignee_id bigint REFERENCES people (id);

-- +goose Down
ALTER TABLE requests DROP COLUMN assignee_id;
