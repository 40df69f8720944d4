package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
)

// The compliance board (efterlevnad): every rule R1–R14 of the domain
// description is checked here and nowhere else. Each check is one SQL
// statement (R13 adds a Go predicate) that returns the rows breaking it;
// the board runs them all for the whole municipality, the system page runs
// the per-system ones for one system (SystemService.Breaches).

// ComplianceRule is one rule as the board shows it.
type ComplianceRule struct {
	ID      string // "R1"
	Slug    string // "r1": the drill-down is /efterlevnad/{slug}
	Section string // the section of Riktlinjer för IT it comes from, "4.3"
	Heading string // that section's heading, to link into the document's text
	Title   string // what the rule says, in Swedish
	// Municipal rules concern the whole municipality, not one department:
	// only IT-enheten's side sees their breaches.
	Municipal bool
	Checks    []ComplianceCheck
}

// ComplianceCheck is one thing the board checks for a rule.
type ComplianceCheck struct {
	Key  string // the kind of breach row it produces, e.g. "r1_missing"
	What string // what it checks, in Swedish
	// Guard checks must always be 0: the portal (or the database) already
	// refuses what they look for, so a breach means a safeguard failed.
	Guard bool
}

// ComplianceRules lists the rules in order, with their checks.
var ComplianceRules = []ComplianceRule{
	{ID: "R1", Slug: "r1", Section: "4.3", Heading: "4.3 Systemförvaltare",
		Title: "Varje system har i dag en systemägare, en systemförvaltare och en driftsansvarig.",
		Checks: []ComplianceCheck{
			{Key: "r1_missing", What: "System (utom avvecklade) som i dag saknar systemägare, systemförvaltare eller driftsansvarig."},
			{Key: "r1_inactive", What: "Systemförvaltare som inte längre är aktiva (anställningen har upphört eller kontot är avaktiverat)."},
		}},
	{ID: "R2", Slug: "r2", Section: "4.2", Heading: "4.2 Systemägare",
		Title: "Rollerna har perioder med datum; historiken är hel, skrivs aldrig över och visar vem som ändrade.",
		Checks: []ComplianceCheck{
			{Key: "r2_overlap", What: "Två innehavare av samma roll samma dag (ska vara omöjligt: databasen vägrar det).", Guard: true},
			{Key: "r2_gap", What: "Avslutade luckor i historiken: dagar då ingen hade rollen."},
			{Key: "r2_author", What: "Rollbyten utan registrerad upphovsperson (gjorda utanför portalens formulär)."},
		}},
	{ID: "R3", Slug: "r3", Section: "4.4.1", Heading: "4.4.1 Drift av verksamhetssystem",
		Title: "IT-enheten underrättas utan dröjsmål när ägare, förvaltare eller driftsansvar ändras.",
		Checks: []ComplianceCheck{
			{Key: "r3_failed", What: "Rollbyten vars avisering misslyckades (försöks igen eller har getts upp)."},
			{Key: "r3_waiting", What: "Rollbyten vars avisering fortfarande väntar i kön efter en timme."},
			{Key: "r3_missing", What: "Rollbyten utan någon avisering en timme efteråt."},
		}},
	{ID: "R4", Slug: "r4", Section: "4.2.1", Heading: "4.2.1 Införande och uppgradering av verksamhetssystem",
		Title: "Införande och uppgradering godkänns av IT-enheten med mål, plattform och ekonomisk konsekvens som underlag och en skriftlig motivering.",
		Checks: []ComplianceCheck{
			{Key: "r4_criteria", What: "Beslutade ärenden om införande eller uppgradering utan mål, plattformskompatibilitet, ekonomisk konsekvens eller motivering (ska vara 0).", Guard: true},
			{Key: "r4_no_case", What: "System i drift utan beviljat ärende om införande och utan markeringen Infört före IT-portalen."},
		}},
	{ID: "R5", Slug: "r5", Section: "4.5", Heading: "4.5 Fastställande av IT-infrastruktur",
		Title: "Inget ärende beviljas utan bekräftad finansiering (utom anmälan om driftförändring).",
		Checks: []ComplianceCheck{
			{Key: "r5_financing", What: "Beviljade ärenden utan bekräftad finansiering (ska vara 0).", Guard: true},
		}},
	{ID: "R6", Slug: "r6", Section: "7", Heading: "7. Programvara",
		Title: "Programvara med öppen källkod används efter särskild prövning av chefen för IT-enheten.",
		Checks: []ComplianceCheck{
			{Key: "r6_open_source", What: "System markerade som öppen källkod utan beviljat ärende om öppen källkod, beslutat av chefen för IT-enheten."},
		}},
	{ID: "R7", Slug: "r7", Section: "7", Heading: "7. Programvara",
		Title: "Egenutvecklade applikationer används bara efter särskilt beslut av chefen för IT-enheten.",
		Checks: []ComplianceCheck{
			{Key: "r7_self_developed", What: "System markerade som egenutvecklade utan beviljat ärende om egenutvecklad applikation, beslutat av chefen för IT-enheten."},
		}},
	{ID: "R8", Slug: "r8", Section: "4.2.1", Heading: "4.2.1 Införande och uppgradering av verksamhetssystem",
		Title: "Ett beslut är slutligt och fattas en gång.",
		Checks: []ComplianceCheck{
			{Key: "r8_decisions", What: "Ärenden med mer än ett beslut i tidslinjen (ska vara 0).", Guard: true},
		}},
	{ID: "R9", Slug: "r9", Section: "3", Heading: "3. Medel för att uppnå syftet",
		Title: "Nyanställda kvitterar Regler för IT-säkerhet (och andra styrdokument som ska kvitteras).",
		Checks: []ComplianceCheck{
			{Key: "r9_never", What: "Medarbetare som aldrig har kvitterat ett styrdokument som de ska kvittera, per dokument och förvaltning."},
		}},
	{ID: "R10", Slug: "r10", Section: "12", Heading: "12. Användning och ansvar",
		Title: "En ny version av ett styrdokument kvitteras på nytt av alla den gäller.",
		Checks: []ComplianceCheck{
			{Key: "r10_again", What: "Medarbetare som har kvitterat en tidigare version men inte den som kräver ny kvittens, per dokument och förvaltning."},
		}},
	{ID: "R11", Slug: "r11", Section: "8", Heading: "8. Personuppgiftslag och Offentlighetslagstiftning",
		Title: "En kvittens visar vem, vilken version (med kontrollsumman för den exakta texten) och när; den ändras aldrig.",
		Checks: []ComplianceCheck{
			{Key: "r11_hash", What: "Kvittenser vars kontrollsumma (SHA-256) inte stämmer med versionens text (ska vara 0).", Guard: true},
		}},
	{ID: "R12", Slug: "r12", Section: "3", Heading: "3. Medel för att uppnå syftet",
		Title: "Varje system utvärderas minst var tolfte månad.",
		Checks: []ComplianceCheck{
			{Key: "r12_overdue", What: "System i drift eller under avveckling vars utvärdering är försenad."},
		}},
	{ID: "R13", Slug: "r13", Section: "10", Heading: "10. Internetförbindelse och webbplats",
		Title: "Webbplatser som representerar kommunen använder den officiella adressen.",
		Checks: []ComplianceCheck{
			{Key: "r13_address", What: "Webbplatser som representerar kommunen men inte ligger på https och kommunens officiella adress."},
		}},
	{ID: "R14", Slug: "r14", Section: "8", Heading: "8. Personuppgiftslag och Offentlighetslagstiftning",
		Title: "Ärenden, beslut och rollbyten sparas i en historik som aldrig ändras.", Municipal: true,
		Checks: []ComplianceCheck{
			{Key: "r14_failed", What: "Den senaste nattliga kontrollen av granskningsloggens hashkedja hittade ett fel.", Guard: true},
			{Key: "r14_stale", What: "Ingen kontroll av granskningsloggen har lyckats de senaste 48 timmarna."},
			{Key: "r14_none", What: "Granskningsloggen har aldrig kontrollerats."},
		}},
}

