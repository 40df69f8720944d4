package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
	"itportal/internal/registerfile"
)

// ImportOptions control an import.
type ImportOptions struct {
	Commit            bool // false: a dry run that changes nothing
	CreateDepartments bool // create the departments the file names (empty installation only)
	RequestID         string
}

// ImportResult says, per row, what the import does (or would do).
type ImportResult struct {
	Format               string
	Warnings             []string
	Rows                 []ImportRow
	Created              int
	Updated              int
	Unchanged            int
	Rejected             int
	NewDepartments       []string // departments the file names that do not exist
	CanCreateDepartments bool     // the installation has no departments yet
	Committed            bool
}

// ImportRow is one row's outcome.
type ImportRow struct {
	Line    int
	Name    string
	Action  string // "ny", "ändras", "oförändrad", "fel"
	Changes []string
	Errors  []ImportMessage
}

// ImportMessage is a Swedish message about one column of a row.
type ImportMessage struct {
	Column  string
	Message string
}

// Import reads a register file into the register in one transaction:
// every row is created, updated or left alone, or, when any row has an
// error, nothing is saved. A dry run does the same work and rolls it back,
// so it shows exactly what Commit would do. Re-importing a file changes
// nothing. IT-enheten only.
func (s *SystemService) Import(ctx context.Context, actor *portal.Actor, file registerfile.File, opt ImportOptions) (ImportResult, error) {
	res := ImportResult{Format: file.Format, Warnings: file.Warnings}
	if !portal.CanManageRegister(actor) {
		return res, portal.Forbidden("Bara IT-enheten kan importera registret.")
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, translate(err)
	}
	defer func() {
		_ = tx.Rollback(ctx)
		s.mergeSearchIndexes(ctx)
	}()
	imp := &importer{tx: tx, actor: actor, opt: opt, file: file, res: &res, today: today()}
	if err := imp.run(ctx); err != nil {
		return res, err
	}
	if res.Rejected > 0 || !opt.Commit {
		return res, nil // rolled back by the deferred Rollback
	}
	if s.enqueue != nil && res.Created+res.Updated > 0 {
		if err := s.enqueue(ctx, tx, jobargs.RoleChangeNotice{Imported: res.Created + res.Updated,
			Assignments: imp.roleChanges}); err != nil {
			return res, fmt.Errorf("enqueue notification: %w", err)
		}
	}
	// An import may touch any system and create people: every breach is
	// recomputed with it.
	if err := s.keep.refresh(ctx, tx, Scope{All: true}); err != nil {
		return res, err
	}
	if err := tx.Commit(ctx); err != nil {
		return res, translate(err)
	}
	res.Committed = true
	return res, nil
}

// mergeSearchIndexes merges the search indexes' pending entries after an
// import or a dry run (migration 00009), so the next searches use the
// indexes at once instead of waiting for autovacuum. A failure only costs
// speed: it is logged by nobody and retried by the next import.
func (s *SystemService) mergeSearchIndexes(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, _ = s.pool.Exec(ctx, `SELECT merge_search_index_lists()`)
}

type importer struct {
	tx      pgx.Tx
	actor   *portal.Actor
	opt     ImportOptions
	file    registerfile.File
	res     *ImportResult
	today   time.Time
	depts   map[string]int64 // lower name or short name → id
	people  map[string]int64 // lower e-mail → id
	systems map[string]int64 // lower name → id
	// roleChanges are the role periods recorded for systems already in the
	// register; the import's notification names them (R3).
	roleChanges []int64
}

func (im *importer) run(ctx context.Context) error {
	if err := im.load(ctx); err != nil {
		return err
	}
	if err := im.departments(ctx); err != nil {
		return err
	}
	seen := map[string]int{}
	for _, l := range im.file.Rows {
		seen[strings.ToLower(l.Get("Systemnamn"))]++
	}
	for _, l := range im.file.Rows {
		row := ImportRow{Line: l.Number, Name: l.Get("Systemnamn")}
		if n := seen[strings.ToLower(row.Name)]; n > 1 && row.Name != "" {
			row.Errors = append(row.Errors, ImportMessage{"Systemnamn", fmt.Sprintf("Namnet finns på %d rader i filen; varje system får bara finnas en gång.", n)})
		}
		if err := im.row(ctx, l, &row); err != nil {
			return err
		}
		if len(row.Errors) > 0 {
			row.Action = "fel"
			im.res.Rejected++
		}
		switch row.Action {
		case "ny":
			im.res.Created++
		case "ändras":
			im.res.Updated++
		case "oförändrad":
			im.res.Unchanged++
		}
		im.res.Rows = append(im.res.Rows, row)
	}
	return nil
}

