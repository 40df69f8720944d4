package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// The compliance checks: what counts as a breach of each rule of the
// guideline (portal.Rules), each one SQL statement that returns the rows
// breaking it. A check looks at one kind of thing — systems, people or
// cases — and is run for some of them (the ones a change touched, inside
// the change's transaction: refreshBreaches) or for all of them (the
// periodic recomputation). What it finds is kept in compliance_breaches,
// which the board, the system pages and the API read.
//
// Every check returns the same columns, in this order:
//
//	kind, system_id, department_id, person_id, since, until, detail, ref_id, ref_text
//
// and its statement continues a WITH clause whose first name is the scope
// ("scope" for systems, "pscope" for people, "cscope" for cases): it
// starts either with SELECT or with more named queries (", name AS (...)").
// Parameters are named: @ids (the scope's ids), @today (Stockholm's date),
// @now.

// checkScope is what a check's scope holds.
type checkScope int

const (
	bySystem  checkScope = iota + 1 // systems: R1, R2, R3, R4 (no case), R6, R7, R12, R13, R15, R17, R18, R19, R21, R22
	byPerson                        // people: R9, R10, R11, R20
	byCase                          // cases: R4 (grounds), R5, R8
	byNothing                       // the whole municipality: R14, the contracts: R16, network access: R23, mailboxes: R24
)

// check is one statement of the board. Keys are the kinds of row it
// returns (portal.Check.Key).
type check struct {
	Keys  []string
	Scope checkScope
	// Clock: what it finds changes with the clock alone within a day (R3's
	// hour, R14's 48 hours), so it is recomputed every few minutes. What
	// changes at midnight is recomputed at midnight.
	Clock bool
	SQL   string
}

// The scopes' first named query: every one of a kind, or the ones in @ids.
var scopeCTE = map[checkScope][2]string{
	bySystem: {`WITH scope AS (SELECT s.id FROM systems s WHERE @ids::bigint[] IS NULL)`,
		`WITH scope AS (SELECT s.id FROM systems s WHERE s.id = ANY(@ids::bigint[]))`},
	byPerson: {`WITH pscope AS (SELECT p.id FROM people p WHERE @ids::bigint[] IS NULL)`,
		`WITH pscope AS (SELECT p.id FROM people p WHERE p.id = ANY(@ids::bigint[]))`},
	byCase: {`WITH cscope AS (SELECT r.id FROM requests r WHERE @ids::bigint[] IS NULL)`,
		`WITH cscope AS (SELECT r.id FROM requests r WHERE r.id = ANY(@ids::bigint[]))`},
	byNothing: {`WITH scope AS (SELECT @ids::bigint[] AS ids)`, `WITH scope AS (SELECT @ids::bigint[] AS ids)`},
}

// ownerOf joins the system's owning department today (or the last one),
// which the breach belongs to.
const ownerOf = `
	LEFT JOIN LATERAL (
		SELECT o.department_id AS id FROM role_assignments o
		WHERE o.system_id = s.id AND o.role = 'owner' AND lower(o.valid) <= @today::date
		ORDER BY lower(o.valid) DESC LIMIT 1) own ON true`

// administratorOf joins the system's active administrator today.
const administratorOf = `
	LEFT JOIN LATERAL (
		SELECT p.id FROM role_assignments a JOIN people p ON p.id = a.person_id
		WHERE a.system_id = s.id AND a.role = 'administrator' AND a.valid @> @today::date AND p.active LIMIT 1) adm ON true`

// startOf joins a system's start date: the desired date of its granted
// introduction case (NULL when it has none, or none with a date).
const startOf = `
	LEFT JOIN LATERAL (
		SELECT min(r.desired_date) AS day FROM requests r
		WHERE r.system_id = s.id AND r.kind = 'inforande' AND r.state = 'beviljat') st ON true`

// inService: R1 holds for a system from its start. A planned system has
// not started before its start date, nor while it has none; a
// decommissioned one has ended.
const inService = `s.lifecycle <> 'avvecklad' AND NOT (s.lifecycle = 'planerad' AND COALESCE(st.day > @today::date, true))`

// earlierPeriod: the role period ra is a change, not a system's first
// holder.
const earlierPeriod = `EXISTS (SELECT 1 FROM role_assignments f WHERE f.system_id = ra.system_id AND f.role = ra.role AND f.id < ra.id AND NOT isempty(f.valid))`

// When a system fact was last changed, from the audit log, or when the
// system was created: its lifecycle, its flags, its website.
const (
	lastChangeStart = `COALESCE((SELECT max(al.at) FROM audit_log al WHERE al.object_type = 'system' AND al.object_id = s.id::text AND al.changes ?| ARRAY[`
	lastChangeEnd   = `]), s.created_at)`
	lifecycleSince  = lastChangeStart + `'lifecycle'` + lastChangeEnd
	openSourceSince = lastChangeStart + `'open_source'` + lastChangeEnd
	selfDevSince    = lastChangeStart + `'self_developed'` + lastChangeEnd
	websiteSince    = lastChangeStart + `'web_address', 'represents_municipality'` + lastChangeEnd
	// R18: when the system last came to need an agreement.
	processingFactsSince = lastChangeStart + `'lifecycle', 'hosting', 'personal_data'` + lastChangeEnd
)

// grantedByHead: case r was granted by the IT head or the deputy, as the
// decider's roles were when they decided (the last role change recorded
// before the decision; their roles today when none was recorded).
const grantedByHead = `r.state = 'beviljat' AND COALESCE(
		(SELECT (al.changes -> 'roles' -> 'after') ?| ARRAY['it_head', 'it_head_deputy'] FROM audit_log al
		 WHERE al.object_type = 'person' AND al.object_id = r.decided_by::text AND al.action = 'person.roles_changed' AND al.at <= r.decided_at
		 ORDER BY al.at DESC, al.id DESC LIMIT 1),
		EXISTS (SELECT 1 FROM person_roles pr WHERE pr.person_id = r.decided_by AND pr.role IN ('it_head', 'it_head_deputy')))`