// ComplianceRuleBySlug returns the rule with the drill-down slug ("r1").
func ComplianceRuleBySlug(slug string) (ComplianceRule, bool) {
	for _, r := range ComplianceRules {
		if r.Slug == slug {
			return r, true
		}
	}
	return ComplianceRule{}, false
}

// ruleOfCheck maps a check's key to its rule.
var ruleOfCheck = func() map[string]string {
	m := map[string]string{}
	for _, r := range ComplianceRules {
		for _, c := range r.Checks {
			m[c.Key] = r.ID
		}
	}
	return m
}()

// ComplianceBreach is one row breaking a rule, with who can fix it and how.
type ComplianceBreach struct {
	Rule           string // "R1"
	Check          string // "r1_missing"
	SystemID       int64
	SystemName     string
	DepartmentID   int64 // the department it belongs to (a system's owner, a person's department), or 0
	DepartmentName string
	PersonID       int64
	PersonName     string
	Since          time.Time // when it began; zero when unknown
	Message        string    // Swedish
	Fix            string    // who can fix it and how (Swedish)
	Link           string    // the page to fix it on, when there is one
	Count          int       // how many it stands for (people, for R9 and R10); else 1
	AssignmentID   int64     // R3: the role period whose notification is missing
}

// breachRow is what every check's SQL returns, in this column order.
type breachRow struct {
	Kind           string
	SystemID       int64
	SystemName     string
	DepartmentID   int64
	DepartmentName string
	PersonID       int64
	PersonName     string
	Since          *time.Time
	Until          *time.Time
	Detail         string
	N              int32
	RefID          int64
	RefText        string
}

// checkParams are the values every check runs with.
type checkParams struct {
	system   int64     // one system, or 0 for all
	today    time.Time // Stockholm's date
	now      time.Time
	official string // the official web address (R13)
}

// Per-system checks begin with a scope: the whole register or one system.
// Two texts, so the one-system statement keeps its own plan (an index probe).
const (
	scopeAll = `WITH scope AS (SELECT s.id FROM systems s WHERE $1::bigint = 0)`
	scopeOne = `WITH scope AS (SELECT s.id FROM systems s WHERE s.id = $1::bigint)`
)

// ownerOf joins the system's owning department today (or the last one),
// whose department the breach belongs to. $2 is today.
const ownerOf = `
	LEFT JOIN LATERAL (
		SELECT d.id, d.name FROM role_assignments o JOIN departments d ON d.id = o.department_id
		WHERE o.system_id = s.id AND o.role = 'owner' AND lower(o.valid) <= $2::date
		ORDER BY lower(o.valid) DESC LIMIT 1) own ON true`

// administratorOf joins the system's active administrator today.
const administratorOf = `
	LEFT JOIN LATERAL (
		SELECT p.id, p.name FROM role_assignments a JOIN people p ON p.id = a.person_id
		WHERE a.system_id = s.id AND a.role = 'administrator' AND a.valid @> $2::date AND p.active LIMIT 1) adm ON true`

// earlierPeriod: the role period ra is a change, not a system's first
// holder. A probe per candidate (few: most periods are delivered or have
// an author) costs less than listing every system's first periods.
const earlierPeriod = `EXISTS (SELECT 1 FROM role_assignments f WHERE f.system_id = ra.system_id AND f.role = ra.role AND f.id < ra.id)`

// R1: a role without a holder today; an administrator who is not active.
const (
	r1MissingSQL = `
	SELECT 'r1_missing', s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), 0::bigint, '',
	       COALESCE((SELECT max(upper(ra.valid)) FROM role_assignments ra
	                 WHERE ra.system_id = s.id AND ra.role = r.role AND upper(ra.valid) <= $2::date)::timestamp AT TIME ZONE 'Europe/Stockholm',
	                s.created_at),
	       NULL::date, r.role, 1, 0::bigint, ''
	FROM scope JOIN systems s ON s.id = scope.id
	CROSS JOIN (VALUES ('owner'), ('administrator'), ('operations')) r(role)` + ownerOf + `
	WHERE s.lifecycle <> 'avvecklad'
	  AND NOT EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.system_id = s.id AND ra.role = r.role AND ra.valid @> $2::date)`

	r1InactiveSQL = `
	SELECT 'r1_inactive', s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), p.id, p.name,
	       GREATEST(lower(ra.valid)::timestamp AT TIME ZONE 'Europe/Stockholm',
	                COALESCE((p.employed_to + 1)::timestamp AT TIME ZONE 'Europe/Stockholm', '-infinity'::timestamptz)),
	       NULL::date, 'administrator', 1, ra.id, ''
	FROM scope JOIN systems s ON s.id = scope.id
	JOIN role_assignments ra ON ra.system_id = s.id AND ra.role = 'administrator' AND ra.valid @> $2::date
	JOIN people p ON p.id = ra.person_id AND (NOT p.active OR p.merged_into IS NOT NULL)` + ownerOf + `
	WHERE s.lifecycle <> 'avvecklad'`
)