func (im *importer) load(ctx context.Context) error {
	im.depts, im.people, im.systems = map[string]int64{}, map[string]int64{}, map[string]int64{}
	srows, err := im.tx.Query(ctx, `SELECT id, lower(name) FROM systems`)
	if err != nil {
		return translate(err)
	}
	for srows.Next() {
		var id int64
		var name string
		if err := srows.Scan(&id, &name); err != nil {
			return translate(err)
		}
		im.systems[name] = id
	}
	if err := srows.Err(); err != nil {
		return translate(err)
	}
	rows, err := im.tx.Query(ctx, `SELECT id, lower(name), lower(short_name) FROM departments WHERE active`)
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var id int64
		var name, short string
		if err := rows.Scan(&id, &name, &short); err != nil {
			return translate(err)
		}
		im.depts[name], im.depts[short] = id, id
	}
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	rows, err = im.tx.Query(ctx, `SELECT id, lower(email) FROM people WHERE active AND email <> '' ORDER BY identity_subject IS NULL, id`)
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var id int64
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			return translate(err)
		}
		if _, dup := im.people[email]; !dup {
			im.people[email] = id
		}
	}
	return translate(rows.Err())
}

// departments finds owners the file names that do not exist; on an empty
// installation they may be created (after the dry run lists them).
func (im *importer) departments(ctx context.Context) error {
	im.res.CanCreateDepartments = len(im.depts) == 0
	missing := map[string]bool{}
	for _, l := range im.file.Rows {
		if d := l.Get("Systemägare"); d != "" && im.depts[strings.ToLower(d)] == 0 && !missing[strings.ToLower(d)] {
			missing[strings.ToLower(d)] = true
			im.res.NewDepartments = append(im.res.NewDepartments, d)
		}
	}
	if !im.opt.CreateDepartments || !im.res.CanCreateDepartments {
		return nil
	}
	used := map[string]bool{}
	for k := range im.depts {
		used[k] = true
	}
	for _, name := range im.res.NewDepartments {
		short := shortName(name)
		for i := 2; used[strings.ToLower(short)]; i++ { // two names share a short form
			short = shortName(name) + strconv.Itoa(i)
		}
		used[strings.ToLower(short)] = true
		var id int64
		err := im.tx.QueryRow(ctx, `INSERT INTO departments (name, short_name) VALUES ($1, $2) RETURNING id`, clip(name, 200), short).Scan(&id)
		if err != nil {
			return translate(err)
		}
		if err := appendAudit(ctx, im.tx, AuditEntry{ActorID: im.actor.PersonID, Action: "department.created_by_import", ObjectType: "department",
			ObjectID: strconv.FormatInt(id, 10), RequestID: im.opt.RequestID, Changes: map[string]any{"name": name}}); err != nil {
			return err
		}
		im.depts[strings.ToLower(name)] = id
	}
	return nil
}

// shortName makes a short name for a department: the initials of a name
// of several words ("Barn- och utbildningsförvaltningen" → "BOU"), else its
// first three letters ("Socialförvaltningen" → "SOC").
func shortName(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '-' })
	var b strings.Builder
	if len(words) == 1 {
		r := []rune(words[0])
		b.WriteString(strings.ToUpper(string(r[:min(3, len(r))])))
	}
	for _, w := range words {
		if len(words) == 1 {
			break
		}
		if r := []rune(w); len(r) > 0 {
			b.WriteString(strings.ToUpper(string(r[0])))
		}
	}
	s := b.String()
	if len([]rune(s)) > 10 {
		s = string([]rune(s)[:10])
	}
	if s == "" {
		s = "F"
	}
	return s
}

