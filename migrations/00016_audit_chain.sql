-- +goose Up

-- The audit log becomes a hash chain (R14). Every row keeps a digest of its
-- content; at commit, under a lock on the chain's head, it is given the next
-- sequence number and hash = sha256(previous hash || digest || seq). The
-- head is taken last in the committing transaction (a deferred trigger), so
-- concurrent writers queue for it instead of forking the chain and cannot
-- deadlock on it. Because the chain covers digests, a payload may later be
-- pseudonymised (audit_pseudonymise) without breaking it. The database owner
-- could still recompute a whole chain: the head is therefore anchored outside
-- the database every day, and `itportal audit verify` checks the anchors.

ALTER TABLE audit_log
    ADD COLUMN seq              bigint,
    ADD COLUMN digest           bytea,
    ADD COLUMN prev_hash        bytea,
    ADD COLUMN hash             bytea,
    ADD COLUMN pseudonymised_at timestamptz;

-- The canonical content of a row, version 1: each field as
-- <octet length>:<text>; in this order. internal/auditchain computes the same.
-- +goose StatementBegin
CREATE FUNCTION audit_digest(a audit_log) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(convert_to(
        'itportal-audit-v1;' ||
        octet_length(a.id::text) || ':' || a.id::text || ';' ||
        octet_length(((extract(epoch FROM a.at) * 1000000)::bigint)::text) || ':' || ((extract(epoch FROM a.at) * 1000000)::bigint)::text || ';' ||
        octet_length(COALESCE(a.actor_id::text, '')) || ':' || COALESCE(a.actor_id::text, '') || ';' ||
        octet_length(a.action) || ':' || a.action || ';' ||
        octet_length(a.object_type) || ':' || a.object_type || ';' ||
        octet_length(a.object_id) || ':' || a.object_id || ';' ||
        octet_length(a.changes::text) || ':' || a.changes::text || ';' ||
        octet_length(a.request_id) || ':' || a.request_id || ';', 'UTF8'))
$$;
-- +goose StatementEnd

-- The link of row seq: sha256(previous hash || digest || seq as 8 bytes, big-endian).
-- +goose StatementBegin
CREATE FUNCTION audit_link(prev bytea, digest bytea, seq bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(prev || digest || int8send(seq))
$$;
-- +goose StatementEnd

CREATE TABLE audit_chain_head (
    id    smallint PRIMARY KEY CHECK (id = 1),
    seq   bigint NOT NULL,
    hash  bytea NOT NULL
);

-- Existing rows are chained in id order.
DROP TRIGGER audit_log_no_update ON audit_log;
-- +goose StatementBegin
DO $$
DECLARE
    r audit_log;
    n bigint := 0;
    h bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    d bytea;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        n := n + 1;
        d := audit_digest(r);
        UPDATE audit_log SET seq = n, digest = d, prev_hash = h, hash = audit_link(h, d, n) WHERE id = r.id;
        h := audit_link(h, d, n);
    END LOOP;
    INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, n, h);
END
$$;
-- +goose StatementEnd

CREATE UNIQUE INDEX audit_log_seq_key ON audit_log (seq);

-- Before insert: the digest; nobody chooses their own place in the chain.
-- The transaction counts its rows still to be sealed (a transaction-local
-- setting, undone with a rolled-back savepoint like the rows themselves).
-- +goose StatementBegin
CREATE FUNCTION audit_log_digest() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.seq := NULL;
    NEW.prev_hash := NULL;
    NEW.hash := NULL;
    NEW.pseudonymised_at := NULL;
    NEW.digest := audit_digest(NEW);
    PERFORM set_config('itportal.audit_pending',
        (COALESCE(NULLIF(current_setting('itportal.audit_pending', true), ''), '0')::bigint + 1)::text, true);
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- At commit: the next link. The first row sealed in a transaction locks the
-- head's row and reads it; the running seq and hash are then kept in
-- transaction-local settings, and the last row writes the head back. (An
-- UPDATE of the head per row would leave one dead version of it per row
-- inside the transaction, and each later read would walk them all.)
-- +goose StatementBegin
CREATE FUNCTION audit_log_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n bigint;
    prev bytea;
    link bytea;
    pending bigint;