// R2: overlapping periods, closed gaps, changes without an author.
const (
	r2OverlapSQL = `
	SELECT 'r2_overlap', s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), 0::bigint, '',
	       lower(a.valid * b.valid)::timestamp AT TIME ZONE 'Europe/Stockholm', upper(a.valid * b.valid) - 1,
	       a.role, 1, b.id, ''
	FROM scope JOIN systems s ON s.id = scope.id
	JOIN role_assignments a ON a.system_id = s.id
	JOIN role_assignments b ON b.system_id = a.system_id AND b.role = a.role AND b.id > a.id AND a.valid && b.valid` + ownerOf

	// The days from the system's first role period to today on which a
	// role had no holder, for gaps that have ended (a gap running today is
	// R1's).
	r2GapSQL = `, per AS (
		SELECT ra.system_id, ra.role, count(*) AS n, min(lower(ra.valid)) AS lo
		FROM scope JOIN role_assignments ra ON ra.system_id = scope.id GROUP BY ra.system_id, ra.role
	), span AS (
		SELECT per.system_id, LEAST(min(per.lo), $2::date) AS lo FROM per GROUP BY per.system_id
	), candidates AS (
		-- Only a role with several periods, or one that began after the
		-- system's first, can have a gap that has ended.
		SELECT per.system_id, per.role, span.lo FROM per JOIN span ON span.system_id = per.system_id
		WHERE per.n > 1 OR per.lo > span.lo
	)
	SELECT 'r2_gap', s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), 0::bigint, '',
	       lower(g)::timestamp AT TIME ZONE 'Europe/Stockholm', upper(g) - 1, c.role, 1, 0::bigint, ''
	FROM candidates c JOIN systems s ON s.id = c.system_id
	CROSS JOIN LATERAL unnest(datemultirange(daterange(c.lo, $2::date + 1)) -
		(SELECT range_agg(ra.valid) FROM role_assignments ra WHERE ra.system_id = c.system_id AND ra.role = c.role)) g` + ownerOf + `
	WHERE upper(g) <= $2::date`

	r2AuthorSQL = `
	SELECT 'r2_author', s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), 0::bigint, '',
	       ra.created_at, NULL::date, ra.role, 1, ra.id, to_char(lower(ra.valid), 'YYYY-MM-DD')
	FROM scope JOIN systems s ON s.id = scope.id
	JOIN role_assignments ra ON ra.system_id = s.id AND ra.created_by IS NULL` + ownerOf + `
	WHERE ` + earlierPeriod
)

// R3: a role change whose notification failed, waits, or never was, an
// hour ($3 is now) after the change. The worker's record
// (role_change_notices) is durable; River's job, while it exists, tells a
// failure the worker could not record (a crash, a timeout).
const r3SQL = `, pending AS MATERIALIZED (
		-- Changes (a role's periods after its first) without a delivered
		-- notification: few, so River's jobs are looked up for them alone.
		SELECT ra.id, ra.system_id, ra.role, ra.valid, ra.created_at, n.outcome
		FROM (SELECT ra.*, row_number() OVER (PARTITION BY ra.system_id, ra.role ORDER BY ra.id) AS k
		      FROM scope JOIN role_assignments ra ON ra.system_id = scope.id) ra
		LEFT JOIN role_change_notices n ON n.assignment_id = ra.id
		WHERE ra.k > 1 AND (n.outcome IS NULL OR n.outcome = 'failed')
	)
	SELECT CASE WHEN ra.outcome = 'failed' OR jobs.failed THEN 'r3_failed' WHEN jobs.waiting THEN 'r3_waiting' ELSE 'r3_missing' END,
	       s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), 0::bigint, '',
	       ra.created_at, NULL::date, ra.role, 1, ra.id, to_char(lower(ra.valid), 'YYYY-MM-DD')
	FROM pending ra JOIN systems s ON s.id = ra.system_id` + ownerOf + `
	LEFT JOIN LATERAL (
		SELECT COALESCE(bool_or(j.state IN ('discarded', 'cancelled', 'retryable')), false) AS failed,
		       COALESCE(bool_or(j.state IN ('available', 'scheduled', 'running', 'pending')), false) AS waiting,
		       COALESCE(bool_or(j.state = 'completed'), false) AS completed
		FROM river_job j
		WHERE j.kind = 'notify' AND j.args @> jsonb_build_object('assignment_ids', jsonb_build_array(ra.id))) jobs ON true
	WHERE NOT jobs.completed
	  AND (ra.outcome = 'failed' OR jobs.failed OR ra.created_at < $3::timestamptz - interval '1 hour')`

// caseColumns are a case's system, department and decider.
const caseColumns = `COALESCE(r.system_id, 0), COALESCE(s.name, ''), COALESCE(r.department_id, 0), COALESCE(dep.name, ''),
	       COALESCE(r.decided_by, 0), COALESCE(dp.name, '')`

const caseJoins = `
	LEFT JOIN systems s ON s.id = r.system_id
	LEFT JOIN departments dep ON dep.id = r.department_id
	LEFT JOIN people dp ON dp.id = r.decided_by`

// R4: a decided introduction or upgrade without its grounds; a system in
// operation that was never introduced through a case.
const (
	r4CriteriaSQL = `
	SELECT 'r4_criteria', ` + caseColumns + `, r.decided_at, NULL::date,
	       concat_ws(',',
	           CASE WHEN btrim(COALESCE(r.details ->> 'goal_alignment', '')) = '' THEN 'goal' END,
	           CASE WHEN btrim(COALESCE(r.details ->> 'platform_compatibility', '')) = '' THEN 'platform' END,
	           CASE WHEN COALESCE(r.details ->> 'years', '') !~ '^[1-9][0-9]?$' THEN 'economy' END,
	           CASE WHEN btrim(r.decision_motivation) = '' THEN 'motivation' END),
	       1, r.id, COALESCE(r.number, '')
	FROM requests r` + caseJoins + `
	WHERE r.kind IN ('inforande', 'uppgradering') AND r.state IN ('beviljat', 'avslaget')
	  AND (btrim(COALESCE(r.details ->> 'goal_alignment', '')) = '' OR btrim(COALESCE(r.details ->> 'platform_compatibility', '')) = ''
	       OR COALESCE(r.details ->> 'years', '') !~ '^[1-9][0-9]?$' OR btrim(r.decision_motivation) = '')`

	r4NoCaseSQL = `
	SELECT 'r4_no_case', s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), 0::bigint, '',
	       COALESCE((SELECT max(al.at) FROM audit_log al WHERE al.object_type = 'system' AND al.object_id = s.id::text AND al.changes ? 'lifecycle'),
	                s.created_at),
	       NULL::date, '', 1, 0::bigint, ''
	FROM scope JOIN systems s ON s.id = scope.id` + ownerOf + `
	WHERE s.lifecycle = 'i_drift' AND NOT s.introduced_before_portal
	  AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.system_id = s.id AND r.kind = 'inforande' AND r.state = 'beviljat')`
)

// R5: granted without confirmed financing.
const r5SQL = `
	SELECT 'r5_financing', ` + caseColumns + `, r.decided_at, NULL::date, r.kind, 1, r.id, COALESCE(r.number, '')
	FROM requests r` + caseJoins + `
	WHERE r.state = 'beviljat' AND r.kind <> 'driftforandring' AND (NOT r.financing_confirmed OR btrim(r.financing_source) = '')`

// grantedByHead: case r was granted by the IT head or the deputy, as the
// decider's roles were when they decided (the last role change recorded
// before the decision; their roles today when none was recorded).
const grantedByHead = `r.state = 'beviljat' AND COALESCE(
		(SELECT (al.changes -> 'roles' -> 'after') ?| ARRAY['it_head', 'it_head_deputy'] FROM audit_log al
		 WHERE al.object_type = 'person' AND al.object_id = r.decided_by::text AND al.action = 'person.roles_changed' AND al.at <= r.decided_at
		 ORDER BY al.at DESC, al.id DESC LIMIT 1),
		EXISTS (SELECT 1 FROM person_roles pr WHERE pr.person_id = r.decided_by AND pr.role IN ('it_head', 'it_head_deputy')))`

