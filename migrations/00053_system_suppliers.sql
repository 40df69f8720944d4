-- +goose Up
-- A system's supplier as a link to the supplier register (issue 20). The
-- register has held the supplier as free text (systems.supplier) since the
-- first import; IT-enheten links each text to a supplier on "Koppla
-- leverantörer" (/leverantorer/koppla), one confirmation per text, never
-- by itself (internal/postgres/supplier_matching.go). The text stays as
-- it was written; the link says which supplier it means.
ALTER TABLE systems ADD COLUMN supplier_id bigint REFERENCES suppliers (id);
CREATE INDEX systems_supplier_idx ON systems (supplier_id) WHERE supplier_id IS NOT NULL;
-- The texts still to link, grouped by text on the matching page.
CREATE INDEX systems_unlinked_supplier_idx ON systems (supplier) WHERE supplier_id IS NULL AND supplier <> '';
-- Proposals of a similar supplier compare normalised names by trigrams.
CREATE INDEX suppliers_normalised_name_trgm_idx ON suppliers USING gin (normalised_name gin_trgm_ops);

-- +goose Down
DROP INDEX suppliers_normalised_name_trgm_idx;
DROP INDEX systems_unlinked_supplier_idx;
DROP INDEX systems_supplier_idx;
ALTER TABLE systems DROP COLUMN supplier_id;
