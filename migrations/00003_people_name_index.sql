-- +goose Up
-- Lists of people are sorted by name in Swedish order; with thousands of
-- staff the sort must come from an index, not from every request.
CREATE INDEX people_name_swedish_idx ON people (name COLLATE swedish, id);

-- +goose Down
DROP INDEX people_name_swedish_idx;