// R6 and R7: a flag without the IT head's decision. The detail says
// whether a case was granted by someone else.
const (
	r6SQL = `
	SELECT 'r6_open_source', s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), 0::bigint, '',
	       COALESCE((SELECT max(al.at) FROM audit_log al WHERE al.object_type = 'system' AND al.object_id = s.id::text AND al.changes ? 'open_source'),
	                s.created_at),
	       NULL::date,
	       CASE WHEN EXISTS (SELECT 1 FROM requests r WHERE r.system_id = s.id AND r.kind = 'oppen_kallkod' AND r.state = 'beviljat') THEN 'not_head' ELSE '' END,
	       1, 0::bigint, ''
	FROM scope JOIN systems s ON s.id = scope.id` + ownerOf + `
	WHERE s.open_source
	  AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.system_id = s.id AND r.kind = 'oppen_kallkod' AND ` + grantedByHead + `)`

	r7SQL = `
	SELECT 'r7_self_developed', s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), 0::bigint, '',
	       COALESCE((SELECT max(al.at) FROM audit_log al WHERE al.object_type = 'system' AND al.object_id = s.id::text AND al.changes ? 'self_developed'),
	                s.created_at),
	       NULL::date,
	       CASE WHEN EXISTS (SELECT 1 FROM requests r WHERE r.system_id = s.id AND r.kind = 'egenutvecklad' AND r.state = 'beviljat') THEN 'not_head' ELSE '' END,
	       1, 0::bigint, s.self_developed_ref
	FROM scope JOIN systems s ON s.id = scope.id` + ownerOf + `
	WHERE s.self_developed
	  AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.system_id = s.id AND r.kind = 'egenutvecklad' AND ` + grantedByHead + `)`
)

// R8: more than one decision event on a case.
const r8SQL = `
	SELECT 'r8_decisions', COALESCE(r.system_id, 0), COALESCE(s.name, ''), COALESCE(r.department_id, 0), COALESCE(dep.name, ''),
	       0::bigint, '', min(e.at), NULL::date, count(*)::text, 1, r.id, COALESCE(r.number, '')
	FROM request_events e JOIN requests r ON r.id = e.request_id
	LEFT JOIN systems s ON s.id = r.system_id LEFT JOIN departments dep ON dep.id = r.department_id
	WHERE e.to_state IN ('beviljat', 'avslaget', 'kvitterad')
	GROUP BY r.id, s.name, dep.name HAVING count(*) > 1`

// R9 and R10: per document in force and department, the active staff in
// its audience who never acknowledged it (R9) or acknowledged only a
// version before the one that asked everyone again (R10). $1 is today.
const r9r10SQL = followUpDocs + `, acked AS (
		SELECT a.person_id, v.document_id, max(v.number) AS top
		FROM acknowledgements a JOIN document_versions v ON v.id = a.version_id JOIN docs ON docs.id = v.document_id
		GROUP BY a.person_id, v.document_id
	)
	SELECT CASE WHEN acked.top IS NULL THEN 'r9_never' ELSE 'r10_again' END, 0::bigint, '',
	       COALESCE(p.department_id, 0), COALESCE(dep.name, ''), 0::bigint, '',
	       min(GREATEST(docs.since, p.created_at)), NULL::date, docs.title, count(*)::int, docs.id, docs.number::text
	FROM docs JOIN people p ON p.active AND p.merged_into IS NULL
	LEFT JOIN acked ON acked.person_id = p.id AND acked.document_id = docs.id
	LEFT JOIN departments dep ON dep.id = p.department_id
	WHERE (acked.top IS NULL OR acked.top < docs.base_number)
	  AND (docs.audience_all OR EXISTS (SELECT 1 FROM document_departments dd WHERE dd.document_id = docs.id AND dd.department_id = p.department_id))
	GROUP BY 1, p.department_id, dep.name, docs.id, docs.title, docs.number`

// R11: a receipt whose hash is not the SHA-256 of its version's stored
// text (each version's text is hashed once).
const r11SQL = `
	WITH v AS MATERIALIZED (
		SELECT v.id, v.number, d.title, encode(sha256(convert_to(v.markdown, 'UTF8')), 'hex') AS text_hash
		FROM document_versions v JOIN documents d ON d.id = v.document_id
	)
	SELECT 'r11_hash', 0::bigint, '', COALESCE(p.department_id, 0), COALESCE(dep.name, ''), p.id, p.name,
	       a.acknowledged_at, NULL::date, v.title, 1, a.id, v.number::text
	FROM acknowledgements a JOIN v ON v.id = a.version_id JOIN people p ON p.id = a.person_id
	LEFT JOIN departments dep ON dep.id = p.department_id
	WHERE a.sha256 <> v.text_hash`

// R12: an evaluation overdue, as the view evaluation_due says.
const r12SQL = `
	SELECT 'r12_overdue', s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), COALESCE(adm.id, 0), COALESCE(adm.name, ''),
	       (ed.due_on + 1)::timestamp AT TIME ZONE 'Europe/Stockholm', ed.due_on, COALESCE(to_char(ed.last_on, 'YYYY-MM-DD'), ''),
	       1, 0::bigint, ''
	FROM scope JOIN evaluation_due ed ON ed.system_id = scope.id JOIN systems s ON s.id = ed.system_id` + ownerOf + administratorOf + `
	WHERE ed.required AND ed.due_on < $2::date`

// R13: the websites that represent the municipality; a Go predicate
// (portal.OfficialWebsite) keeps those off the official address.
const r13SQL = `
	SELECT 'r13_address', s.id, s.name, COALESCE(own.id, 0), COALESCE(own.name, ''), COALESCE(adm.id, 0), COALESCE(adm.name, ''),
	       COALESCE((SELECT max(al.at) FROM audit_log al WHERE al.object_type = 'system' AND al.object_id = s.id::text
	                 AND (al.changes ? 'web_address' OR al.changes ? 'represents_municipality')), s.created_at),
	       NULL::date, s.web_address, 1, 0::bigint, ''
	FROM scope JOIN systems s ON s.id = scope.id` + ownerOf + administratorOf + `
	WHERE s.represents_municipality AND s.lifecycle <> 'avvecklad'`

// R14: the last nightly verification of the audit chain failed, or none
// succeeded within 48 hours ($1 is now).
const r14SQL = `
	WITH last AS (SELECT * FROM audit_verifications ORDER BY at DESC, id DESC LIMIT 1),
	     good AS (SELECT max(at) AS at FROM audit_verifications WHERE ok)
	SELECT 'r14_none', 0::bigint, '', 0::bigint, '', 0::bigint, '', NULL::timestamptz, NULL::date, '', 1, 0::bigint, ''
	WHERE NOT EXISTS (SELECT 1 FROM last)
	UNION ALL
	SELECT 'r14_failed', 0, '', 0, '', 0, '', last.at, NULL, last.problem, 1, COALESCE(last.first_broken_seq, 0),
	       last.rows_checked::text || ':' || last.anchors_checked::text
	FROM last WHERE NOT last.ok
	UNION ALL
	SELECT 'r14_stale', 0, '', 0, '', 0, '', COALESCE(good.at + interval '48 hours', last.at), NULL, '', 1, 0, ''
	FROM last, good WHERE last.ok AND good.at < $1::timestamptz - interval '48 hours'`

