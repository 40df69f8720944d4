-- +goose Up
-- Proposed changes of a system's guarded facts (portal.GuardedFacts: the
-- flags and the website that the compliance checks read, so that setting
-- one can hide a breach). IT-enheten sets them directly; when the
-- system's administrator changes them, the change waits here until
-- IT-enheten confirms or rejects it (internal/postgres/proposals.go).
--
-- changes holds, per fact, the value proposed and the value it would
-- replace, as the audit log does: {"introduced_before_portal":
-- {"before": false, "after": true}}.
CREATE TABLE fact_proposals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    system_id    bigint NOT NULL REFERENCES systems (id),
    proposed_by  bigint NOT NULL REFERENCES people (id),
    proposed_at  timestamptz NOT NULL DEFAULT now(),
    changes      jsonb NOT NULL CHECK (
        jsonb_typeof(changes) = 'object' AND changes <> '{}'
        AND changes - ARRAY['open_source', 'self_developed', 'self_developed_ref', 'represents_municipality',
                            'web_address', 'introduced_before_portal'] = '{}'
        AND NOT jsonb_path_exists(changes,
            '$.* ? (!(exists(@.before)) || !(exists(@.after)) || @.before.type() != @.after.type() || @.before == @.after)')),
    -- The open proposal of the system that this one replaced.
    supersedes   bigint UNIQUE REFERENCES fact_proposals (id),
    state        text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'confirmed', 'rejected', 'superseded')),
    -- Who decided and when; for a superseded proposal, who made the newer one.
    decided_by   bigint REFERENCES people (id),
    decided_at   timestamptz,
    -- IT-enheten's note on its decision.
    note         text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    CHECK ((state = 'open') = (decided_at IS NULL) AND (state = 'open') = (decided_by IS NULL)),
    CHECK (state IN ('confirmed', 'rejected') OR note = '')
);
-- At most one open proposal per system: a newer one supersedes it.
CREATE UNIQUE INDEX fact_proposals_one_open ON fact_proposals (system_id) WHERE state = 'open';
CREATE INDEX fact_proposals_system_idx ON fact_proposals (system_id, id);
GRANT SELECT, INSERT, UPDATE ON fact_proposals TO itportal_runtime;

-- A proposal is made open and decided once; after that it never changes,
-- and what was proposed, by whom and when never does. Nothing is deleted
-- (nor granted to be).
-- +goose StatementBegin
CREATE FUNCTION fact_proposals_decided_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'a proposal is never deleted (proposal %)', OLD.id USING ERRCODE = 'check_violation';
	END IF;
	IF TG_OP = 'INSERT' THEN
		IF NEW.state <> 'open' THEN
			RAISE EXCEPTION 'a proposal is made open' USING ERRCODE = 'check_violation';
		END IF;
		RETURN NEW;
	END IF;
	IF OLD.state <> 'open' THEN
		RAISE EXCEPTION 'a decided proposal is final (proposal %)', OLD.id USING ERRCODE = 'check_violation';
	END IF;
	IF NEW.state = 'open' OR (NEW.system_id, NEW.proposed_by, NEW.proposed_at, NEW.changes, NEW.supersedes)
		IS DISTINCT FROM (OLD.system_id, OLD.proposed_by, OLD.proposed_at, OLD.changes, OLD.supersedes) THEN
		RAISE EXCEPTION 'a proposal is decided, never edited (proposal %)', OLD.id USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER fact_proposals_decided_once BEFORE INSERT OR UPDATE OR DELETE ON fact_proposals
    FOR EACH ROW EXECUTE FUNCTION fact_proposals_decided_once();

-- +goose Down
DROP TABLE fact_proposals;
DROP FUNCTION fact_proposals_decided_once();