// A contract's dates in SQL, for R15 and R16, the same as
// portal.ContractTerms.On (contract_term_end is portal.AddTermMonths):
// contractEnd is the last day of a contract c that does not renew
// tacitly (its termination's last day, or its term with the options used),
// NULL for one that renews; contractActive says it applies today.
const (
	contractEnd    = `CASE WHEN c.ends_on IS NOT NULL THEN c.ends_on WHEN c.renewal_months = 0 THEN contract_term_end(c.start_on, c.initial_months + c.options_used * c.option_months) END`
	contractActive = `(c.start_on <= @today::date AND COALESCE(@today::date <= ` + contractEnd + `, true))`
)

// networkAccessUntil is the last day of a network-access case r, from its
// "giltig till" (details.valid_until, a JSON time): NULL when it has none.
const networkAccessUntil = `CASE WHEN r.details ->> 'valid_until' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN substr(r.details ->> 'valid_until', 1, 10)::date END`

// checks is the board: one row per statement, in the order of the rules.
var checks = []check{
	// R1: a role without a holder today (detail: the role).
	{Keys: []string{"r1_missing"}, Scope: bySystem, SQL: `
	SELECT 'r1_missing', s.id, COALESCE(own.id, 0), 0::bigint,
	       GREATEST(COALESCE((SELECT max(upper(ra.valid)) FROM role_assignments ra
	                 WHERE ra.system_id = s.id AND ra.role = r.role AND upper(ra.valid) <= @today::date)::timestamp AT TIME ZONE 'Europe/Stockholm',
	                s.created_at),
	                CASE WHEN s.lifecycle = 'planerad' THEN st.day::timestamp AT TIME ZONE 'Europe/Stockholm' END),
	       NULL::date, r.role, 0::bigint, ''
	FROM scope JOIN systems s ON s.id = scope.id
	CROSS JOIN (VALUES ('owner'), ('administrator'), ('operations')) r(role)` + ownerOf + startOf + `
	WHERE ` + inService + `
	  AND NOT EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.system_id = s.id AND ra.role = r.role AND ra.valid @> @today::date)`},

	// R1: the administrator today is no longer active (ref: the period).
	{Keys: []string{"r1_inactive"}, Scope: bySystem, SQL: `
	SELECT 'r1_inactive', s.id, COALESCE(own.id, 0), p.id,
	       GREATEST(lower(ra.valid)::timestamp AT TIME ZONE 'Europe/Stockholm',
	                COALESCE((p.employed_to + 1)::timestamp AT TIME ZONE 'Europe/Stockholm', '-infinity'::timestamptz)),
	       NULL::date, 'administrator', ra.id, ''
	FROM scope JOIN systems s ON s.id = scope.id
	JOIN role_assignments ra ON ra.system_id = s.id AND ra.role = 'administrator' AND ra.valid @> @today::date
	JOIN people p ON p.id = ra.person_id AND (NOT p.active OR p.merged_into IS NOT NULL)` + ownerOf + startOf + `
	WHERE ` + inService},

	// R2: two holders of a role on the same days (the database refuses it).
	{Keys: []string{"r2_overlap"}, Scope: bySystem, SQL: `
	SELECT 'r2_overlap', s.id, COALESCE(own.id, 0), 0::bigint,
	       lower(a.valid * b.valid)::timestamp AT TIME ZONE 'Europe/Stockholm', upper(a.valid * b.valid) - 1,
	       a.role, b.id, ''
	FROM scope JOIN systems s ON s.id = scope.id
	JOIN role_assignments a ON a.system_id = s.id
	JOIN role_assignments b ON b.system_id = a.system_id AND b.role = a.role AND b.id > a.id AND a.valid && b.valid` + ownerOf},

	// R2: the days from the system's first role period to today on which a
	// role had no holder, for gaps that have ended (a gap running today is
	// R1's). Only a role with several periods, or one that began after the
	// system's first, can have one.
	{Keys: []string{"r2_gap"}, Scope: bySystem, SQL: `, per AS (
		SELECT ra.system_id, ra.role, count(*) AS n, min(lower(ra.valid)) AS lo
		FROM scope JOIN role_assignments ra ON ra.system_id = scope.id AND NOT isempty(ra.valid) GROUP BY ra.system_id, ra.role
	), span AS (
		SELECT per.system_id, LEAST(min(per.lo), @today::date) AS lo FROM per GROUP BY per.system_id
	), candidates AS (
		SELECT per.system_id, per.role, span.lo FROM per JOIN span ON span.system_id = per.system_id
		WHERE per.n > 1 OR per.lo > span.lo
	)
	SELECT 'r2_gap', s.id, COALESCE(own.id, 0), 0::bigint,
	       lower(g)::timestamp AT TIME ZONE 'Europe/Stockholm', upper(g) - 1, c.role, 0::bigint, ''
	FROM candidates c JOIN systems s ON s.id = c.system_id
	CROSS JOIN LATERAL unnest(datemultirange(daterange(c.lo, @today::date + 1)) -
		(SELECT range_agg(ra.valid) FROM role_assignments ra WHERE ra.system_id = c.system_id AND ra.role = c.role)) g` + ownerOf + `
	WHERE upper(g) <= @today::date`},

	// R2: a role change without an author (made outside the portal).
	{Keys: []string{"r2_author"}, Scope: bySystem, SQL: `
	SELECT 'r2_author', s.id, COALESCE(own.id, 0), 0::bigint,
	       ra.created_at, NULL::date, ra.role, ra.id, to_char(lower(ra.valid), 'YYYY-MM-DD')
	FROM scope JOIN systems s ON s.id = scope.id
	JOIN role_assignments ra ON ra.system_id = s.id AND ra.created_by IS NULL AND NOT isempty(ra.valid)` + ownerOf + `
	WHERE ` + earlierPeriod},

	// R3: a role change whose notification failed, waits, or never was,
	// an hour after the change. The worker's record (role_change_notices)
	// is durable; River's job, while it exists, tells a failure the worker
	// could not record (a crash, a timeout). Changes without a delivered
	// notification are few, so River's jobs are looked up for them alone.
	{Keys: []string{"r3_failed", "r3_waiting", "r3_missing"}, Scope: bySystem, Clock: true, SQL: `, pending AS MATERIALIZED (
		SELECT ra.id, ra.system_id, ra.role, ra.valid, ra.created_at, n.outcome
		FROM (SELECT ra.*, row_number() OVER (PARTITION BY ra.system_id, ra.role ORDER BY ra.id) AS k
		      FROM scope JOIN role_assignments ra ON ra.system_id = scope.id AND NOT isempty(ra.valid)) ra
		LEFT JOIN role_change_notices n ON n.assignment_id = ra.id
		WHERE ra.k > 1 AND (n.outcome IS NULL OR n.outcome = 'failed')
	)
	SELECT CASE WHEN ra.outcome = 'failed' OR jobs.failed THEN 'r3_failed' WHEN jobs.waiting THEN 'r3_waiting' ELSE 'r3_missing' END,
	       s.id, COALESCE(own.id, 0), 0::bigint,
	       ra.created_at, NULL::date, ra.role, ra.id, to_char(lower(ra.valid), 'YYYY-MM-DD')
	FROM pending ra JOIN systems s ON s.id = ra.system_id` + ownerOf + `
	LEFT JOIN LATERAL (
		SELECT COALESCE(bool_or(j.state IN ('discarded', 'cancelled', 'retryable')), false) AS failed,
		       COALESCE(bool_or(j.state IN ('available', 'scheduled', 'running', 'pending')), false) AS waiting,
		       COALESCE(bool_or(j.state = 'completed'), false) AS completed
		FROM river_job j
		WHERE j.kind IN ('notify_role_change', 'notify') AND j.args @> jsonb_build_object('assignment_ids', jsonb_build_array(ra.id))) jobs ON true
	WHERE NOT jobs.completed
	  AND (ra.outcome = 'failed' OR jobs.failed OR ra.created_at < @now::timestamptz - interval '1 hour')`},

	// R4: a decided introduction or upgrade without its grounds (detail:
	// what is missing). The portal refuses such a decision.
	{Keys: []string{"r4_criteria"}, Scope: byCase, SQL: `
	SELECT 'r4_criteria', COALESCE(r.system_id, 0), COALESCE(r.department_id, 0), COALESCE(r.decided_by, 0), r.decided_at, NULL::date,
	       concat_ws(',',
	           CASE WHEN btrim(COALESCE(r.details ->> 'goal_alignment', '')) = '' THEN 'goal' END,
	           CASE WHEN btrim(COALESCE(r.details ->> 'platform_compatibility', '')) = '' THEN 'platform' END,
	           CASE WHEN COALESCE(r.details ->> 'years', '') !~ '^[1-9][0-9]?$' THEN 'economy' END,
	           CASE WHEN btrim(r.decision_motivation) = '' THEN 'motivation' END),
	       r.id, COALESCE(r.number, '')
	FROM cscope JOIN requests r ON r.id = cscope.id
	WHERE r.kind IN ('inforande', 'uppgradering') AND r.state IN ('beviljat', 'avslaget')
	  AND (btrim(COALESCE(r.details ->> 'goal_alignment', '')) = '' OR btrim(COALESCE(r.details ->> 'platform_compatibility', '')) = ''
	       OR COALESCE(r.details ->> 'years', '') !~ '^[1-9][0-9]?$' OR btrim(r.decision_motivation) = '')`},

	// R4: a system in operation that was never introduced through a case.
	{Keys: []string{"r4_no_case"}, Scope: bySystem, SQL: `
	SELECT 'r4_no_case', s.id, COALESCE(own.id, 0), 0::bigint, ` + lifecycleSince + `, NULL::date, '', 0::bigint, ''
	FROM scope JOIN systems s ON s.id = scope.id` + ownerOf + `
	WHERE s.lifecycle = 'i_drift' AND NOT s.introduced_before_portal
	  AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.system_id = s.id AND r.kind = 'inforande' AND r.state = 'beviljat')`},

	// R5: granted without confirmed financing (detail: the kind). The
	// portal refuses such a decision.
	{Keys: []string{"r5_financing"}, Scope: byCase, SQL: `
	SELECT 'r5_financing', COALESCE(r.system_id, 0), COALESCE(r.department_id, 0), COALESCE(r.decided_by, 0), r.decided_at, NULL::date,
	       r.kind, r.id, COALESCE(r.number, '')
	FROM cscope JOIN requests r ON r.id = cscope.id
	WHERE r.state = 'beviljat' AND r.kind <> 'driftforandring' AND (NOT r.financing_confirmed OR btrim(r.financing_source) = '')`},

	// R6 and R7: a flag without the IT head's decision (detail: "not_head"
	// when a case was granted, but by someone else).
	{Keys: []string{"r6_open_source"}, Scope: bySystem, SQL: `
	SELECT 'r6_open_source', s.id, COALESCE(own.id, 0), 0::bigint, ` + openSourceSince + `, NULL::date,
	       CASE WHEN EXISTS (SELECT 1 FROM requests r WHERE r.system_id = s.id AND r.kind = 'oppen_kallkod' AND r.state = 'beviljat') THEN 'not_head' ELSE '' END,
	       0::bigint, ''
	FROM scope JOIN systems s ON s.id = scope.id` + ownerOf + `
	WHERE s.open_source
	  AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.system_id = s.id AND r.kind = 'oppen_kallkod' AND ` + grantedByHead + `)`},
	{Keys: []string{"r7_self_developed"}, Scope: bySystem, SQL: `
	SELECT 'r7_self_developed', s.id, COALESCE(own.id, 0), 0::bigint, ` + selfDevSince + `, NULL::date,
	       CASE WHEN EXISTS (SELECT 1 FROM requests r WHERE r.system_id = s.id AND r.kind = 'egenutvecklad' AND r.state = 'beviljat') THEN 'not_head' ELSE '' END,
	       0::bigint, s.self_developed_ref
	FROM scope JOIN systems s ON s.id = scope.id` + ownerOf + `
	WHERE s.self_developed
	  AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.system_id = s.id AND r.kind = 'egenutvecklad' AND ` + grantedByHead + `)`},

	// R8: more than one decision on a case (detail: how many). The
	// database refuses a second.
	{Keys: []string{"r8_decisions"}, Scope: byCase, SQL: `
	SELECT 'r8_decisions', COALESCE(r.system_id, 0), COALESCE(r.department_id, 0), 0::bigint, min(e.at), NULL::date,
	       count(*)::text, r.id, COALESCE(r.number, '')
	FROM cscope JOIN requests r ON r.id = cscope.id JOIN request_events e ON e.request_id = r.id
	WHERE e.to_state IN ('beviljat', 'avslaget', 'kvitterad')
	GROUP BY r.id HAVING count(*) > 1`},

	// R9 and R10: per person and document in force they must acknowledge:
	// never acknowledged (R9) or only a version before the one that asked
	// everyone again (R10). Detail: the document's title; ref: the
	// document; ref_text: the version in force.
	{Keys: []string{"r9_never", "r10_again"}, Scope: byPerson, SQL: `, ` + inForceCTEs + `, docs AS (
		SELECT d.id, d.title, d.audience_all, cur.number, base.number AS base_number, base.since
		FROM documents d JOIN cur ON cur.document_id = d.id JOIN base ON base.document_id = d.id
		WHERE d.must_acknowledge
	), acked AS (
		SELECT a.person_id, v.document_id, max(v.number) AS top
		FROM pscope JOIN acknowledgements a ON a.person_id = pscope.id JOIN document_versions v ON v.id = a.version_id
		JOIN docs ON docs.id = v.document_id
		GROUP BY a.person_id, v.document_id
	)
	SELECT CASE WHEN acked.top IS NULL THEN 'r9_never' ELSE 'r10_again' END, 0::bigint, COALESCE(p.department_id, 0), p.id,
	       GREATEST(docs.since, p.created_at), NULL::date, docs.title, docs.id, docs.number::text
	FROM pscope JOIN people p ON p.id = pscope.id AND p.active AND p.merged_into IS NULL
	CROSS JOIN docs
	LEFT JOIN acked ON acked.person_id = p.id AND acked.document_id = docs.id
	WHERE (acked.top IS NULL OR acked.top < docs.base_number)
	  AND (docs.audience_all OR EXISTS (SELECT 1 FROM document_departments dd WHERE dd.document_id = docs.id AND dd.department_id = p.department_id))`},

	// R11: a receipt whose hash is not the SHA-256 of its version's stored
	// text (detail: the title; ref: the receipt; ref_text: the version).
	{Keys: []string{"r11_hash"}, Scope: byPerson, SQL: `, v AS MATERIALIZED (
		SELECT v.id, v.number, d.title, encode(sha256(convert_to(v.markdown, 'UTF8')), 'hex') AS text_hash
		FROM document_versions v JOIN documents d ON d.id = v.document_id
	)
	SELECT 'r11_hash', 0::bigint, COALESCE(p.department_id, 0), p.id, a.acknowledged_at, NULL::date, v.title, a.id, v.number::text
	FROM pscope JOIN acknowledgements a ON a.person_id = pscope.id JOIN v ON v.id = a.version_id JOIN people p ON p.id = a.person_id
	WHERE a.sha256 <> v.text_hash`},

	// R12: an evaluation overdue, as the view evaluation_due says (until:
	// the due date; detail: the last evaluation).
	{Keys: []string{"r12_overdue"}, Scope: bySystem, SQL: `
	SELECT 'r12_overdue', s.id, COALESCE(own.id, 0), COALESCE(adm.id, 0),
	       (ed.due_on + 1)::timestamp AT TIME ZONE 'Europe/Stockholm', ed.due_on, COALESCE(to_char(ed.last_on, 'YYYY-MM-DD'), ''),
	       0::bigint, ''
	FROM scope JOIN evaluation_due ed ON ed.system_id = scope.id JOIN systems s ON s.id = ed.system_id` + ownerOf + administratorOf + `
	WHERE ed.required AND ed.due_on < @today::date`},

	// R13: the websites that represent the municipality (detail: the
	// address); portal.OfficialWebsite keeps those off the official address.
	{Keys: []string{"r13_address"}, Scope: bySystem, SQL: `
	SELECT 'r13_address', s.id, COALESCE(own.id, 0), COALESCE(adm.id, 0),
	       ` + websiteSince + `, NULL::date, s.web_address, 0::bigint, ''
	FROM scope JOIN systems s ON s.id = scope.id` + ownerOf + administratorOf + `
	WHERE s.represents_municipality AND s.lifecycle <> 'avvecklad'`},

	// R14: the last nightly verification of the audit chain failed (ref:
	// the first broken row), or none succeeded within 48 hours, or none ran.
	{Keys: []string{"r14_failed", "r14_stale", "r14_none"}, Scope: byNothing, Clock: true, SQL: `,
	     last AS (SELECT * FROM audit_verifications ORDER BY at DESC, id DESC LIMIT 1),
	     good AS (SELECT max(at) AS at FROM audit_verifications WHERE ok)
	SELECT 'r14_none', 0::bigint, 0::bigint, 0::bigint, NULL::timestamptz, NULL::date, '', 0::bigint, ''
	WHERE NOT EXISTS (SELECT 1 FROM last)
	UNION ALL
	SELECT 'r14_failed', 0, 0, 0, last.at, NULL, last.problem, COALESCE(last.first_broken_seq, 0),
	       last.rows_checked::text || ':' || last.anchors_checked::text
	FROM last WHERE NOT last.ok
	UNION ALL
	SELECT 'r14_stale', 0, 0, 0, COALESCE(good.at + interval '48 hours', last.at), NULL, '', 0, ''
	FROM last, good WHERE last.ok AND good.at < @now::timestamptz - interval '48 hours'`},

	// R15: a system in operation covered by no contract that applies
	// today. Self-developed systems are not bought (the register has no
	// other mark of it). Since: when it went into operation, or the day
	// after its last contract ended; detail "ended" when it had one.
	{Keys: []string{"r15_no_contract"}, Scope: bySystem, SQL: `
	SELECT 'r15_no_contract', s.id, COALESCE(own.id, 0), COALESCE(adm.id, 0),
	       GREATEST(` + lifecycleSince + `, (cov.ended + 1)::timestamp AT TIME ZONE 'Europe/Stockholm'), NULL::date,
	       CASE WHEN cov.n > 0 THEN 'ended' ELSE '' END, 0::bigint, s.supplier
	FROM scope JOIN systems s ON s.id = scope.id` + ownerOf + administratorOf + `
	CROSS JOIN LATERAL (
		SELECT count(*) AS n, count(*) FILTER (WHERE ` + contractActive + `) AS active,
		       max(` + contractEnd + `) FILTER (WHERE ` + contractEnd + ` < @today::date) AS ended
		FROM contract_systems cs JOIN contracts c ON c.id = cs.contract_id WHERE cs.system_id = s.id) cov
	WHERE s.lifecycle = 'i_drift' AND NOT s.self_developed AND cov.active = 0`},

	// R16: a contract that does not renew tacitly (one that does, and is
	// not terminated, has been renewed) whose term ended without a
	// recorded decision: neither terminated nor an option used to go on.
	// It belongs to its responsible department and person (until: the
	// term's last day; detail: the contract; ref: the contract; ref_text:
	// the supplier).
	{Keys: []string{"r16_ended"}, Scope: byNothing, SQL: `
	SELECT 'r16_ended', 0::bigint, c.department_id, c.responsible_id,
	       (` + contractEnd + ` + 1)::timestamp AT TIME ZONE 'Europe/Stockholm', ` + contractEnd + `, c.name, c.id, su.name
	FROM contracts c JOIN suppliers su ON su.id = c.supplier_id
	WHERE c.ends_on IS NULL AND c.renewal_months = 0 AND ` + contractEnd + ` < @today::date`},

	// R22: a system in operation on a platform component whose phase-out
	// has passed its end date, or that is not allowed (§4.5). Since: the
	// day after the end date, or when the component was found not allowed
	// on the system; until: the end date; detail: the status; ref: the
	// component; ref_text: its name and version.
	{Keys: []string{"r22_platform"}, Scope: bySystem, SQL: `
	SELECT 'r22_platform', s.id, COALESCE(own.id, 0), COALESCE(adm.id, 0),
	       CASE WHEN pc.status = 'avveckling' THEN (pc.ends_on + 1)::timestamp AT TIME ZONE 'Europe/Stockholm'
	            ELSE GREATEST(sp.added_at, pc.updated_at) END,
	       pc.ends_on, pc.status, pc.id, btrim(pc.name || ' ' || pc.version)
	FROM scope JOIN systems s ON s.id = scope.id
	JOIN system_platform_components sp ON sp.system_id = s.id
	JOIN platform_components pc ON pc.id = sp.component_id` + ownerOf + administratorOf + `
	WHERE s.lifecycle = 'i_drift' AND ((pc.status = 'avveckling' AND pc.ends_on < @today::date) OR pc.status = 'ej_tillaten')`},

	// R23: a granted network access (§6, §10) whose last day has passed
	// and that IT-enheten has not recorded as closed. It belongs to the
	// case's department and its decider (until: the last day; detail: the
	// organisation; ref: the case; ref_text: its number).
	{Keys: []string{"r23_expired"}, Scope: byNothing, SQL: `
	SELECT 'r23_expired', 0::bigint, COALESCE(r.department_id, 0), COALESCE(r.decided_by, 0),
	       (na.until + 1)::timestamp AT TIME ZONE 'Europe/Stockholm', na.until, COALESCE(r.details ->> 'organisation', ''), r.id, COALESCE(r.number, '')
	FROM requests r CROSS JOIN LATERAL (SELECT ` + networkAccessUntil + ` AS until) na
	WHERE r.kind = 'natanslutning' AND r.state = 'beviljat' AND na.until < @today::date
	  AND NOT EXISTS (SELECT 1 FROM network_access_closures nc WHERE nc.request_id = r.id)`},

	// R24: a mailbox in use (§8) without an active bevakare today: a
	// deputy alone does not count, nor a person no longer active. It
	// belongs to the mailbox's department (since: when its last bevakare's
	// period ended, or when it was registered; detail: the address; ref:
	// the mailbox; ref_text: its kind).
	{Keys: []string{"r24_unwatched"}, Scope: byNothing, SQL: `
	SELECT 'r24_unwatched', 0::bigint, m.department_id, 0::bigint,
	       GREATEST(m.created_at, (SELECT max(upper(w.valid)) FROM mailbox_watchers w
	                               WHERE w.mailbox_id = m.id AND w.role = 'bevakare' AND upper(w.valid) <= @today::date)::timestamp AT TIME ZONE 'Europe/Stockholm'),
	       NULL::date, m.address, m.id, m.kind
	FROM mailboxes m
	WHERE (m.closed_on IS NULL OR m.closed_on > @today::date)
	  AND NOT EXISTS (SELECT 1 FROM mailbox_watchers w JOIN people p ON p.id = w.person_id
	                  WHERE w.mailbox_id = m.id AND w.role = 'bevakare' AND w.valid @> @today::date AND p.active AND p.merged_into IS NULL)`},

	// R20: a person in the audience of a published mandatory course who
	// never took it (r20_missing; since: when the course or the person was
	// registered, the later) or whose interval has run out (r20_overdue;
	// since: the day after the due date; until: the due date). The
	// follow-up's rule, trainingDueCTEs (detail: the course; ref: the
	// course; ref_text: the last attendance).
	{Keys: []string{"r20_missing", "r20_overdue"}, Scope: byPerson, SQL: `, tpeople AS (SELECT p.* FROM pscope JOIN people p ON p.id = pscope.id), ` + trainingDueCTEs + `
	SELECT CASE WHEN t.status = 'saknas' THEN 'r20_missing' ELSE 'r20_overdue' END, 0::bigint, COALESCE(t.department_id, 0), t.person_id,
	       CASE WHEN t.status = 'saknas' THEN GREATEST(t.course_created, t.person_created)
	            ELSE (t.due_on + 1)::timestamp AT TIME ZONE 'Europe/Stockholm' END,
	       t.due_on, t.title, t.course_id, COALESCE(to_char(t.last_on, 'YYYY-MM-DD'), '')
	FROM tstat t WHERE t.status IN ('saknas', 'forfallen')`},

	// R21: a system in operation with a published mandatory course of its
	// own that has had no session in the last 12 months. A new course has
	// its first 12 months to be given (since: 12 months after the last
	// session, or after the course was registered; detail: the course;
	// ref: the course; ref_text: the last session's day).
	{Keys: []string{"r21_no_session"}, Scope: bySystem, SQL: `
	SELECT 'r21_no_session', s.id, COALESCE(own.id, 0), COALESCE(adm.id, 0),
	       COALESCE(ls.last, c.created_at) + interval '12 months', NULL::date, c.title, c.id,
	       COALESCE(to_char(ls.last AT TIME ZONE 'Europe/Stockholm', 'YYYY-MM-DD'), '')
	FROM scope JOIN systems s ON s.id = scope.id
	JOIN courses c ON c.system_id = s.id AND c.mandatory AND c.state = 'publicerad'` + ownerOf + administratorOf + `
	LEFT JOIN LATERAL (SELECT max(cs.starts_at) AS last FROM course_sessions cs
		WHERE cs.course_id = c.id AND cs.starts_at <= @now::timestamptz) ls ON true
	WHERE s.lifecycle = 'i_drift'
	  AND COALESCE(ls.last, c.created_at) < (@today::date - interval '12 months')::timestamp AT TIME ZONE 'Europe/Stockholm'`},

	// R18: a system in use with personal data that a supplier runs (SaaS,
	// entreprenad) without a processing record, or with a processor
	// registered but no signed agreement (detail "missing" or "unsigned";
	// ref: the record).
	{Keys: []string{"r18_no_agreement"}, Scope: bySystem, SQL: `
	SELECT 'r18_no_agreement', s.id, COALESCE(own.id, 0), COALESCE(adm.id, 0),
	       CASE WHEN pr.id IS NULL THEN ` + processingFactsSince + ` ELSE GREATEST(pr.created_at, ` + lifecycleSince + `) END, NULL::date,
	       CASE WHEN pr.id IS NULL THEN 'missing' ELSE 'unsigned' END, COALESCE(pr.id, 0), ''
	FROM scope JOIN systems s ON s.id = scope.id` + ownerOf + administratorOf + `
	LEFT JOIN processing_records pr ON pr.system_id = s.id
	WHERE s.lifecycle IN ('i_drift', 'under_avveckling') AND s.personal_data <> 'inga'
	  AND (CASE WHEN pr.id IS NULL THEN s.hosting IN ('saas', 'entreprenad') ELSE NOT pr.signed END)`},

	// R19: a processor's next oversight (portal.NextOversight, stored with
	// the record) lies before today, for a system not decommissioned
	// (until: the date it was due; ref: the record).
	{Keys: []string{"r19_overdue"}, Scope: bySystem, SQL: `
	SELECT 'r19_overdue', s.id, COALESCE(own.id, 0), COALESCE(adm.id, 0),
	       (pr.oversight_next_on + 1)::timestamp AT TIME ZONE 'Europe/Stockholm', pr.oversight_next_on,
	       COALESCE(to_char(pr.oversight_last_on, 'YYYY-MM-DD'), ''), pr.id, ''
	FROM scope JOIN processing_records pr ON pr.system_id = scope.id JOIN systems s ON s.id = pr.system_id` + ownerOf + administratorOf + `
	WHERE s.lifecycle <> 'avvecklad' AND pr.oversight_next_on < @today::date`},

	// R17: a licence in use beyond what was bought, as last counted (a
	// site licence allows any number), of a system not decommissioned.
	// Since: the day it was counted; detail: the model; ref: the licence;
	// ref_text: in use/bought.
	{Keys: []string{"r17_overused"}, Scope: bySystem, SQL: `
	SELECT 'r17_overused', s.id, COALESCE(own.id, 0), COALESCE(adm.id, 0),
	       l.counted_on::timestamp AT TIME ZONE 'Europe/Stockholm', NULL::date, l.model, l.id, l.in_use::text || '/' || l.bought::text
	FROM scope JOIN systems s ON s.id = scope.id JOIN licences l ON l.system_id = s.id` + ownerOf + administratorOf + `
	WHERE s.lifecycle <> 'avvecklad' AND l.model <> 'plats' AND l.in_use > l.bought`},
}