// guidelineQuery finds the governing document that holds the rules' text.
const guidelineQuery = `
	SELECT d.slug FROM documents d
	WHERE d.kind = 'riktlinje' AND EXISTS (SELECT 1 FROM document_versions v WHERE v.document_id = d.id AND v.published_at IS NOT NULL)
	ORDER BY d.slug = 'riktlinjer-for-it' DESC, d.id LIMIT 1`

// queueSystemChecks queues the per-system checks (R1, R2, R3, R4's system
// check, R6, R7, R12, R13) for p.system, or every system when it is 0.
func queueSystemChecks(b *pgx.Batch, p checkParams) {
	if p.system == 0 {
		b.Queue(scopeAll+r1MissingSQL, p.system, p.today)
		b.Queue(scopeAll+r1InactiveSQL, p.system, p.today)
		b.Queue(scopeAll+r2OverlapSQL, p.system, p.today)
		b.Queue(scopeAll+r2GapSQL, p.system, p.today)
		b.Queue(scopeAll+r2AuthorSQL, p.system, p.today)
		b.Queue(scopeAll+r3SQL, p.system, p.today, p.now)
		b.Queue(scopeAll+r4NoCaseSQL, p.system, p.today)
		b.Queue(scopeAll+r6SQL, p.system, p.today)
		b.Queue(scopeAll+r7SQL, p.system, p.today)
		b.Queue(scopeAll+r12SQL, p.system, p.today)
		b.Queue(scopeAll+r13SQL, p.system, p.today)
		return
	}
	b.Queue(scopeOne+r1MissingSQL, p.system, p.today)
	b.Queue(scopeOne+r1InactiveSQL, p.system, p.today)
	b.Queue(scopeOne+r2OverlapSQL, p.system, p.today)
	b.Queue(scopeOne+r2GapSQL, p.system, p.today)
	b.Queue(scopeOne+r2AuthorSQL, p.system, p.today)
	b.Queue(scopeOne+r3SQL, p.system, p.today, p.now)
	b.Queue(scopeOne+r4NoCaseSQL, p.system, p.today)
	b.Queue(scopeOne+r6SQL, p.system, p.today)
	b.Queue(scopeOne+r7SQL, p.system, p.today)
	b.Queue(scopeOne+r12SQL, p.system, p.today)
	b.Queue(scopeOne+r13SQL, p.system, p.today)
}

// queueMunicipalChecks queues the checks that are not about one system:
// cases (R4's grounds, R5, R8), acknowledgements (R9–R11), the audit log (R14).
func queueMunicipalChecks(b *pgx.Batch, p checkParams) {
	b.Queue(r4CriteriaSQL)
	b.Queue(r5SQL)
	b.Queue(r8SQL)
	b.Queue(r9r10SQL, p.today)
	b.Queue(r11SQL)
	b.Queue(r14SQL, p.now)
}

// readChecks reads the results of the batch's n check statements, keeps
// what the Go predicates keep and describes each row.
func readChecks(br pgx.BatchResults, n int, p checkParams) ([]ComplianceBreach, error) {
	var out []ComplianceBreach
	for range n {
		rows, err := br.Query()
		if err != nil {
			return nil, translate(err)
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[breachRow])
		if err != nil {
			return nil, translate(err)
		}
		for _, r := range list {
			if r.Kind == "r13_address" && portal.OfficialWebsite(r.Detail, p.official) {
				continue
			}
			out = append(out, describe(r, p))
		}
	}
	return out, nil
}

// systemBreaches runs the per-system checks for one system in tx.
func systemBreaches(ctx context.Context, tx pgx.Tx, p checkParams) ([]ComplianceBreach, error) {
	b := &pgx.Batch{}
	queueSystemChecks(b, p)
	n := b.Len()
	br := tx.SendBatch(ctx, b)
	out, err := readChecks(br, n, p)
	if cerr := br.Close(); err == nil && cerr != nil {
		err = translate(cerr)
	}
	sortBreaches(out)
	return out, err
}

// ruleOrder is each rule's place in ComplianceRules.
var ruleOrder = func() map[string]int {
	m := map[string]int{}
	for i, r := range ComplianceRules {
		m[r.ID] = i
	}
	return m
}()

// sortBreaches orders breaches by rule, then oldest first, then system.
func sortBreaches(list []ComplianceBreach) {
	order := ruleOrder
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Rule != b.Rule {
			return order[a.Rule] < order[b.Rule]
		}
		if !a.Since.Equal(b.Since) {
			return a.Since.Before(b.Since)
		}
		if a.SystemName != b.SystemName {
			return a.SystemName < b.SystemName
		}
		return a.DepartmentName < b.DepartmentName
	})
}

// roleLabel is a role's Swedish name in running text.
func roleLabel(role string) string { return strings.ToLower(portal.SystemRole(role).Label()) }

