-- +goose Up
-- Part of an e-mail address finds a person (the people list's search):
-- a trigram index, so the search is an index probe instead of reading
-- every person.
CREATE INDEX people_email_trgm_idx ON people USING gin (lower(email) gin_trgm_ops);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION merge_search_index_lists() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
	SELECT gin_clean_pending_list('systems_name_key_trgm_idx'::regclass);
	SELECT gin_clean_pending_list('systems_search_doc_idx'::regclass);
	SELECT gin_clean_pending_list('people_name_key_trgm_idx'::regclass);
	SELECT gin_clean_pending_list('people_email_trgm_idx'::regclass);
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION merge_search_index_lists() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
	SELECT gin_clean_pending_list('systems_name_key_trgm_idx'::regclass);
	SELECT gin_clean_pending_list('systems_search_doc_idx'::regclass);
	SELECT gin_clean_pending_list('people_name_key_trgm_idx'::regclass);
$$;
-- +goose StatementEnd
DROP INDEX people_email_trgm_idx;