// breachRow is one row a check returns, as kept in compliance_breaches.
type breachRow struct {
	Kind         string
	SystemID     int64
	DepartmentID int64
	PersonID     int64
	Since        *time.Time
	Until        *time.Time
	Detail       string
	RefID        int64
	RefText      string
}

// hash identifies a breach: the SHA-256 of every column it is kept with.
func (b breachRow) hash() [32]byte {
	t := func(p *time.Time) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatInt(p.UnixMicro(), 10)
	}
	h := sha256.New()
	for _, f := range []string{b.Kind, strconv.FormatInt(b.SystemID, 10), strconv.FormatInt(b.DepartmentID, 10),
		strconv.FormatInt(b.PersonID, 10), t(b.Since), t(b.Until), b.Detail, strconv.FormatInt(b.RefID, 10), b.RefText} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// Scope names what a change may have altered, so its breaches are
// recomputed: systems, people, cases, every system or person, the
// municipality's own checks (R14), or (All) everything.
type Scope struct {
	Systems, People, Cases []int64
	AllSystems, AllPeople  bool
	Municipal              bool
	All                    bool
}

func (sc Scope) empty() bool {
	return !sc.All && !sc.AllSystems && !sc.AllPeople && !sc.Municipal && len(sc.Systems) == 0 && len(sc.People) == 0 && len(sc.Cases) == 0
}