// describe turns a check's row into a breach with its Swedish message and
// who can fix it and how.
func describe(r breachRow, p checkParams) ComplianceBreach {
	b := ComplianceBreach{Rule: ruleOfCheck[r.Kind], Check: r.Kind, SystemID: r.SystemID, SystemName: r.SystemName,
		DepartmentID: r.DepartmentID, DepartmentName: r.DepartmentName, PersonID: r.PersonID, PersonName: r.PersonName, Count: int(r.N)}
	if r.Since != nil {
		b.Since = *r.Since
	}
	if b.Count < 1 {
		b.Count = 1
	}
	system := "/system/" + strconv.FormatInt(r.SystemID, 10)
	caseLink := "/arenden/" + strconv.FormatInt(r.RefID, 10)
	owner := "Systemägaren"
	if r.DepartmentName != "" {
		owner = "Systemägaren (" + r.DepartmentName + ")"
	}
	switch r.Kind {
	case "r1_missing":
		b.Message = "Systemet saknar " + roleLabel(r.Detail) + "."
		b.Fix = "IT-enheten registrerar en ny innehavare under Ändra roller."
		if r.Detail == string(portal.RoleAdministrator) {
			b.Fix = owner + " utser en systemförvaltare; IT-enheten registrerar den under Ändra roller."
		}
		b.Link = system + "/roller?roll=" + r.Detail
	case "r1_inactive":
		b.Message = "Systemförvaltaren " + r.PersonName + " är inte längre aktiv: systemet saknar systemförvaltare."
		b.Fix = owner + " utser en ny systemförvaltare; IT-enheten registrerar den (Överlämna på personens sida eller Ändra roller)."
		b.Link = "/personer/" + strconv.FormatInt(r.PersonID, 10)
	case "r2_overlap":
		b.Message = portal.SystemRole(r.Detail).Label() + " har två innehavare samma dagar" + periodText(b.Since, r.Until) + "."
		b.Fix = "Databasens regel mot överlapp har kringgåtts: IT-enheten och databasadministratören rättar perioderna och utreder hur det gick till."
		b.Link = system + "/historik"
	case "r2_gap":
		b.Message = portal.SystemRole(r.Detail).Label() + " saknades" + periodText(b.Since, r.Until) + "."
		b.Fix = "Om någon faktiskt hade rollen rättar IT-enheten historiken med en bakåtdaterad ändring under Ändra roller."
		b.Link = system + "/historik"
	case "r2_author":
		b.Message = "Bytet av " + roleLabel(r.Detail) + " från " + r.RefText + " har ingen registrerad upphovsperson."
		b.Fix = "IT-enheten tar reda på vem som gjorde ändringen och antecknar det; rollbyten görs i portalen så att de får en upphovsperson."
		b.Link = system + "/historik"
	case "r3_failed", "r3_waiting", "r3_missing":
		b.AssignmentID = r.RefID
		what := "Bytet av " + roleLabel(r.Detail) + " från " + r.RefText
		switch r.Kind {
		case "r3_failed":
			b.Message = what + ": aviseringen till IT-enheten misslyckades."
			b.Fix = "En administratör ser felet under Bakgrundsjobb och försöker igen, eller IT-enheten skickar aviseringen på nytt här."
		case "r3_waiting":
			b.Message = what + ": aviseringen har väntat i kön i mer än en timme."
			b.Fix = "En administratör kontrollerar under Bakgrundsjobb att bakgrundsjobben körs (ITPORTAL_WORKERS)."
		default:
			b.Message = what + ": ingen avisering skickades till IT-enheten."
			b.Fix = "IT-enheten skickar aviseringen här; rollbyten görs i portalen så att aviseringen skickas direkt."
		}
		b.Link = system + "/historik"
	case "r4_criteria":
		var missing []string
		for _, m := range strings.Split(r.Detail, ",") {
			switch m {
			case "goal":
				missing = append(missing, "övergripande mål")
			case "platform":
				missing = append(missing, "kompatibilitet med plattformen")
			case "economy":
				missing = append(missing, "ekonomisk konsekvens (antal år)")
			case "motivation":
				missing = append(missing, "skriftlig motivering")
			}
		}
		b.Message = "Ärende " + r.RefText + " beslutades utan " + strings.Join(missing, ", ") + "."
		b.Fix = "Portalens kontroll har kringgåtts: IT-enheten utreder hur beslutet kom till och dokumenterar underlaget i ett nytt ärende."
		b.Link = caseLink
	case "r4_no_case":
		b.Message = "Systemet är i drift utan ett beviljat ärende om införande."
		b.Fix = owner + " lämnar in ett ärende om införande. Infördes systemet före IT-portalen markerar IT-enheten det som Infört före IT-portalen och skriver varför under Anteckningar."
		b.Link = system + "/redigera"
	case "r5_financing":
		b.Message = "Ärende " + r.RefText + " beviljades utan bekräftad finansiering."
		b.Fix = "Portalens kontroll har kringgåtts: IT-enheten utreder beslutet och förvaltningen bekräftar finansieringen i ett nytt ärende."
		b.Link = caseLink
	case "r6_open_source", "r7_self_developed":
		kind, label := portal.KindOpenSource, "öppen källkod"
		if r.Kind == "r7_self_developed" {
			kind, label = portal.KindSelfDeveloped, "egenutvecklat"
		}
		b.Message = "Systemet är markerat som " + label + " utan beviljat ärende om " + strings.ToLower(kind.Label()) + " från chefen för IT-enheten."
		if r.Detail == "not_head" {
			b.Message = "Systemet är markerat som " + label + "; ärendet beviljades av någon annan än chefen för IT-enheten."
		}
		if r.RefText != "" {
			b.Message += " Beslutsreferens i registret: " + r.RefText + "."
		}
		b.Fix = owner + " lämnar in ett ärende om " + strings.ToLower(kind.Label()) + " som chefen för IT-enheten prövar; är markeringen fel tar IT-enheten bort den."
		b.Link = "/arenden/nytt?typ=" + string(kind) + "&system_id=" + strconv.FormatInt(r.SystemID, 10)
	case "r8_decisions":
		b.Message = "Ärende " + r.RefText + " har " + r.Detail + " beslut i tidslinjen."
		b.Fix = "Databasens spärr mot ett andra beslut har kringgåtts: IT-enheten och databasadministratören utreder vilket beslut som gäller."
		b.Link = caseLink
	case "r9_never", "r10_again":
		people := strconv.Itoa(b.Count) + " medarbetare"
		if b.Count == 1 {
			people = "1 medarbetare"
		}
		if r.Kind == "r9_never" {
			b.Message = people + " har aldrig kvitterat " + r.Detail + " (version " + r.RefText + ")."
		} else {
			b.Message = people + " har inte kvitterat den nya versionen " + r.RefText + " av " + r.Detail + "."
		}
		b.Fix = "Cheferna ser till att medarbetarna läser och kvitterar; portalen påminner dem varje vecka. Uppföljning per person under Kvittenser."
		b.Link = "/efterlevnad/kvittenser"
	case "r11_hash":
		b.Message = "Kvittensen av " + r.Detail + " version " + r.RefText + " har en kontrollsumma som inte stämmer med versionens text."
		b.Fix = "IT-enheten utreder avvikelsen (kvittenser ändras aldrig) med bevisexporten; personen kvitterar på nytt."
		b.Link = "/efterlevnad/bevis.csv?person=" + strconv.FormatInt(r.PersonID, 10)
	case "r12_overdue":
		due := ""
		if r.Until != nil {
			due = day(*r.Until)
		}
		b.Message = "Utvärderingen är försenad (skulle ha gjorts senast " + due + ")."
		b.Fix = "Systemförvaltaren gör utvärderingen."
		if r.PersonName != "" {
			b.Fix = "Systemförvaltaren " + r.PersonName + " gör utvärderingen."
		}
		b.Link = system
	case "r13_address":
		b.Message = "Webbplatsen " + r.Detail + " använder inte kommunens officiella adress " + p.official + "."
		b.Fix = "Systemförvaltaren flyttar webbplatsen till kommunens officiella adress (https) och uppdaterar webbadressen i registret."
		b.Link = system + "/redigera"
	case "r14_failed":
		b.Message = "Kontrollen av granskningsloggen hittade ett fel"
		if r.RefID != 0 {
			b.Message += " vid rad " + strconv.FormatInt(r.RefID, 10)
		}
		if r.Detail != "" {
			b.Message += ": " + r.Detail
		}
		b.Message += "."
		b.Fix = "IT-enheten kör itportal audit verify --anchors mot de sparade kontrollsummorna och utreder ändringen med databasadministratören."
	case "r14_stale":
		b.Message = "Ingen kontroll av granskningsloggen har lyckats de senaste 48 timmarna."
		b.Fix = "En administratör kontrollerar under Bakgrundsjobb att den nattliga kontrollen körs (ITPORTAL_WORKERS)."
		b.Link = "/admin/jobb"
	case "r14_none":
		b.Message = "Granskningsloggen har aldrig kontrollerats."
		b.Fix = "Den nattliga kontrollen körs 02.30; IT-enheten kan köra itportal audit verify direkt."
	}
	return b
}

