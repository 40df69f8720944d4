-- +goose Up
-- Saved views: a person's named filter of the register (/system) or of a
-- list of cases (/arenden), kept as the query string the list's own parser
-- accepted. At most 20 per person (checked by the service under the
-- person's row lock); names unique per person and list, whatever the case.
CREATE TABLE saved_views (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id  bigint NOT NULL REFERENCES people (id),
    list       text NOT NULL CHECK (list IN ('system', 'arenden')),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
    query      text NOT NULL CHECK (char_length(query) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX saved_views_name_idx ON saved_views (person_id, list, lower(name));
GRANT SELECT, INSERT, DELETE ON saved_views TO itportal_runtime;

-- +goose Down
DROP TABLE saved_views;