// wide reports whether the scope covers every one of some kind.
func (sc Scope) wide() bool { return sc.All || sc.AllSystems || sc.AllPeople }

// ids returns the scope's ids of a kind: nil for every one of them (All),
// and ok=false when the kind is not in the scope.
func (sc Scope) ids(kind checkScope) (ids []int64, ok bool) {
	if sc.All || (kind == bySystem && sc.AllSystems) || (kind == byPerson && sc.AllPeople) {
		return nil, true
	}
	switch kind {
	case bySystem:
		ids = sc.Systems
	case byPerson:
		ids = sc.People
	case byCase:
		ids = sc.Cases
	case byNothing:
		return nil, sc.Municipal
	}
	return ids, len(ids) > 0
}

// storedFor selects the kept rows of the given kinds in a scope.
var storedFor = map[checkScope][2]string{
	bySystem: {`SELECT id, key_hash FROM compliance_breaches WHERE check_key = ANY(@keys) AND @ids::bigint[] IS NULL`,
		`SELECT id, key_hash FROM compliance_breaches WHERE check_key = ANY(@keys) AND system_id = ANY(@ids::bigint[])`},
	byPerson: {`SELECT id, key_hash FROM compliance_breaches WHERE check_key = ANY(@keys) AND @ids::bigint[] IS NULL`,
		`SELECT id, key_hash FROM compliance_breaches WHERE check_key = ANY(@keys) AND person_id = ANY(@ids::bigint[])`},
	byCase: {`SELECT id, key_hash FROM compliance_breaches WHERE check_key = ANY(@keys) AND @ids::bigint[] IS NULL`,
		`SELECT id, key_hash FROM compliance_breaches WHERE check_key = ANY(@keys) AND ref_id = ANY(@ids::bigint[])`},
	byNothing: {`SELECT id, key_hash FROM compliance_breaches WHERE check_key = ANY(@keys) AND @ids::bigint[] IS NULL`,
		`SELECT id, key_hash FROM compliance_breaches WHERE check_key = ANY(@keys) AND @ids::bigint[] IS NULL`},
}