// periodText is " from–to" (or " från from") for a period; from is a
// point in time (its Stockholm date counts), until a calendar date.
func periodText(from time.Time, until *time.Time) string {
	if from.IsZero() {
		return ""
	}
	if until == nil {
		return " från " + day(portal.DateOf(from))
	}
	return " " + day(portal.DateOf(from)) + "–" + day(*until)
}

// ComplianceService is the compliance board over pool.
type ComplianceService struct {
	pool     *pgxpool.Pool
	enqueue  Enqueuer
	official string
	now      func() time.Time
}

// NewComplianceService returns the board. now is the clock (time.Now in
// production); official is ITPORTAL_OFFICIAL_WEB_ADDRESS.
func NewComplianceService(pool *pgxpool.Pool, enqueue Enqueuer, officialWebAddress string, now func() time.Time) *ComplianceService {
	if now == nil {
		now = time.Now
	}
	return &ComplianceService{pool: pool, enqueue: enqueue, official: officialWebAddress, now: now}
}

// boardData is one computation of the whole board.
type boardData struct {
	at          time.Time
	day         time.Time
	breaches    []ComplianceBreach // in rule order
	guideline   string
	departments []portal.Department
	// Indexes made once per computation, so a view costs little: each
	// department's breaches (in rule order), and the counts per check for
	// everyone and per department.
	byDepartment map[int64][]ComplianceBreach
	counts       map[string]int
	deptCounts   map[int64]map[string]int
	deptNames    map[int64]string
}

// index fills the board's indexes from its sorted breaches.
func (d *boardData) index() {
	d.byDepartment = map[int64][]ComplianceBreach{}
	d.counts = map[string]int{}
	d.deptCounts = map[int64]map[string]int{}
	d.deptNames = map[int64]string{}
	for _, b := range d.breaches {
		d.byDepartment[b.DepartmentID] = append(d.byDepartment[b.DepartmentID], b)
		d.counts[b.Check] += b.Count
		if d.deptCounts[b.DepartmentID] == nil {
			d.deptCounts[b.DepartmentID] = map[string]int{}
		}
		d.deptCounts[b.DepartmentID][b.Check] += b.Count
		d.deptNames[b.DepartmentID] = b.DepartmentName
	}
}

// board computes the whole board now.
func (s *ComplianceService) board(ctx context.Context) (*boardData, error) {
	return s.compute(ctx)
}

// compute runs every check for the whole municipality: the per-system
// checks and the others as two batches on two connections at once (each
// one round trip, each in one read-only snapshot).
func (s *ComplianceService) compute(ctx context.Context) (*boardData, error) {
	now := s.now()
	p := checkParams{today: portal.DateOf(now), now: now, official: s.official}
	data := &boardData{at: now, day: p.today}
	var municipal []ComplianceBreach
	var wg sync.WaitGroup
	var errMunicipal error
	wg.Add(1)
	go func() {
		defer wg.Done()
		errMunicipal = s.batch(ctx, func(b *pgx.Batch) { queueMunicipalChecks(b, p) }, func(br pgx.BatchResults, n int) (err error) {
			municipal, err = readChecks(br, n, p)
			return err
		})
	}()
	err := s.batch(ctx, func(b *pgx.Batch) {
		b.Queue(guidelineQuery)
		b.Queue(`SELECT id, name, short_name, active FROM departments WHERE active ORDER BY name COLLATE swedish, id`)
		queueSystemChecks(b, p)
	}, func(br pgx.BatchResults, n int) error {
		if err := br.QueryRow().Scan(&data.guideline); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return translate(err)
		}
		rows, err := br.Query()
		if err != nil {
			return translate(err)
		}
		if data.departments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (portal.Department, error) {
			var d portal.Department
			return d, r.Scan(&d.ID, &d.Name, &d.ShortName, &d.Active)
		}); err != nil {
			return translate(err)
		}
		data.breaches, err = readChecks(br, n-2, p)
		return err
	})
	wg.Wait()
	if err == nil {
		err = errMunicipal
	}
	if err != nil {
		return nil, fmt.Errorf("compliance board: %w", err)
	}
	data.breaches = append(data.breaches, municipal...)
	sortBreaches(data.breaches)
	data.index()
	return data, nil
}

// batch sends what queue queues as one batch in a read-only transaction
// and lets read take the n results.
func (s *ComplianceService) batch(ctx context.Context, queue func(*pgx.Batch), read func(br pgx.BatchResults, n int) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return translate(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	b := &pgx.Batch{}
	// The board runs once a minute at most: each check is planned for the
	// values it runs with (the pool's generic plans guess at a date's
	// selectivity), and not compiled (JIT would cost more than it saves).
	b.Queue(`SET LOCAL plan_cache_mode = force_custom_plan`)
	b.Queue(`SET LOCAL jit = off`)
	queue(b)
	br := tx.SendBatch(ctx, b)
	err = func() error {
		for range 2 {
			if _, err := br.Exec(); err != nil {
				return translate(err)
			}
		}
		return read(br, b.Len()-2)
	}()
	if cerr := br.Close(); err == nil && cerr != nil {
		err = translate(cerr)
	}
	return err
}

// seesAll reports whether the actor sees every department's breaches:
// IT-enheten, the IT head and deputy, administrators.
func seesAll(a *portal.Actor) bool {
	return a.HasAny(portal.RoleITUnit, portal.RoleITHead, portal.RoleITHeadDeputy, portal.RoleAdmin)
}

// Board is what /efterlevnad shows one viewer.
type Board struct {
	ComputedAt time.Time
	// All: the viewer sees every department (and may filter by one);
	// others see their own department only.
	All          bool
	DepartmentID int64 // the department shown; 0 for all
	Department   string
	Guideline    string // slug of the governing document with the rules, "" when none
	Rules        []RuleState
	Departments  []DepartmentState   // per department (the viewer's own only, for others)
	Choices      []portal.Department // departments to filter by (IT-enheten's side)
	list         []ComplianceBreach  // the breaches the viewer sees, with the filter
}

// RuleState is a rule with its number of breaches for the viewer.
type RuleState struct {
	ComplianceRule
	Count  int
	Hidden bool // a municipal rule the viewer does not see
	Checks []CheckState
}

// Guard reports whether a breach of the rule means a safeguard failed.
func (r RuleState) Guard() bool {
	for _, c := range r.Checks {
		if c.Guard && c.Count > 0 {
			return true
		}
	}
	return false
}

// CheckState is one check with its number of breaches.
type CheckState struct {
	ComplianceCheck
	Count int
}

// DepartmentState is one department's breaches per rule.
type DepartmentState struct {
	ID      int64 // 0: breaches that belong to no department
	Name    string
	Total   int
	PerRule []RuleCount // the rules it breaks, in order
}

// RuleCount is a number of breaches of one rule.
type RuleCount struct {
	Rule  ComplianceRule
	Count int
}

// Board returns the board for actor, for one department (0: every
// department the viewer may see). Everyone signed in sees the board of
// their own department; IT-enheten's side sees every department.
func (s *ComplianceService) Board(ctx context.Context, actor *portal.Actor, department int64) (Board, error) {
	var out Board
	if actor == nil {
		return out, portal.Forbidden("Logga in.")
	}
	data, err := s.board(ctx)
	if err != nil {
		return out, err
	}
	return s.view(actor, data, department), nil
}

func (s *ComplianceService) view(actor *portal.Actor, data *boardData, filter int64) Board {
	out := Board{ComputedAt: data.at, All: seesAll(actor), Guideline: data.guideline}
	department := filter
	if out.All {
		out.Choices = data.departments
	} else {
		department = actor.DepartmentID
	}
	known := false
	for _, d := range data.departments {
		if d.ID == department && department != 0 {
			out.DepartmentID, out.Department, known = d.ID, d.Name, true
		}
	}
	switch {
	case out.All && !known:
		department = 0 // an unknown filter is ignored: every department
	case !out.All:
		out.DepartmentID = department // their own, even when no longer active
	}
	// Others than IT-enheten's side see their own department only: never
	// the municipal rules (whose breaches belong to no department), and
	// nothing when they have no department. The lists are shared, read-only.
	counts := map[string]int{}
	switch {
	case out.All && department == 0:
		out.list, counts = data.breaches, data.counts
	case department != 0:
		out.list = data.byDepartment[department]
		if c := data.deptCounts[department]; c != nil {
			counts = c
		}
	}
	for _, r := range ComplianceRules {
		rs := RuleState{ComplianceRule: r, Hidden: r.Municipal && !out.All}
		for _, c := range r.Checks {
			rs.Checks = append(rs.Checks, CheckState{ComplianceCheck: c, Count: counts[c.Key]})
			rs.Count += counts[c.Key]
		}
		out.Rules = append(out.Rules, rs)
	}
	state := func(id int64, name string) DepartmentState {
		d := DepartmentState{ID: id, Name: name}
		for _, r := range ComplianceRules {
			n := 0
			for _, c := range r.Checks {
				n += data.deptCounts[id][c.Key]
			}
			if n > 0 {
				d.PerRule = append(d.PerRule, RuleCount{Rule: r, Count: n})
				d.Total += n
			}
		}
		return d
	}
	shown := map[int64]bool{}
	for _, d := range data.departments {
		if (department == 0 && out.All) || d.ID == department {
			out.Departments = append(out.Departments, state(d.ID, d.Name))
			shown[d.ID] = true
		}
	}
	// Breaches of departments no longer active, and of none.
	var rest []int64
	for id := range data.deptCounts {
		if !shown[id] && ((department == 0 && out.All) || id == department) {
			rest = append(rest, id)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] > rest[j] })
	for _, id := range rest {
		name := data.deptNames[id]
		if id == 0 || name == "" {
			name = "Ingen förvaltning"
		}
		out.Departments = append(out.Departments, state(id, name))
	}
	return out
}

