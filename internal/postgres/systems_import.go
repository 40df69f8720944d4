package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	// RolesFrom is the day the role changes take effect: the day of the
	// import (a dry run shows today; a commit on a later day uses that day).
	RolesFrom time.Time
	// NewPeople are the administrators the import creates (they have not
	// signed in yet), each with the department of the row's owner, or none.
	NewPeople []ImportPerson
	// Breaks are the breaches of the guideline the import would add to the
	// systems it names (a dry run without errors only): the plan is tried
	// inside a savepoint, the systems' breaches recomputed before and after
	// it, and the savepoint rolled back. They are read inside the trial, so
	// a new system's id means nothing afterwards: show its name.
	Breaks []ComplianceBreach
	// BreaksUntried: the file names more systems than a dry run tries
	// (previewBreachLimit), so Breaks is empty without having been looked for.
	BreaksUntried bool
	// UnmatchedSuppliers are the file's supplier texts that match no
	// supplier of the supplier register (by normalised name): the systems
	// keep the text, and IT-enheten links it on "Koppla leverantörer".
	UnmatchedSuppliers []string
}

// previewBreachLimit is the most systems a dry run tries the plan for to
// find the breaches it adds: trying it writes the plan and runs the checks
// (0.8 s for 1,000 new systems in a register of 10,000 on a quiet
// machine, 4.5 s for 5,000: BenchmarkRegisterImportDryRunTried). A
// municipality's register is well below it, while a file of thousands of
// rows keeps its quick dry run.
const previewBreachLimit = 1000

// ImportPerson is a person an import creates.
type ImportPerson struct {
	Name       string
	Email      string
	Department string // "" when the row names no owner: the person needs one
	Line       int    // the first row that names them
}

// ImportChange is one changed value of a row: a fact (by its field name,
// as in the audit log), a role (by the role's code) or "last_evaluated",
// with the value before and after. Old is "" for a new system.
type ImportChange struct {
	Field string
	Old   any
	New   any
}

// ImportRow is one row's outcome.
type ImportRow struct {
	Line    int
	Name    string
	Action  string // "ny", "ändras", "oförändrad", "fel"
	Changes []string
	Diffs   []ImportChange // every changed value, old → new, in form order
	Errors  []ImportMessage
}

// ImportMessage is a Swedish message about one column of a row.
type ImportMessage struct {
	Column  string
	Message string
}

// Import reads a register file into the register in one transaction:
// every row is created, updated or left alone, or, when any row has an
// error, nothing is saved. The work is set-based: the file's names are
// staged with COPY, the systems, periods and people they name are read in
// a few statements, every row is checked and planned in memory, and the
// plan is written with one statement per table (write). A dry run makes
// the same checks and plan and stops before writing, so it shows exactly
// what Commit would do. Re-importing a file changes nothing. IT-enheten
// only.
func (s *SystemService) Import(ctx context.Context, actor *portal.Actor, file registerfile.File, opt ImportOptions) (ImportResult, error) {
	res := ImportResult{Format: file.Format, Warnings: file.Warnings}
	if !portal.CanManageRegister(actor) {
		return res, portal.Forbidden("Bara IT-enheten kan importera registret.")
	}
	defer s.mergeSearchIndexes(ctx)
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		imp := &importer{tx: tx, actor: actor, opt: opt, file: file, res: &res, today: today(), keep: s.keep}
		if err := imp.run(ctx); err != nil {
			return err
		}
		texts := make([]string, len(file.Rows))
		for i, l := range file.Rows {
			texts[i] = l.Get("Leverantör")
		}
		var err error
		if res.UnmatchedSuppliers, err = unmatchedSupplierTexts(ctx, tx, texts); err != nil {
			return err
		}
		if res.Rejected > 0 || !opt.Commit {
			return errRollback
		}
		if s.enqueue != nil && res.Created+res.Updated > 0 {
			if err := s.enqueue(ctx, tx, jobargs.RoleChangeNotice{Imported: res.Created + res.Updated,
				Assignments: imp.roleChanges}); err != nil {
				return fmt.Errorf("enqueue notification: %w", err)
			}
		}
		// An import may touch any system and create people: every breach is
		// recomputed with it.
		return s.keep.refresh(ctx, tx, Scope{All: true})
	})
	if errors.Is(err, errRollback) {
		return res, nil
	}
	if err != nil {
		return res, err
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
	tx        pgx.Tx
	keep      breachKeeper
	actor     *portal.Actor
	opt       ImportOptions
	file      registerfile.File
	res       *ImportResult
	today     time.Time
	depts     map[string]int64 // lower name or short name → id
	deptNames map[int64]string
	people    map[string]int64   // lower e-mail → active person (new ones by their placeholder, < 0)
	byName    map[string][]int64 // lower name → active people of that name (at most two; new ones too)
	names     map[int64]string   // person or placeholder → name
	line      int                // the row being planned
	systems   map[string]*System // lower name → a system the file names (locked)
	periods   map[int64][]Holder // system → its role periods, oldest first
	plan      importPlan
	// roleChanges are the role periods recorded for systems already in the
	// register; the import's notification names them (R3).
	roleChanges []int64
}

