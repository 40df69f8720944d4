-- +goose Up
-- Searches find what people type: Swedish words stemmed ("förvaltare"
-- finds "förvaltaren"), names without å, ä and ö ("aberg" finds Åberg),
-- prefixes while typing and typos ("trser" finds Treserva), department
-- names. fold() is the one definition of the folded form: lower case,
-- accents removed (unaccent's own rules: å → a, ö → o, é → e).
CREATE EXTENSION IF NOT EXISTS unaccent;

-- +goose StatementBegin
CREATE FUNCTION fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
	SET search_path = pg_catalog, public
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;
-- +goose StatementEnd

-- held_on: a role period [from, to) holds on a day. The same as valid @> day,
-- written so that the planner estimates it cheaply (a range operator's
-- estimate cost more than running the register's page); inlined.
-- +goose StatementBegin
CREATE FUNCTION held_on(valid daterange, day date) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT lower(valid) <= day AND (upper_inf(valid) OR upper(valid) > day) $$;
-- +goose StatementEnd

-- Swedish full text with accents folded before stemming, for documents
-- and queries alike.
CREATE TEXT SEARCH CONFIGURATION swedish_folded (COPY = swedish);
ALTER TEXT SEARCH CONFIGURATION swedish_folded ALTER MAPPING FOR hword, hword_part, word WITH unaccent, swedish_stem;

DROP INDEX systems_search_doc_idx;
ALTER TABLE systems DROP COLUMN search_doc;
ALTER TABLE systems ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
	to_tsvector('swedish_folded', name || ' ' || description || ' ' || purpose || ' ' || supplier || ' ' || product)) STORED;
CREATE INDEX systems_search_doc_idx ON systems USING gin (search_doc);

-- Names folded, for typos and prefixes (trigram indexes).
ALTER TABLE systems ADD COLUMN name_key text GENERATED ALWAYS AS (fold(name)) STORED;
DROP INDEX systems_name_trgm_idx;
CREATE INDEX systems_name_key_trgm_idx ON systems USING gin (name_key gin_trgm_ops);
ALTER TABLE people ADD COLUMN name_key text GENERATED ALWAYS AS (fold(name)) STORED;
DROP INDEX people_name_trgm_idx;
CREATE INDEX people_name_key_trgm_idx ON people USING gin (name_key gin_trgm_ops);

-- The register's other orders, from an index.
CREATE INDEX systems_updated_idx ON systems (updated_at DESC, id DESC);
CREATE INDEX systems_lifecycle_order_idx ON systems (
	array_position(ARRAY['planerad', 'under_inforande', 'i_drift', 'under_avveckling', 'avvecklad']::text[], lifecycle),
	name COLLATE swedish, id);

-- The owner of every system today, read from the index alone (the order
-- by owner).
CREATE INDEX role_assignments_owner_idx ON role_assignments (system_id) INCLUDE (department_id, valid) WHERE role = 'owner';

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION merge_search_index_lists() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
	SELECT gin_clean_pending_list('systems_name_key_trgm_idx'::regclass);
	SELECT gin_clean_pending_list('systems_search_doc_idx'::regclass);
	SELECT gin_clean_pending_list('people_name_key_trgm_idx'::regclass);
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION merge_search_index_lists() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
	SELECT gin_clean_pending_list('systems_name_trgm_idx'::regclass);
	SELECT gin_clean_pending_list('systems_search_doc_idx'::regclass);
	SELECT gin_clean_pending_list('people_name_trgm_idx'::regclass);
$$;
-- +goose StatementEnd
DROP INDEX role_assignments_owner_idx;
DROP INDEX systems_lifecycle_order_idx;
DROP INDEX systems_updated_idx;
DROP INDEX people_name_key_trgm_idx;
ALTER TABLE people DROP COLUMN name_key;
CREATE INDEX people_name_trgm_idx ON people USING gin (name gin_trgm_ops);
DROP INDEX systems_name_key_trgm_idx;
ALTER TABLE systems DROP COLUMN name_key;
CREATE INDEX systems_name_trgm_idx ON systems USING gin (name gin_trgm_ops);
DROP INDEX systems_search_doc_idx;
ALTER TABLE systems DROP COLUMN search_doc;
ALTER TABLE systems ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
	to_tsvector('swedish', name || ' ' || description || ' ' || purpose || ' ' || supplier || ' ' || product)) STORED;
CREATE INDEX systems_search_doc_idx ON systems USING gin (search_doc);
DROP TEXT SEARCH CONFIGURATION swedish_folded;
DROP FUNCTION held_on(daterange, date);
DROP FUNCTION fold(text);