var lifecycleByLabel = func() map[string]string {
	m := map[string]string{}
	for _, c := range portal.Lifecycles {
		m[strings.ToLower(c.Label)], m[c.Value] = c.Value, c.Value
	}
	return m
}()

func choiceByLabel(choices []portal.Choice, v string) (string, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, c := range choices {
		if strings.ToLower(c.Label) == v || c.Value == v {
			return c.Value, true
		}
	}
	return "", false
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "ja", "j", "x", "1", "true", "yes":
		return true, true
	case "nej", "n", "", "0", "false", "no":
		return false, true
	}
	return false, false
}

// row imports one line inside the transaction (or explains why it cannot).
func (im *importer) row(ctx context.Context, l registerfile.Line, row *ImportRow) error {
	add := func(col, msg string) { row.Errors = append(row.Errors, ImportMessage{col, msg}) }
	if row.Name == "" {
		add("Systemnamn", "Systemnamn saknas.")
		return nil
	}
	// The current system, if it exists (locked for the rest of the import).
	var cur *System
	id := im.systems[strings.ToLower(row.Name)]
	if id != 0 {
		sys, err := getSystemTx(ctx, im.tx, id, im.today)
		if err != nil {
			return err
		}
		cur = &sys
	}
	f := portal.SystemFacts{Name: row.Name, Category: "forvaltningsspecifik", Lifecycle: "i_drift", Hosting: "intern", PersonalData: "inga"}
	if cur != nil {
		f = cur.Facts
		f.Name = row.Name
	}
	has := im.file.Has
	text := func(col string, dst *string) {
		if has(col) {
			*dst = l.Get(col)
		}
	}
	text("Beskrivning", &f.Description)
	text("Syfte", &f.Purpose)
	text("Leverantör", &f.Supplier)
	text("Produkt", &f.Product)
	text("Version", &f.Version)
	text("Beslut om egenutveckling", &f.SelfDevelopedRef)
	text("Anteckningar", &f.Notes)
	if has("Webbadress") {
		f.WebAddress = l.Get("Webbadress")
		if !has("Webbplats som representerar kommunen") {
			// In the municipality's file the address column is for websites.
			f.RepresentsMunicipality = f.WebAddress != ""
		}
	}
	if v := l.Get("Livscykel"); v != "" {
		if code, ok := lifecycleByLabel[strings.ToLower(v)]; ok {
			f.Lifecycle = code
		} else {
			add("Livscykel", fmt.Sprintf("Livscykeln %q känns inte igen (Planerad, Under införande, I drift, Under avveckling eller Avvecklad).", v))
		}
	}
	if v := l.Get("Personuppgifter"); v != "" {
		switch strings.ToUpper(v) {
		case "J", "JA":
			f.PersonalData = "personuppgifter"
		case "N", "NEJ":
			f.PersonalData = "inga"
		case "K":
			f.PersonalData = "kansliga"
		default:
			if code, ok := choiceByLabel(portal.PersonalData, v); ok {
				f.PersonalData = code
			} else {
				add("Personuppgifter", fmt.Sprintf("Värdet %q känns inte igen (J, N eller K).", v))
			}
		}
	}
	for col, dst := range map[string]*string{"Kategori": &f.Category, "Drift": &f.Hosting} {
		if v := l.Get(col); v != "" {
			choices := portal.Categories
			if col == "Drift" {
				choices = portal.Hostings
			}
			if code, ok := choiceByLabel(choices, v); ok {
				*dst = code
			} else {
				add(col, fmt.Sprintf("Värdet %q känns inte igen.", v))
			}
		}
	}
	for col, dst := range map[string]*bool{"Öppen källkod": &f.OpenSource, "Egenutvecklad": &f.SelfDeveloped,
		"Webbplats som representerar kommunen": &f.RepresentsMunicipality, "Infört före portalen": &f.IntroducedBeforePortal} {
		if has(col) {
			b, ok := parseBool(l.Get(col))
			if !ok {
				add(col, "Ange Ja eller Nej.")
			}
			*dst = b
		}
	}
	if cur == nil && !has("Infört före portalen") {
		f.IntroducedBeforePortal = true // a register brought from Excel predates the portal
	}
	for field, msg := range f.Validate() {
		add(columnOf(field), msg)
	}

	// Roles.
	var ownerID int64
	if d := l.Get("Systemägare"); d != "" {
		if ownerID = im.depts[strings.ToLower(d)]; ownerID == 0 {
			add("Systemägare", fmt.Sprintf("Förvaltningen %q finns inte i IT-portalen.", d))
		}
	}
	adminName, adminEmail := l.Get("Systemförvaltare"), strings.ToLower(l.Get("Systemförvaltare e-post"))
	if multipleNames(adminName) || strings.Count(adminEmail, "@") > 1 {
		add("Systemförvaltare", "Cellen har flera namn. Varje system har en systemförvaltare: ange en person.")
	}
	if adminEmail != "" {
		if a, err := mail.ParseAddress(adminEmail); err != nil || a.Address != adminEmail {
			add("Systemförvaltare e-post", fmt.Sprintf("E-postadressen %q är inte giltig.", adminEmail))
		}
	}
	if adminEmail != "" && adminName == "" {
		add("Systemförvaltare", "Namn saknas för e-postadressen.")
	}
	operator := l.Get("Driftsansvarig")
	if len([]rune(operator)) > 200 {
		add("Driftsansvarig", "Högst 200 tecken.")
	}
	var evaluated *time.Time
	if v := l.Get("Senast utvärderad"); v != "" {
		d, ok := registerfile.ParseDate(v)
		switch {
		case !ok:
			add("Senast utvärderad", fmt.Sprintf("Datumet %q kan inte läsas (skriv 2025-03-12 eller 20250312).", v))
		case d.After(im.today) || d.Year() < 1990:
			add("Senast utvärderad", "Datumet måste vara mellan 1990 och i dag.")
		default:
			evaluated = &d
		}
	}
	if len(row.Errors) > 0 {
		return nil
	}

	// Write.
	reqID := im.opt.RequestID
	if cur == nil {
		// A new system: one statement for the system, its roles, a new
		// administrator, the legacy evaluation and the audit rows.
		return im.insertNew(ctx, row, f, ownerID, adminName, adminEmail, operator, evaluated)
	}
	changes := factChanges(cur.Facts, f, false)
	for k := range changes {
		row.Changes = append(row.Changes, k)
	}
	if err := updateFactsTx(ctx, im.tx, im.actor, *cur, f, reqID); err != nil {
		return err
	}
	change := func(role portal.SystemRole, rc RoleChange, label string) error {
		rc.Role, rc.From, rc.RequestID, rc.Reason = role, im.today, reqID, "Import av registret"
		assignment, err := changeRoleTx(ctx, im.tx, im.actor, id, rc)
		if err != nil {
			if fe := fieldMessage(err); fe != "" {
				add(label, fe)
				return nil
			}
			return err
		}
		row.Changes = append(row.Changes, strings.ToLower(role.Label()))
		im.roleChanges = append(im.roleChanges, assignment)
		return nil
	}
	if h := cur.Roles[portal.RoleOwner]; ownerID != 0 && (h == nil || h.DepartmentID != ownerID) {
		if err := change(portal.RoleOwner, RoleChange{DepartmentID: ownerID}, "Systemägare"); err != nil {
			return err
		}
	}
	if adminName != "" {
		pid, err := im.person(ctx, adminName, adminEmail, cur.Roles[portal.RoleAdministrator])
		if err != nil {
			return err
		}
		if h := cur.Roles[portal.RoleAdministrator]; h == nil || h.PersonID != pid {
			if err := change(portal.RoleAdministrator, RoleChange{PersonID: pid}, "Systemförvaltare"); err != nil {
				return err
			}
		}
	}
	if operator != "" {
		if h := cur.Roles[portal.RoleOperations]; h == nil || !strings.EqualFold(h.Name, operator) {
			if err := change(portal.RoleOperations, RoleChange{Operator: operator}, "Driftsansvarig"); err != nil {
				return err
			}
		}
	}
	if evaluated != nil && (cur.LastEval == nil || evaluated.After(*cur.LastEval)) {
		if _, err := im.tx.Exec(ctx, `INSERT INTO evaluations (system_id, evaluated_on, legacy, created_by) VALUES ($1, $2, true, $3)`,
			id, *evaluated, nullID(im.actor.PersonID)); err != nil {
			return translate(err)
		}
		row.Changes = append(row.Changes, "senast utvärderad")
	}
	if row.Action == "" {
		row.Action = "oförändrad"
		if len(row.Changes) > 0 {
			row.Action = "ändras"
		}
	}
	return nil
}