// importPlan is what the rows without errors write, gathered in file order
// and written set-based once every row is checked.
type importPlan struct {
	people   []newPerson     // placeholder -(i+1)
	created  []plannedSystem // new systems
	updated  []plannedUpdate // systems already in the register
	roles    []plannedRole
	closed   []int64 // periods running today that end today
	replaced []int64 // periods that began today, replaced by a change from today
	evals    []plannedEval
	audit    []plannedAudit
}

// newPerson is a person the import creates, in the department of the
// owner of the row that names them first (dept 0: the row names none).
type newPerson struct {
	name, email string
	dept        int64
	deptName    string
	line        int
}

type plannedSystem struct {
	facts portal.SystemFacts
}

type plannedUpdate struct {
	id           int64
	facts        portal.SystemFacts
	factsChanged bool
	bump         int // row_version steps: one for the facts, one per role change
}

type plannedRole struct {
	system   string // the system's lower name (new systems have no id yet)
	role     portal.SystemRole
	dept     int64
	person   int64 // an id or a placeholder
	operator string
	from     time.Time
	to       *time.Time
	existing bool // a change of a system already in the register (R3 notice)
}

type plannedEval struct {
	system string
	on     time.Time
}

// plannedAudit is an audit entry whose object is known by the system's
// lower name or the person's placeholder until the rows exist.
type plannedAudit struct {
	entry  AuditEntry
	system string
	person int64
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
	im.res.RolesFrom = im.today
	for _, l := range im.file.Rows {
		im.line = l.Number
		row := ImportRow{Line: l.Number, Name: l.Get("Systemnamn")}
		if n := seen[strings.ToLower(row.Name)]; n > 1 && row.Name != "" {
			row.Errors = append(row.Errors, ImportMessage{"Systemnamn", fmt.Sprintf("Namnet finns på %d rader i filen; varje system får bara finnas en gång.", n)})
		}
		im.row(l, &row)
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
	for _, p := range im.plan.people {
		im.res.NewPeople = append(im.res.NewPeople, ImportPerson{Name: p.name, Email: p.email, Department: p.deptName, Line: p.line})
	}
	if im.res.Rejected > 0 {
		// Nothing is written: the rows say why.
		return nil
	}
	if !im.opt.Commit {
		// Every check is made above, so a dry run's rows are Commit's; what
		// the plan would break is found by trying it.
		return im.breaks(ctx)
	}
	return im.write(ctx)
}

// breaks tries the plan inside a savepoint and keeps in res.Breaks the
// breaches of the file's systems that the import adds: the systems'
// breaches are recomputed before the plan is written (so what the clock
// alone changed since they were kept is not blamed on the import) and
// after it, with the same checks a commit runs, and the savepoint is
// rolled back. Nothing of it remains.
func (im *importer) breaks(ctx context.Context) (err error) {
	if len(im.plan.created)+len(im.plan.updated) > previewBreachLimit {
		im.res.BreaksUntried = true
		return nil
	}
	existing := make([]int64, 0, len(im.systems))
	for _, sys := range im.systems {
		existing = append(existing, sys.ID)
	}
	if _, err := im.tx.Exec(ctx, `SAVEPOINT import_preview`); err != nil {
		return translate(err)
	}
	defer func() {
		if _, rerr := im.tx.Exec(ctx, `ROLLBACK TO SAVEPOINT import_preview`); err == nil && rerr != nil {
			err = translate(rerr)
		}
	}()
	before := map[breachKey]bool{}
	if len(existing) > 0 {
		if err := im.keep.refresh(ctx, im.tx, Scope{Systems: existing}); err != nil {
			return err
		}
		list, err := systemBreaches(ctx, im.tx, existing)
		if err != nil {
			return err
		}
		for _, b := range list {
			before[keyOfBreach(b)] = true
		}
	}
	if err := im.write(ctx); err != nil {
		return err
	}
	var ids []int64
	if err := im.tx.QueryRow(ctx, `SELECT COALESCE(array_agg(id ORDER BY id), '{}') FROM systems WHERE lower(name) IN (SELECT system FROM import_rows)`).Scan(&ids); err != nil {
		return translate(err)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := im.keep.refresh(ctx, im.tx, Scope{Systems: ids}); err != nil {
		return err
	}
	after, err := systemBreaches(ctx, im.tx, ids)
	if err != nil {
		return err
	}
	for _, b := range after {
		if !before[keyOfBreach(b)] {
			im.res.Breaks = append(im.res.Breaks, b)
		}
	}
	return nil
}

// breachKey is what makes two breaches the same one for the preview: the
// check, the system it is about and what it says of it. Not its dates (an
// evaluation the file brings moves a due date, but an overdue system stays
// the one breach), nor the department and person it belongs to (a new
// systemförvaltare does not make a system's missing contract new), except
// for an inactive systemförvaltare, who is what that breach is about.
type breachKey struct {
	check          string
	system, person int64
	detail         string
}

func keyOfBreach(b ComplianceBreach) breachKey {
	k := breachKey{check: b.Check, system: b.SystemID, detail: b.Detail}
	if b.Check == "r1_inactive" {
		k.person = b.PersonID
	}
	return k
}

// importRowsSQL stages the names the file uses, so the systems and people
// they name are read in one statement each.
const importRowsSQL = `CREATE TEMP TABLE import_rows (system text NOT NULL, administrator text NOT NULL) ON COMMIT DROP`

// load reads, in a few statements, everything the rows are compared with:
// the active departments and people, and the systems the file names with
// all their role periods (the systems locked for the rest of the import).
func (im *importer) load(ctx context.Context) error {
	im.depts, im.deptNames, im.people = map[string]int64{}, map[int64]string{}, map[string]int64{}
	im.byName, im.names, im.systems, im.periods = map[string][]int64{}, map[int64]string{}, map[string]*System{}, map[int64][]Holder{}
	if _, err := im.tx.Exec(ctx, importRowsSQL); err != nil {
		return translate(err)
	}
	if _, err := im.tx.CopyFrom(ctx, pgx.Identifier{"import_rows"}, []string{"system", "administrator"},
		pgx.CopyFromSlice(len(im.file.Rows), func(i int) ([]any, error) {
			l := im.file.Rows[i]
			return []any{strings.ToLower(l.Get("Systemnamn")), strings.ToLower(l.Get("Systemförvaltare"))}, nil
		})); err != nil {
		return translate(err)
	}
	rows, err := im.tx.Query(ctx, `SELECT `+systemColumns+` FROM systems s WHERE lower(s.name) IN (SELECT system FROM import_rows) ORDER BY s.id FOR UPDATE`)
	if err != nil {
		return translate(err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (System, error) { return scanSystem(r) })
	if err != nil {
		return translate(err)
	}
	ids := make([]int64, len(list))
	for i := range list {
		list[i].Roles = map[portal.SystemRole]*Holder{}
		im.systems[strings.ToLower(list[i].Facts.Name)] = &list[i]
		ids[i] = list[i].ID
	}
	// Every role period of those systems, to find today's holders and where
	// a change from today ends.
	rows, err = im.tx.Query(ctx, `
		SELECT ra.system_id, `+holderColumns+`
		FROM role_assignments ra
		LEFT JOIN departments d ON d.id = ra.department_id
		LEFT JOIN people p ON p.id = ra.person_id
		LEFT JOIN people c ON c.id = ra.created_by
		WHERE ra.system_id = ANY($1) AND NOT isempty(ra.valid) ORDER BY ra.system_id, ra.role, lower(ra.valid)`, ids)
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var h Holder
		var sid int64
		var role string
		if err := rows.Scan(&sid, &h.AssignmentID, &role, &h.DepartmentID, &h.PersonID, &h.PersonActive, &h.Name, &h.Email,
			&h.From, &h.To, &h.AppointedBy, &h.Reason, &h.CreatedBy, &h.CreatedAt); err != nil {
			return translate(err)
		}
		h.Role = portal.SystemRole(role)
		im.periods[sid] = append(im.periods[sid], h)
	}
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	for i := range list {
		sys := &list[i]
		for j, p := range im.periods[sys.ID] {
			if !p.From.After(im.today) && (p.To == nil || p.To.After(im.today)) {
				sys.Roles[p.Role] = &im.periods[sys.ID][j]
			}
		}
	}

	rows, err = im.tx.Query(ctx, `SELECT id, lower(name), lower(short_name), name FROM departments WHERE active`)
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var id int64
		var lname, short, name string
		if err := rows.Scan(&id, &lname, &short, &name); err != nil {
			return translate(err)
		}
		im.depts[lname], im.depts[short], im.deptNames[id] = id, id, name
	}
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	// Active people with an address, and those with a name the file gives an
	// administrator.
	rows, err = im.tx.Query(ctx, `
		SELECT id, lower(email), name, lower(name) IN (SELECT administrator FROM import_rows WHERE administrator <> '') FROM people
		WHERE active AND (email <> '' OR lower(name) IN (SELECT administrator FROM import_rows WHERE administrator <> ''))
		ORDER BY identity_subject IS NULL, id`)
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var id int64
		var email, name string
		var named bool
		if err := rows.Scan(&id, &email, &name, &named); err != nil {
			return translate(err)
		}
		im.names[id] = name
		if _, dup := im.people[email]; !dup && email != "" {
			im.people[email] = id
		}
		if l := strings.ToLower(name); named && len(im.byName[l]) < 2 {
			im.byName[l] = append(im.byName[l], id)
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
		im.depts[strings.ToLower(name)], im.deptNames[id] = id, clip(name, 200)
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

// row checks one line and plans what it writes (or explains why it cannot).
func (im *importer) row(l registerfile.Line, row *ImportRow) {
	add := func(col, msg string) { row.Errors = append(row.Errors, ImportMessage{col, msg}) }
	if row.Name == "" {
		add("Systemnamn", "Systemnamn saknas.")
		return
	}
	// The current system, if it exists (locked for the rest of the import).
	cur := im.systems[strings.ToLower(row.Name)]
	f := portal.SystemFacts{Name: row.Name, Category: "forvaltningsspecifik", Lifecycle: "i_drift", Hosting: "intern", PersonalData: "inga"}
	if cur != nil {
		f = cur.Facts
		f.Name = row.Name
	}
	has := im.file.Has
	// Text the file repeats is left as stored: a cell is trimmed, and the
	// CSV reader and Excel end lines in LF or CRLF whatever a browser
	// stored; other text is stored with LF line endings.
	text := func(col string, dst *string) {
		if v := normaliseText(l.Get(col)); has(col) && v != normaliseText(*dst) {
			*dst = v
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
		if !portal.ValidEmail(adminEmail) {
			add("Systemförvaltare e-post", invalidEmail(adminEmail))
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
		return
	}

	if cur == nil {
		im.planNew(row, f, ownerID, adminName, adminEmail, operator, evaluated)
		return
	}
	im.planUpdate(row, cur, f, ownerID, adminName, adminEmail, operator, evaluated)
}

// planNew plans a new system with its roles, a new administrator and the
// legacy evaluation.
func (im *importer) planNew(row *ImportRow, f portal.SystemFacts, ownerID int64, adminName, adminEmail, operator string, evaluated *time.Time) {
	key := strings.ToLower(f.Name)
	var adminID int64
	var created bool
	if adminName != "" {
		if adminEmail != "" {
			adminID = im.people[adminEmail]
		} else if ids := im.byName[strings.ToLower(adminName)]; len(ids) == 1 {
			adminID = ids[0]
		}
		if adminID == 0 {
			adminID, created = im.newPerson(clip(adminName, 200), clip(adminEmail, 320), ownerID, im.deptNames[ownerID]), true
		}
	}
	if ownerID != 0 {
		row.Diffs = append(row.Diffs, ImportChange{Field: string(portal.RoleOwner), Old: "", New: im.deptNames[ownerID]})
	}
	if adminID != 0 {
		row.Diffs = append(row.Diffs, ImportChange{Field: string(portal.RoleAdministrator), Old: "", New: im.names[adminID]})
	}
	if operator != "" {
		row.Diffs = append(row.Diffs, ImportChange{Field: string(portal.RoleOperations), Old: "", New: operator})
	}
	changes := factChanges(portal.SystemFacts{}, f, true)
	changes["roles"] = map[string]any{"owner_department_id": ownerID, "administrator": adminName, "operations": operator, "from": day(im.today)}
	im.plan.created = append(im.plan.created, plannedSystem{facts: f})
	im.plan.audit = append(im.plan.audit, plannedAudit{system: key, entry: AuditEntry{ActorID: im.actor.PersonID, Action: "system.created",
		ObjectType: "system", RequestID: im.opt.RequestID, Changes: changes}})
	if created {
		im.plan.audit = append(im.plan.audit, plannedAudit{person: adminID, entry: AuditEntry{ActorID: im.actor.PersonID,
			Action: "person.created_by_import", ObjectType: "person", RequestID: im.opt.RequestID,
			Changes: map[string]any{"name": clip(adminName, 200), "email": clip(adminEmail, 320)}}})
	}
	if ownerID != 0 {
		im.plan.roles = append(im.plan.roles, plannedRole{system: key, role: portal.RoleOwner, dept: ownerID, from: im.today})
	}
	if adminID != 0 {
		im.plan.roles = append(im.plan.roles, plannedRole{system: key, role: portal.RoleAdministrator, person: adminID, from: im.today})
	}
	if operator != "" {
		im.plan.roles = append(im.plan.roles, plannedRole{system: key, role: portal.RoleOperations, operator: operator, from: im.today})
	}
	if evaluated != nil {
		im.plan.evals = append(im.plan.evals, plannedEval{system: key, on: *evaluated})
	}
	row.Action = "ny"
}

// newPerson plans a person who has not signed in yet and returns their
// placeholder; later rows find them by address or name as if they existed.
func (im *importer) newPerson(name, email string, dept int64, deptName string) int64 {
	im.plan.people = append(im.plan.people, newPerson{name: name, email: email, dept: dept, deptName: deptName, line: im.line})
	id := -int64(len(im.plan.people))
	if email != "" {
		im.people[email] = id
	}
	if l := strings.ToLower(name); len(im.byName[l]) < 2 {
		im.byName[l] = append(im.byName[l], id)
	}
	im.names[id] = name
	return id
}

// planUpdate plans the changes of a system already in the register: its
// facts, its role holders from today, a later evaluation.
func (im *importer) planUpdate(row *ImportRow, cur *System, f portal.SystemFacts, ownerID int64, adminName, adminEmail, operator string, evaluated *time.Time) {
	reqID := im.opt.RequestID
	key := strings.ToLower(cur.Facts.Name)
	changes := factChanges(cur.Facts, f, false)
	for _, k := range factColumns {
		if c, ok := changes[k].(map[string]any); ok {
			row.Changes = append(row.Changes, k)
			row.Diffs = append(row.Diffs, ImportChange{Field: k, Old: c["before"], New: c["after"]})
		}
	}
	up := plannedUpdate{id: cur.ID, facts: f, factsChanged: len(changes) > 0}
	if up.factsChanged {
		up.bump = 1
		im.plan.audit = append(im.plan.audit, plannedAudit{entry: AuditEntry{ActorID: im.actor.PersonID, Action: "system.updated",
			ObjectType: "system", ObjectID: strconv.FormatInt(cur.ID, 10), RequestID: reqID, Changes: changes}})
	}
	change := func(pr plannedRole, holder string) {
		pr.system, pr.from, pr.existing = key, im.today, true
		var sameDayOf int64
		var replacedTo *time.Time
		// The period running today ends today; the new one ends where the
		// next planned period begins.
		before := map[string]any{}
		old := ""
		for _, p := range im.periods[cur.ID] {
			if p.Role != pr.role {
				continue
			}
			if !p.From.After(im.today) && (p.To == nil || p.To.After(im.today)) {
				before = map[string]any{"holder": p.Name, "from": day(p.From), "to": dayPtr(p.To)}
				old = p.Name
				if sameDay(p.From, im.today) {
					// A change made earlier today is corrected: its period
					// is replaced, and the new one ends where it ended.
					sameDayOf, replacedTo = p.AssignmentID, p.To
					im.plan.replaced = append(im.plan.replaced, p.AssignmentID)
				} else {
					im.plan.closed = append(im.plan.closed, p.AssignmentID)
				}
			}
			if p.From.After(im.today) && pr.to == nil {
				next := p.From
				pr.to = &next
			}
		}
		if sameDayOf != 0 && pr.to == nil {
			pr.to = replacedTo
		}
		im.plan.roles = append(im.plan.roles, pr)
		up.bump++
		changes := map[string]any{
			"role":   string(pr.role),
			"before": before,
			"after":  map[string]any{"holder": holder, "from": day(pr.from), "to": dayPtr(pr.to), "appointed_by": "", "reason": "Import av registret"},
		}
		if sameDayOf != 0 {
			changes["replaces"] = sameDayOf // the period of the change made earlier today
		}
		im.plan.audit = append(im.plan.audit, plannedAudit{entry: AuditEntry{ActorID: im.actor.PersonID, Action: "system.role_changed",
			ObjectType: "system", ObjectID: strconv.FormatInt(cur.ID, 10), RequestID: reqID, Changes: changes}})
		row.Changes = append(row.Changes, strings.ToLower(pr.role.Label()))
		row.Diffs = append(row.Diffs, ImportChange{Field: string(pr.role), Old: old, New: holder})
	}
	if h := cur.Roles[portal.RoleOwner]; ownerID != 0 && (h == nil || h.DepartmentID != ownerID) {
		change(plannedRole{role: portal.RoleOwner, dept: ownerID}, im.deptNames[ownerID])
	}
	if adminName != "" {
		// A person the import creates gets the department of the row's
		// owner, else of the system's owner today.
		dept := ownerID
		if h := cur.Roles[portal.RoleOwner]; dept == 0 && h != nil {
			dept = h.DepartmentID
		}
		pid := im.person(adminName, adminEmail, cur.Roles[portal.RoleAdministrator], dept)
		if h := cur.Roles[portal.RoleAdministrator]; h == nil || h.PersonID != pid {
			change(plannedRole{role: portal.RoleAdministrator, person: pid}, im.names[pid])
		}
	}
	if operator != "" {
		if h := cur.Roles[portal.RoleOperations]; h == nil || !strings.EqualFold(h.Name, operator) {
			change(plannedRole{role: portal.RoleOperations, operator: operator}, operator)
		}
	}
	if evaluated != nil && (cur.LastEval == nil || evaluated.After(*cur.LastEval)) {
		im.plan.evals = append(im.plan.evals, plannedEval{system: key, on: *evaluated})
		row.Changes = append(row.Changes, "senast utvärderad")
		var old any = ""
		if cur.LastEval != nil {
			old = day(*cur.LastEval)
		}
		row.Diffs = append(row.Diffs, ImportChange{Field: "last_evaluated", Old: old, New: day(*evaluated)})
	}
	if up.bump > 0 {
		im.plan.updated = append(im.plan.updated, up)
	}
	row.Action = "oförändrad"
	if len(row.Changes) > 0 {
		row.Action = "ändras"
	}
}

// person finds the administrator by e-mail, else the current holder with
// that name, else a single active person with exactly that name, else
// plans a person who has not signed in yet.
func (im *importer) person(name, email string, current *Holder, dept int64) int64 {
	if email != "" {
		if id := im.people[email]; id != 0 {
			return id
		}
	} else {
		if current != nil && strings.EqualFold(current.Name, name) {
			return current.PersonID
		}
		if ids := im.byName[strings.ToLower(name)]; len(ids) == 1 {
			return ids[0]
		}
	}
	id := im.newPerson(clip(name, 200), clip(email, 320), dept, im.deptNames[dept])
	im.plan.audit = append(im.plan.audit, plannedAudit{person: id, entry: AuditEntry{ActorID: im.actor.PersonID,
		Action: "person.created_by_import", ObjectType: "person", RequestID: im.opt.RequestID,
		Changes: map[string]any{"name": name, "email": email}}})
	return id
}

// importTablesSQL are the staging tables of the writes.
const importTablesSQL = `
	CREATE TEMP TABLE import_people (n int PRIMARY KEY, name text NOT NULL, email text NOT NULL, department_id bigint) ON COMMIT DROP;
	CREATE TEMP TABLE import_updates (id bigint PRIMARY KEY, name text, description text, purpose text, category text,
		lifecycle text, supplier text, product text, version text, hosting text, personal_data text, open_source boolean,
		self_developed boolean, self_developed_ref text, represents_municipality boolean, web_address text, notes text,
		introduced_before_portal boolean, facts_changed boolean NOT NULL, bump int NOT NULL) ON COMMIT DROP;
	CREATE TEMP TABLE import_roles (n int PRIMARY KEY, system_id bigint NOT NULL, role text NOT NULL, department_id bigint,
		person_id bigint, operator text, lo date NOT NULL, hi date) ON COMMIT DROP`

// factColumns are the facts an import writes (the UPDATE in write names
// them again: SQL is constant text).
var factColumns = []string{"name", "description", "purpose", "category", "lifecycle", "supplier", "product", "version", "hosting",
	"personal_data", "open_source", "self_developed", "self_developed_ref", "represents_municipality", "web_address", "notes",
	"introduced_before_portal"}

// write stores the plan set-based: the new people, the new systems, the
// changed facts, the periods that end today, the new periods, the legacy
// evaluations and the audit entries, each in one statement, in that order.
func (im *importer) write(ctx context.Context) error {
	pl := &im.plan
	if len(pl.created)+len(pl.updated)+len(pl.evals) == 0 {
		return nil
	}
	if _, err := im.tx.Exec(ctx, importTablesSQL); err != nil {
		return translate(err)
	}
	copyRows := func(table string, cols []string, n int, row func(i int) []any) error {
		_, err := im.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil }))
		return err
	}
	actor := nullID(im.actor.PersonID)

	// People: the placeholders become ids, in the order they were planned.
	people := map[int64]int64{}
	if len(pl.people) > 0 {
		if err := copyRows("import_people", []string{"n", "name", "email", "department_id"}, len(pl.people), func(i int) []any {
			return []any{int32(i), pl.people[i].name, pl.people[i].email, nullID(pl.people[i].dept)}
		}); err != nil {
			return translate(err)
		}
		rows, err := im.tx.Query(ctx, `INSERT INTO people (name, email, department_id) SELECT name, email, department_id FROM import_people ORDER BY n RETURNING id, name, email`)
		if err != nil {
			return translate(err)
		}
		type made struct {
			id          int64
			name, email string
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (made, error) {
			var m made
			return m, r.Scan(&m.id, &m.name, &m.email)
		})
		if err != nil {
			return translate(err)
		}
		// Identities are drawn in insertion order, which is n's; checked.
		slices.SortFunc(list, func(a, b made) int { return cmp.Compare(a.id, b.id) })
		if len(list) != len(pl.people) {
			return fmt.Errorf("import: %d people created of %d", len(list), len(pl.people))
		}
		for i, m := range list {
			if m.name != pl.people[i].name || m.email != pl.people[i].email {
				return fmt.Errorf("import: person %d created out of order", m.id)
			}
			people[-int64(i+1)] = m.id
		}
	}
	personID := func(id int64) int64 {
		if id < 0 {
			return people[id]
		}
		return id
	}

	// New systems, then the ids of every system the file names.
	if len(pl.created) > 0 {
		err := copyRows("systems", factColumns, len(pl.created), func(i int) []any { return factArgs(pl.created[i].facts) })
		if isUniqueViolation(err) {
			return portal.Conflict("Ett system med samma namn registrerades samtidigt. Gör om importen.")
		}
		if err != nil {
			return translate(err)
		}
	}
	systemIDs := map[string]int64{}
	rows, err := im.tx.Query(ctx, `SELECT id, name FROM systems WHERE lower(name) IN (SELECT system FROM import_rows)`)
	if err != nil {
		return translate(err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return translate(err)
		}
		systemIDs[strings.ToLower(name)] = id
	}
	if err := rows.Err(); err != nil {
		return translate(err)
	}

	// Changed facts and versions of the systems already in the register.
	if len(pl.updated) > 0 {
		if err := copyRows("import_updates", append(append([]string{"id"}, factColumns...), "facts_changed", "bump"), len(pl.updated), func(i int) []any {
			u := pl.updated[i]
			return append(append([]any{u.id}, factArgs(u.facts)...), u.factsChanged, int32(u.bump))
		}); err != nil {
			return translate(err)
		}
		if _, err := im.tx.Exec(ctx, `UPDATE systems s SET name = u.name, description = u.description, purpose = u.purpose,
				category = u.category, lifecycle = u.lifecycle, supplier = u.supplier, product = u.product, version = u.version,
				hosting = u.hosting, personal_data = u.personal_data, open_source = u.open_source, self_developed = u.self_developed,
				self_developed_ref = u.self_developed_ref, represents_municipality = u.represents_municipality,
				web_address = u.web_address, notes = u.notes, introduced_before_portal = u.introduced_before_portal,
				row_version = s.row_version + u.bump, updated_at = now()
			FROM import_updates u WHERE s.id = u.id AND u.facts_changed`); err != nil {
			return translate(err)
		}
		if _, err := im.tx.Exec(ctx, `UPDATE systems s SET row_version = s.row_version + u.bump, updated_at = now()
			FROM import_updates u WHERE s.id = u.id AND NOT u.facts_changed`); err != nil {
			return translate(err)
		}
	}

	// Role periods: today's end, then the new holders from today.
	if len(pl.closed) > 0 {
		if _, err := im.tx.Exec(ctx, `UPDATE role_assignments SET valid = daterange(lower(valid), $2::date) WHERE id = ANY($1)`, pl.closed, im.today); err != nil {
			return translate(err)
		}
	}
	if len(pl.replaced) > 0 {
		if _, err := im.tx.Exec(ctx, `UPDATE role_assignments SET replaced = valid, replaced_at = now(), valid = 'empty' WHERE id = ANY($1)`, pl.replaced); err != nil {
			return translate(err)
		}
	}
	if len(pl.roles) > 0 {
		if err := copyRows("import_roles", []string{"n", "system_id", "role", "department_id", "person_id", "operator", "lo", "hi"}, len(pl.roles), func(i int) []any {
			r := pl.roles[i]
			var dept, person *int64
			var operator *string
			switch r.role {
			case portal.RoleOwner:
				dept = &r.dept
			case portal.RoleAdministrator:
				id := personID(r.person)
				person = &id
			default:
				operator = &r.operator
			}
			return []any{int32(i), systemIDs[r.system], string(r.role), dept, person, operator, r.from, r.to}
		}); err != nil {
			return translate(err)
		}
		rows, err := im.tx.Query(ctx, `
			INSERT INTO role_assignments (system_id, role, department_id, person_id, operator, valid, reason, created_by)
			SELECT system_id, role, department_id, person_id, operator, daterange(lo, hi), 'Import av registret', $1
			FROM import_roles ORDER BY n RETURNING id, system_id, role`, actor)
		if err != nil {
			return translate(err)
		}
		made := map[string]int64{}
		for rows.Next() {
			var id, sid int64
			var role string
			if err := rows.Scan(&id, &sid, &role); err != nil {
				return translate(err)
			}
			made[strconv.FormatInt(sid, 10)+role] = id
		}
		var pgErr *pgconn.PgError
		if err := rows.Err(); errors.As(err, &pgErr) && pgErr.Code == "23P01" { // exclusion: two holders on one day
			return portal.Conflict("Rollerna ändrades samtidigt av någon annan. Gör om importen.")
		} else if err != nil {
			return translate(err)
		}
		for _, r := range pl.roles {
			if r.existing {
				im.roleChanges = append(im.roleChanges, made[strconv.FormatInt(systemIDs[r.system], 10)+string(r.role)])
			}
		}
	}
	if len(pl.evals) > 0 {
		if err := copyRows("evaluations", []string{"system_id", "evaluated_on", "legacy", "created_by"}, len(pl.evals), func(i int) []any {
			return []any{systemIDs[pl.evals[i].system], pl.evals[i].on, true, actor}
		}); err != nil {
			return translate(err)
		}
	}
	// The audit entries, in the order of the rows.
	if err := copyRows("audit_log", []string{"actor_id", "action", "object_type", "object_id", "changes", "request_id"}, len(pl.audit), func(i int) []any {
		a := pl.audit[i]
		e := a.entry
		switch {
		case a.system != "":
			e.ObjectID = strconv.FormatInt(systemIDs[a.system], 10)
		case a.person != 0:
			e.ObjectID = strconv.FormatInt(personID(a.person), 10)
		}
		return []any{nullID(e.ActorID), e.Action, e.ObjectType, e.ObjectID, e.Changes, e.RequestID}
	}); err != nil {
		return fmt.Errorf("append audit of the import: %w", err)
	}
	return nil
}

// normaliseText ends lines in LF and trims the text, as a cell is read.
func normaliseText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
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
