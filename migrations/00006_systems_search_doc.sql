-- +goose Up
-- The search document is stored, so neither matching nor ranking recomputes
-- it for every candidate row.
ALTER TABLE systems ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
    to_tsvector('swedish', name || ' ' || description || ' ' || purpose || ' ' || supplier || ' ' || product)) STORED;
CREATE INDEX systems_search_doc_idx ON systems USING gin (search_doc);
DROP INDEX systems_search_idx;

-- +goose Down
CREATE INDEX systems_search_idx ON systems USING gin (
    to_tsvector('swedish', name || ' ' || description || ' ' || purpose || ' ' || supplier || ' ' || product));
DROP INDEX systems_search_doc_idx;
ALTER TABLE systems DROP COLUMN search_doc;