// insertNewSQL creates a system with its roles in one round trip. $4 is
// an existing administrator, or 0 with $5/$6 naming a person to create.
const insertNewSQL = `
	WITH sys AS (
		INSERT INTO systems (name, description, purpose, category, lifecycle, supplier, product, version, hosting,
			personal_data, open_source, self_developed, self_developed_ref, represents_municipality, web_address, notes,
			introduced_before_portal)
		SELECT f.name, f.description, f.purpose, f.category, f.lifecycle, f.supplier, f.product, f.version, f.hosting,
			f.personal_data, f.open_source, f.self_developed, f.self_developed_ref, f.represents_municipality, f.web_address,
			f.notes, f.introduced_before_portal
		FROM jsonb_to_record($1::jsonb) AS f(name text, description text, purpose text, category text, lifecycle text,
			supplier text, product text, version text, hosting text, personal_data text, open_source boolean,
			self_developed boolean, self_developed_ref text, represents_municipality boolean, web_address text, notes text,
			introduced_before_portal boolean)
		RETURNING id),
	newp AS (
		INSERT INTO people (name, email) SELECT $5::text, $6::text WHERE $4::bigint = 0 AND $5 <> '' RETURNING id),
	adminp AS (
		SELECT id FROM newp UNION ALL SELECT $4::bigint WHERE $4::bigint <> 0),
	roles AS (
		INSERT INTO role_assignments (system_id, role, department_id, person_id, operator, valid, reason, created_by)
		SELECT sys.id, 'owner', $3::bigint, NULL::bigint, NULL::text, daterange($8::date, NULL), 'Import av registret', $9::bigint FROM sys WHERE $3::bigint <> 0
		UNION ALL
		SELECT sys.id, 'administrator', NULL::bigint, adminp.id, NULL::text, daterange($8::date, NULL), 'Import av registret', $9::bigint FROM sys, adminp
		UNION ALL
		SELECT sys.id, 'operations', NULL::bigint, NULL::bigint, $7::text, daterange($8::date, NULL), 'Import av registret', $9::bigint FROM sys WHERE $7::text <> ''
		RETURNING 1),
	ev AS (
		INSERT INTO evaluations (system_id, evaluated_on, legacy, created_by)
		SELECT sys.id, $10::date, true, $9::bigint FROM sys WHERE $10::date IS NOT NULL RETURNING 1),
	audit AS (
		INSERT INTO audit_log (actor_id, action, object_type, object_id, changes, request_id)
		SELECT $9::bigint, 'system.created', 'system', sys.id::text, $2::jsonb, $11::text FROM sys
		UNION ALL
		SELECT $9::bigint, 'person.created_by_import', 'person', newp.id::text, jsonb_build_object('name', $5::text, 'email', $6::text), $11::text FROM newp
		RETURNING 1)
	SELECT (SELECT id FROM sys), (SELECT id FROM newp)`