// checkParams are the values every check runs with.
type checkParams struct {
	today    time.Time // Stockholm's date
	now      time.Time
	official string // the official web address (R13)
}

// lockFor takes, in id order, the rows a scope's recomputation is about,
// so two changes of one system (or person, or case) recompute one after
// the other and each sees the other's change.
var lockFor = map[checkScope]string{
	bySystem: `SELECT id FROM systems WHERE id = ANY(@ids::bigint[]) ORDER BY id FOR NO KEY UPDATE`,
	byPerson: `SELECT id FROM people WHERE id = ANY(@ids::bigint[]) ORDER BY id FOR NO KEY UPDATE`,
	byCase:   `SELECT id FROM requests WHERE id = ANY(@ids::bigint[]) ORDER BY id FOR NO KEY UPDATE`,
}

// drift is what a recomputation changed in the kept rows.
type drift struct{ added, removed int }

// refreshBreaches recomputes, inside tx, the breaches of everything in sc
// and brings compliance_breaches in line: the change that called it and
// the rows kept commit together. only, when given, limits it to checks
// whose keys include one of them (the periodic recomputation of the time
// checks). It runs in two round trips: the checks and the kept rows in one
// batch, then the difference.
func refreshBreaches(ctx context.Context, tx pgx.Tx, sc Scope, p checkParams, clockOnly bool) (drift, error) {
	var d drift
	if sc.empty() {
		return d, nil
	}
	type part struct {
		c     check
		ids   []int64
		fresh []breachRow
	}
	var parts []part
	for _, c := range checks {
		if clockOnly && !c.Clock {
			continue
		}
		ids, ok := sc.ids(c.Scope)
		if !ok {
			continue
		}
		parts = append(parts, part{c: c, ids: ids})
	}
	if len(parts) == 0 {
		return d, nil
	}
	b := &pgx.Batch{}
	// A recomputation of everything waits for, and holds off, the
	// recomputations of single things (compliance_breaches' SHARE ROW
	// EXCLUSIVE against their ROW EXCLUSIVE), so neither misses the other.
	if sc.wide() {
		b.Queue(`LOCK TABLE compliance_breaches IN SHARE ROW EXCLUSIVE MODE`)
	} else {
		b.Queue(`LOCK TABLE compliance_breaches IN ROW EXCLUSIVE MODE`)
		for _, kind := range []checkScope{bySystem, byPerson, byCase} {
			if ids, ok := sc.ids(kind); ok {
				b.Queue(lockFor[kind], pgx.NamedArgs{"ids": ids})
			}
		}
	}
	locks := b.Len()
	args := func(ids []int64) pgx.NamedArgs {
		return pgx.NamedArgs{"ids": ids, "today": p.today, "now": p.now}
	}
	for _, pt := range parts {
		b.Queue(scopeCTE[pt.c.Scope][variant(pt.ids)]+pt.c.SQL, args(pt.ids))
	}
	// The kept rows, per scope kind, of the checks run.
	kinds := map[checkScope][]string{}
	for _, pt := range parts {
		kinds[pt.c.Scope] = append(kinds[pt.c.Scope], pt.c.Keys...)
	}
	order := []checkScope{bySystem, byPerson, byCase, byNothing}
	for _, kind := range order {
		if keys := kinds[kind]; keys != nil {
			ids, _ := sc.ids(kind)
			b.Queue(storedFor[kind][variant(ids)], pgx.NamedArgs{"keys": keys, "ids": ids})
		}
	}
	br := tx.SendBatch(ctx, b)
	stored := map[[32]byte]int64{}
	err := func() error {
		for range locks {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		for i := range parts {
			rows, err := br.Query()
			if err != nil {
				return fmt.Errorf("check %s: %w", parts[i].c.Keys[0], err)
			}
			list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[breachRow])
			if err != nil {
				return fmt.Errorf("check %s: %w", parts[i].c.Keys[0], err)
			}
			parts[i].fresh = list
		}
		for _, kind := range order {
			if kinds[kind] == nil {
				continue
			}
			rows, err := br.Query()
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				var h []byte
				if err := rows.Scan(&id, &h); err != nil {
					rows.Close()
					return err
				}
				stored[[32]byte(h)] = id
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	}()
	if cerr := br.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return d, fmt.Errorf("recompute breaches: %w", translate(err))
	}
	// What the checks find and is not kept is added; what is kept and no
	// longer found is removed.
	var add []breachRow
	seen := map[[32]byte]bool{}
	for _, pt := range parts {
		for _, r := range pt.fresh {
			if r.Kind == "r13_address" && portal.OfficialWebsite(r.Detail, p.official) {
				continue
			}
			k := r.hash()
			if seen[k] {
				continue
			}
			seen[k] = true
			if _, ok := stored[k]; ok {
				delete(stored, k)
				continue
			}
			add = append(add, r)
		}
	}
	var remove []int64
	for _, id := range stored {
		remove = append(remove, id)
	}
	d = drift{added: len(add), removed: len(remove)}
	if len(add) == 0 && len(remove) == 0 {
		return d, nil
	}
	if err := writeBreaches(ctx, tx, add, remove); err != nil {
		return d, fmt.Errorf("recompute breaches: %w", err)
	}
	return d, nil
}