// RulePage is one rule's drill-down for one viewer.
type RulePage struct {
	Board
	Rule     RuleState
	Breaches []ComplianceBreach // this page of them
	Total    int                // rows in all pages
	Page     int
	Pages    int
}

// rulePageSize is how many breaches one page of a drill-down lists.
const rulePageSize = 100

// Rule returns the drill-down of one rule ("r1"): its breaches the viewer
// may see, for a department filter (IT-enheten's side; others always see
// their own department), page by page (from 1; out of range is clamped).
func (s *ComplianceService) Rule(ctx context.Context, actor *portal.Actor, slug string, department int64, page int) (RulePage, error) {
	var out RulePage
	rule, ok := ComplianceRuleBySlug(slug)
	if !ok {
		return out, portal.NotFound("Regeln finns inte.")
	}
	if actor == nil {
		return out, portal.Forbidden("Logga in.")
	}
	data, err := s.board(ctx)
	if err != nil {
		return out, err
	}
	out.Board = s.view(actor, data, department)
	for _, r := range out.Rules {
		if r.ID == rule.ID {
			out.Rule = r
		}
	}
	// The list is in rule order: the rule's breaches are one run of it.
	order := ruleOrder[rule.ID]
	from := sort.Search(len(out.list), func(i int) bool { return ruleOrder[out.list[i].Rule] >= order })
	to := sort.Search(len(out.list), func(i int) bool { return ruleOrder[out.list[i].Rule] > order })
	list := out.list[from:to]
	out.Total = len(list)
	out.Pages = max(1, (len(list)+rulePageSize-1)/rulePageSize)
	out.Page = min(max(page, 1), out.Pages)
	first := (out.Page - 1) * rulePageSize
	out.Breaches = list[min(first, len(list)):min(first+rulePageSize, len(list))]
	return out, nil
}

// ForSystem returns the breaches of one system, computed now (not from
// the board's cache): everyone who may read the register sees them.
func (s *ComplianceService) ForSystem(ctx context.Context, actor *portal.Actor, systemID int64) ([]ComplianceBreach, error) {
	if actor == nil {
		return nil, portal.Forbidden("Logga in för att läsa registret.")
	}
	var out []ComplianceBreach
	err := readTx(ctx, s.pool, func(tx pgx.Tx) error {
		now := s.now()
		var err error
		out, err = systemBreaches(ctx, tx, checkParams{system: systemID, today: portal.DateOf(now), now: now, official: s.official})
		return err
	})
	return out, err
}

// Renotify sends the notification about one role change again (R3's fix):
// IT-enheten. The outcome is recorded by the worker as for any role change.
func (s *ComplianceService) Renotify(ctx context.Context, actor *portal.Actor, assignmentID int64, requestID string) error {
	if !portal.CanManageRegister(actor) {
		return portal.Forbidden("Bara IT-enheten kan skicka aviseringen på nytt.")
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return translate(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var systemID int64
	if err := tx.QueryRow(ctx, `SELECT system_id FROM role_assignments WHERE id = $1`, assignmentID).Scan(&systemID); errors.Is(err, pgx.ErrNoRows) {
		return portal.NotFound("Rollbytet finns inte.")
	} else if err != nil {
		return translate(err)
	}
	if s.enqueue == nil {
		return portal.Unavailable(errors.New("no job queue to notify through"))
	}
	sys := strconv.FormatInt(systemID, 10)
	if err := s.enqueue(ctx, tx, jobargs.Notify{Topic: "system.role_changed", ObjectType: "system", ObjectID: sys, Assignments: []int64{assignmentID}}); err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}
	if err := appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "system.role_change_renotified", ObjectType: "system",
		ObjectID: sys, RequestID: requestID, Changes: map[string]any{"assignment_id": assignmentID}}); err != nil {
		return err
	}
	return translate(tx.Commit(ctx))
}

// portalBreach is the breach as the system page and the API show it.
func (b ComplianceBreach) portalBreach() portal.Breach {
	r, _ := ComplianceRuleBySlug(strings.ToLower(b.Rule))
	since := b.Since
	if !since.IsZero() {
		since = portal.DateOf(since) // the page shows the Stockholm date
	}
	return portal.Breach{Rule: b.Rule, Section: r.Section, Message: b.Message, Since: since, Fix: b.Fix}
}