func (im *importer) insertNew(ctx context.Context, row *ImportRow, f portal.SystemFacts, ownerID int64, adminName, adminEmail, operator string, evaluated *time.Time) error {
	var adminID int64
	if adminName != "" {
		if adminEmail != "" {
			adminID = im.people[adminEmail]
		} else {
			var ids []int64
			rows, err := im.tx.Query(ctx, `SELECT id FROM people WHERE active AND lower(name) = lower($1) LIMIT 2`, adminName)
			if err != nil {
				return translate(err)
			}
			if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return translate(err)
			}
			if len(ids) == 1 {
				adminID = ids[0]
			}
		}
	}
	facts := map[string]any{
		"name": strings.TrimSpace(f.Name), "description": f.Description, "purpose": f.Purpose, "category": f.Category,
		"lifecycle": f.Lifecycle, "supplier": strings.TrimSpace(f.Supplier), "product": strings.TrimSpace(f.Product),
		"version": strings.TrimSpace(f.Version), "hosting": f.Hosting, "personal_data": f.PersonalData, "open_source": f.OpenSource,
		"self_developed": f.SelfDeveloped, "self_developed_ref": strings.TrimSpace(f.SelfDevelopedRef),
		"represents_municipality": f.RepresentsMunicipality, "web_address": f.WebAddress, "notes": f.Notes,
		"introduced_before_portal": f.IntroducedBeforePortal,
	}
	changes := factChanges(portal.SystemFacts{}, f, true)
	changes["roles"] = map[string]any{"owner_department_id": ownerID, "administrator": adminName, "operations": operator, "from": day(im.today)}
	var evalDate *time.Time
	if evaluated != nil {
		evalDate = evaluated
	}
	var sysID int64
	var newPerson *int64
	err := im.tx.QueryRow(ctx, insertNewSQL, facts, changes, ownerID, adminID, clip(adminName, 200), clip(adminEmail, 320),
		operator, im.today, nullID(im.actor.PersonID), evalDate, im.opt.RequestID).Scan(&sysID, &newPerson)
	if err != nil {
		return translate(err)
	}
	im.systems[strings.ToLower(f.Name)] = sysID
	if newPerson != nil && adminEmail != "" {
		im.people[adminEmail] = *newPerson
	}
	row.Action = "ny"
	return nil
}