BEGIN
    IF COALESCE(current_setting('itportal.audit_seq', true), '') = '' THEN
        SELECT h.seq, h.hash INTO n, prev FROM audit_chain_head h WHERE h.id = 1 FOR UPDATE;
    ELSE
        n := current_setting('itportal.audit_seq')::bigint;
        prev := decode(current_setting('itportal.audit_hash'), 'hex');
    END IF;
    n := n + 1;
    link := audit_link(prev, NEW.digest, n);
    UPDATE audit_log SET seq = n, prev_hash = prev, hash = link WHERE id = NEW.id;
    pending := COALESCE(NULLIF(current_setting('itportal.audit_pending', true), ''), '1')::bigint - 1;
    PERFORM set_config('itportal.audit_pending', pending::text, true);
    IF pending <= 0 THEN
        UPDATE audit_chain_head SET seq = n, hash = link WHERE id = 1;
        PERFORM set_config('itportal.audit_seq', '', true);
        PERFORM set_config('itportal.audit_hash', '', true);
    ELSE
        PERFORM set_config('itportal.audit_seq', n::text, true);
        PERFORM set_config('itportal.audit_hash', encode(link, 'hex'), true);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Rows change only by sealing (once, content untouched) or by
-- audit_pseudonymise (only the payload, recorded in the chain).
-- +goose StatementBegin
CREATE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL AND pg_trigger_depth() > 1
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.action, NEW.object_type, NEW.object_id, NEW.changes, NEW.request_id, NEW.digest, NEW.pseudonymised_at)
           IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor_id, OLD.action, OLD.object_type, OLD.object_id, OLD.changes, OLD.request_id, OLD.digest, OLD.pseudonymised_at) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.seq IS NOT NULL AND current_setting('itportal.audit_pseudonymise', true) = 'on'
       AND (NEW.id, NEW.at, NEW.actor_id, NEW.action, NEW.object_type, NEW.object_id, NEW.request_id, NEW.seq, NEW.digest, NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor_id, OLD.action, OLD.object_type, OLD.object_id, OLD.request_id, OLD.seq, OLD.digest, OLD.prev_hash, OLD.hash)
       AND NEW.pseudonymised_at IS NOT NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_digest BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_digest();
CREATE CONSTRAINT TRIGGER audit_log_seal AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_log_seal();

-- Pseudonymisation under the retention plan (run by the owner, never by
-- the portal): the row's payload is replaced, its digest and place in the
-- chain stay, and the act itself is a new row of the chain that names it.
-- +goose StatementBegin
CREATE FUNCTION audit_pseudonymise(row_id bigint, replacement jsonb, reason text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(btrim(reason), '') = '' THEN
        RAISE EXCEPTION 'a reason is required';
    END IF;
    PERFORM set_config('itportal.audit_pseudonymise', 'on', true);
    UPDATE audit_log SET changes = replacement, pseudonymised_at = now() WHERE id = row_id AND seq IS NOT NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit row % does not exist or is not sealed', row_id;
    END IF;
    PERFORM set_config('itportal.audit_pseudonymise', 'off', true);
    INSERT INTO audit_log (action, object_type, object_id, changes)
    VALUES ('audit.pseudonymised', 'audit_log', row_id::text, jsonb_build_object('reason', reason));
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION audit_pseudonymise(bigint, jsonb, text) FROM PUBLIC;

-- The chain's head as anchored each day (the trusted copies are in the log
-- and the mail; this table is for the board), and the nightly verifications.
CREATE TABLE audit_anchors (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    seq        bigint NOT NULL,
    hash       bytea NOT NULL,
    mailed_to  text NOT NULL DEFAULT ''
);
CREATE TABLE audit_verifications (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                timestamptz NOT NULL DEFAULT now(),
    ok                boolean NOT NULL,
    rows_checked      bigint NOT NULL,
    anchors_checked   integer NOT NULL,
    first_broken_seq  bigint,
    problem           text NOT NULL DEFAULT '',
    duration_ms       bigint NOT NULL
);
CREATE INDEX audit_verifications_at_idx ON audit_verifications (at DESC);
GRANT SELECT, INSERT ON audit_anchors, audit_verifications TO itportal_runtime;
GRANT SELECT ON audit_chain_head TO itportal_runtime;

-- +goose Down
DROP TABLE audit_verifications;
DROP TABLE audit_anchors;
DROP FUNCTION audit_pseudonymise(bigint, jsonb, text);
DROP TRIGGER audit_log_seal ON audit_log;
DROP TRIGGER audit_log_digest ON audit_log;
DROP TRIGGER audit_log_guard ON audit_log;
DROP FUNCTION audit_log_guard();
DROP FUNCTION audit_log_seal();
DROP FUNCTION audit_log_digest();
DROP INDEX audit_log_seq_key;
DROP TABLE audit_chain_head;
DROP FUNCTION audit_link(bytea, bytea, bigint);
DROP FUNCTION audit_digest(audit_log);
ALTER TABLE audit_log DROP COLUMN pseudonymised_at, DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN digest, DROP COLUMN seq;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