// variant picks a scope's statement: every one (0) or the ids (1).
func variant(ids []int64) int {
	if ids == nil {
		return 0
	}
	return 1
}

// writeBreaches removes and adds kept rows in one round trip.
func writeBreaches(ctx context.Context, tx pgx.Tx, add []breachRow, remove []int64) error {
	n := len(add)
	hash := make([][]byte, n)
	kind, detail, refText := make([]string, n), make([]string, n), make([]string, n)
	system, dept, person, ref := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	since, until := make([]*time.Time, n), make([]*time.Time, n)
	for i, r := range add {
		kind[i], system[i], dept[i], person[i], since[i], until[i], detail[i], ref[i], refText[i] =
			r.Kind, r.SystemID, r.DepartmentID, r.PersonID, r.Since, r.Until, r.Detail, r.RefID, r.RefText
		h := r.hash()
		hash[i] = h[:]
	}
	b := &pgx.Batch{}
	if len(remove) > 0 {
		b.Queue(`DELETE FROM compliance_breaches WHERE id = ANY($1)`, remove)
	}
	if n > 0 {
		b.Queue(`
			INSERT INTO compliance_breaches (check_key, system_id, department_id, person_id, since, until, detail, ref_id, ref_text, key_hash)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::date[], $7::text[], $8::bigint[], $9::text[], $10::bytea[])
			ON CONFLICT DO NOTHING`, kind, system, dept, person, since, until, detail, ref, refText, hash)
	}
	return translate(tx.SendBatch(ctx, b).Close())
}

// breachKeeper recomputes, in a change's transaction, the breaches the
// change may alter (refreshBreaches) with the portal's settings. Every
// service that writes something a check reads holds one.
type breachKeeper struct {
	official string           // ITPORTAL_OFFICIAL_WEB_ADDRESS (R13)
	now      func() time.Time // nil: time.Now
}

func (k breachKeeper) refresh(ctx context.Context, tx pgx.Tx, sc Scope) error {
	now := time.Now
	if k.now != nil {
		now = k.now
	}
	t := now()
	_, err := refreshBreaches(ctx, tx, sc, checkParams{today: portal.DateOf(t), now: t, official: k.official}, false)
	return err
}