// person finds the administrator by e-mail, else the current holder with
// that name, else a single active person with exactly that name, else
// creates a person who has not signed in yet.
func (im *importer) person(ctx context.Context, name, email string, current *Holder) (int64, error) {
	if email != "" {
		if id := im.people[email]; id != 0 {
			return id, nil
		}
	} else {
		if current != nil && strings.EqualFold(current.Name, name) {
			return current.PersonID, nil
		}
		var ids []int64
		rows, err := im.tx.Query(ctx, `SELECT id FROM people WHERE active AND lower(name) = lower($1) LIMIT 2`, name)
		if err != nil {
			return 0, translate(err)
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return 0, translate(err)
		}
		if len(ids) == 1 {
			return ids[0], nil
		}
	}
	var id int64
	if err := im.tx.QueryRow(ctx, `INSERT INTO people (name, email) VALUES ($1, $2) RETURNING id`, clip(name, 200), clip(email, 320)).Scan(&id); err != nil {
		return 0, translate(err)
	}
	if email != "" {
		im.people[email] = id
	}
	return id, appendAudit(ctx, im.tx, AuditEntry{ActorID: im.actor.PersonID, Action: "person.created_by_import", ObjectType: "person",
		ObjectID: strconv.FormatInt(id, 10), RequestID: im.opt.RequestID, Changes: map[string]any{"name": name, "email": email}})
}

// multipleNames reports whether a cell seems to hold more than one person.
func multipleNames(s string) bool {
	l := strings.ToLower(s)
	for _, sep := range []string{",", ";", "/", "&", "+", " och ", " and ", "\n"} {
		if strings.Contains(l, sep) {
			return true
		}
	}
	return false
}

func columnOf(field string) string {
	switch field {
	case "name":
		return "Systemnamn"
	case "description":
		return "Beskrivning"
	case "purpose":
		return "Syfte"
	case "supplier":
		return "Leverantör"
	case "product":
		return "Produkt"
	case "version":
		return "Version"
	case "web_address":
		return "Webbadress"
	case "notes":
		return "Anteckningar"
	case "self_developed_ref":
		return "Beslut om egenutveckling"
	case "lifecycle":
		return "Livscykel"
	}
	return field
}

func fieldMessage(err error) string {
	var pe *portal.Error
	if errors.As(err, &pe) && (pe.Kind == portal.KindInvalid || pe.Kind == portal.KindConflict) {
		for _, m := range pe.Fields {
			return m
		}
		return pe.Message
	}
	return ""
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// getSystemTx loads a system with its roles inside tx.
func getSystemTx(ctx context.Context, tx pgx.Tx, id int64, on time.Time) (System, error) {
	return (&SystemService{}).get(ctx, tx, id, on, true)
}
