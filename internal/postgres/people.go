package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// PersonService knows the people of the municipality: sign-in, the actor
// behind a session, and administration of people and their sessions.
type PersonService struct {
	pool *pgxpool.Pool
	keep breachKeeper
}

// NewPersonService returns the service over pool; official is the
// municipality's official web address (ITPORTAL_OFFICIAL_WEB_ADDRESS), which
// the compliance checks of a person's systems use.
func NewPersonService(pool *pgxpool.Pool, official string) *PersonService {
	return &PersonService{pool: pool, keep: breachKeeper{official: official}}
}

// SignInInput is what a verified sign-in tells about the person.
type SignInInput struct {
	Issuer         string
	Subject        string
	Name           string
	Email          string
	EmailVerified  bool
	EmployeeNumber string // "" unless the employee claim is configured
	Department     string // "" unless the department claim is configured
	Roles          []portal.Role
	TrustEmail     bool
	RequestID      string
}

// SignInResult says what the sign-in did.
type SignInResult struct {
	PersonID    int64
	Epoch       int64 // the person's session epoch, for the new session
	Created     bool
	LinkedBy    string // "employee_number", "email" or "" when not newly linked
	RolesBefore []portal.Role
	RolesAfter  []portal.Role
}

// ErrInactive means the person exists but may no longer sign in.
var ErrInactive = portal.Forbidden("Ditt konto i IT-portalen är inte aktivt. Kontakta IT-enheten om du behöver tillgång.")

// SignIn finds or creates the person behind a verified identity, links a
// person who existed before their first sign-in (by employee number, or by
// verified e-mail when trusted; never by name), updates their profile, and
// recomputes their roles, auditing every change. A linked identity is never
// relinked by e-mail.
func (s *PersonService) SignIn(ctx context.Context, in SignInInput) (_ SignInResult, err error) {
	defer wrap(&err, "sign in")
	for attempt := 0; ; attempt++ {
		res, err := s.signIn(ctx, in)
		// Two first sign-ins of one identity at once: the loser retries and
		// finds the winner's row.
		if attempt == 0 && isUniqueViolation(err) {
			continue
		}
		return res, err
	}
}

func (s *PersonService) signIn(ctx context.Context, in SignInInput) (SignInResult, error) {
	var res SignInResult
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var active bool
		err := tx.QueryRow(ctx, `
			SELECT id, active FROM people
			WHERE identity_issuer = $1 AND identity_subject = $2
			FOR UPDATE`, in.Issuer, in.Subject).Scan(&res.PersonID, &active)
		switch {
		case err == nil:
			if !active {
				return ErrInactive
			}
		case errors.Is(err, pgx.ErrNoRows):
			if err := s.linkOrCreate(ctx, tx, in, &res); err != nil {
				return err
			}
		default:
			return translate(err)
		}

		// Profile from the identity provider. HR data (a later import) decides
		// the department when no department claim is configured.
		if err := tx.QueryRow(ctx, `
			UPDATE people SET
				name = CASE WHEN $2 <> '' THEN $2 ELSE name END,
				email = CASE WHEN $3 <> '' THEN $3 ELSE email END,
				department_id = COALESCE((SELECT id FROM departments
					WHERE $4 <> '' AND (lower(name) = lower($4) OR lower(short_name) = lower($4)) LIMIT 1), department_id),
				last_sign_in_at = now(),
				updated_at = now()
			WHERE id = $1
			RETURNING session_epoch`, res.PersonID, clip(in.Name, 200), clip(in.Email, 320), in.Department).Scan(&res.Epoch); err != nil {
			return translate(err)
		}

		// The person's row is locked above, which serialises role changes.
		before, err := rolesOf(ctx, tx, res.PersonID)
		if err != nil {
			return err
		}
		after := normaliseRoles(in.Roles)
		res.RolesBefore, res.RolesAfter = before, after
		if !slices.Equal(before, after) {
			if _, err := tx.Exec(ctx, `DELETE FROM person_roles WHERE person_id = $1 AND NOT (role = ANY($2))`, res.PersonID, roleStrings(after)); err != nil {
				return translate(err)
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO person_roles (person_id, role) SELECT $1, unnest($2::text[])
				ON CONFLICT DO NOTHING`, res.PersonID, roleStrings(after)); err != nil {
				return translate(err)
			}
			if err := appendAudit(ctx, tx, AuditEntry{
				ActorID: res.PersonID, Action: "person.roles_changed", ObjectType: "person",
				ObjectID: strconv.FormatInt(res.PersonID, 10), RequestID: in.RequestID,
				Changes: map[string]any{"roles": map[string]any{"before": roleStrings(before), "after": roleStrings(after)}, "source": "sign_in"},
			}); err != nil {
				return err
			}
		}
		// A new person, or a new department, changes what they must acknowledge.
		if err := s.keep.refresh(ctx, tx, Scope{People: []int64{res.PersonID}}); err != nil {
			return err
		}
		return nil
	})
	return res, err
}

func (s *PersonService) linkOrCreate(ctx context.Context, tx pgx.Tx, in SignInInput, res *SignInResult) error {
	var candidates []int64
	if in.EmployeeNumber != "" {
		rows, err := tx.Query(ctx, `
			SELECT id FROM people WHERE employee_number = $1 AND identity_subject IS NULL AND active
			FOR UPDATE`, in.EmployeeNumber)
		if err != nil {
			return translate(err)
		}
		if candidates, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return translate(err)
		}
		if len(candidates) == 1 {
			res.LinkedBy = "employee_number"
		}
	}
	if res.LinkedBy == "" && in.TrustEmail && in.EmailVerified && in.Email != "" {
		rows, err := tx.Query(ctx, `
			SELECT id FROM people WHERE lower(email) = lower($1) AND identity_subject IS NULL AND active
			FOR UPDATE`, in.Email)
		if err != nil {
			return translate(err)
		}
		if candidates, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return translate(err)
		}
		// Two unlinked people with one address is ambiguous: an admin decides.
		if len(candidates) == 1 {
			res.LinkedBy = "email"
		}
	}
	if res.LinkedBy != "" {
		res.PersonID = candidates[0]
		if _, err := tx.Exec(ctx, `UPDATE people SET identity_issuer = $2, identity_subject = $3 WHERE id = $1`,
			res.PersonID, in.Issuer, in.Subject); err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{
			ActorID: res.PersonID, Action: "person.identity_linked", ObjectType: "person",
			ObjectID: strconv.FormatInt(res.PersonID, 10), RequestID: in.RequestID,
			Changes: map[string]any{"linked_by": res.LinkedBy, "issuer": in.Issuer},
		})
	}
	name := clip(in.Name, 200)
	if strings.TrimSpace(name) == "" {
		name = "Okänd användare"
	}
	if err := tx.QueryRow(ctx, `
		INSERT INTO people (identity_issuer, identity_subject, name, email)
		VALUES ($1, $2, $3, $4) RETURNING id`,
		in.Issuer, in.Subject, name, clip(in.Email, 320)).Scan(&res.PersonID); err != nil {
		return err // a unique violation is retried by SignIn
	}
	res.Created = true
	return appendAudit(ctx, tx, AuditEntry{
		ActorID: res.PersonID, Action: "person.created_by_sign_in", ObjectType: "person",
		ObjectID: strconv.FormatInt(res.PersonID, 10), RequestID: in.RequestID,
		Changes: map[string]any{"issuer": in.Issuer},
	})
}

// SessionCheck is what a request needs to trust a session: the actor, and
// whether the person is still active and the session not ended since.
type SessionCheck struct {
	Actor      portal.Actor
	Active     bool
	Epoch      int64 // sessions signed in under another epoch are ended
	MergedInto int64
}

// Actor loads the person behind a session, with roles and department.
func (s *PersonService) Actor(ctx context.Context, personID int64) (SessionCheck, error) {
	return scanSessionCheck(s.pool.QueryRow(ctx, actorQuery, personID))
}

// actorQuery reads the person behind a session ($1): who they are, their
// roles, whether a stand-in period of theirs covers today, and whether the
// session may go on.
const actorQuery = `
	SELECT p.id, p.name, p.email, p.department_id, d.name, p.active, p.session_epoch, p.merged_into,
	       COALESCE((SELECT array_agg(role ORDER BY role) FROM person_roles r WHERE r.person_id = p.id), '{}'),
	       EXISTS (SELECT 1 FROM deputy_periods_in_force f WHERE f.deputy_id = p.id AND current_date BETWEEN f.starts_on AND f.ends_on)
	FROM people p LEFT JOIN departments d ON d.id = p.department_id
	WHERE p.id = $1`

func scanSessionCheck(row pgx.Row) (SessionCheck, error) {
	var c SessionCheck
	var roles []string
	var deptID *int64
	var deptName *string
	var merged *int64
	err := row.Scan(&c.Actor.PersonID, &c.Actor.Name, &c.Actor.Email, &deptID, &deptName, &c.Active, &c.Epoch, &merged, &roles, &c.Actor.StandsIn)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, portal.NotFound("Personen finns inte.")
	}
	if err != nil {
		return c, fmt.Errorf("load actor: %w", translate(err))
	}
	if deptID != nil {
		c.Actor.DepartmentID = *deptID
	}
	if deptName != nil {
		c.Actor.DepartmentName = *deptName
	}
	if merged != nil {
		c.MergedInto = *merged
	}
	for _, r := range roles {
		c.Actor.Roles = append(c.Actor.Roles, portal.Role(r))
	}
	return c, nil
}

// EndSessions ends every session of a person at their next request, on
// every replica. Admin only.
func (s *PersonService) EndSessions(ctx context.Context, actor *portal.Actor, personID int64, correlationID string) (err error) {
	defer wrap(&err, "end the sessions of person %d", personID)
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if !portal.CanAdminister(actor) {
			return portal.Forbidden("Bara administratörer kan avsluta andras sessioner.")
		}
		tag, err := tx.Exec(ctx, `UPDATE people SET session_epoch = session_epoch + 1 WHERE id = $1`, personID)
		if err != nil {
			return translate(err)
		}
		if tag.RowsAffected() == 0 {
			return portal.NotFound("Personen finns inte.")
		}
		if err := appendAudit(ctx, tx, AuditEntry{
			ActorID: actor.PersonID, Action: "person.sessions_ended", ObjectType: "person",
			ObjectID: strconv.FormatInt(personID, 10), RequestID: correlationID,
		}); err != nil {
			return err
		}
		return nil
	})
	return err
}

// LinkIdentity moves the sign-in identity of a person record created at
// sign-in (from) to the person who existed before (to), and deactivates the
// duplicate. Admin only; for people the automatic rules could not link.
func (s *PersonService) LinkIdentity(ctx context.Context, actor *portal.Actor, from, to int64, correlationID string) (err error) {
	defer wrap(&err, "link the identity of person %d to person %d", from, to)
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if !portal.CanAdminister(actor) {
			return portal.Forbidden("Bara administratörer kan koppla inloggningar.")
		}
		if from == to {
			return portal.Invalid("Välj en annan person.", map[string]string{"target": "Välj en annan person än den du kopplar från."})
		}
		var iss, sub *string
		var fromActive bool
		err := tx.QueryRow(ctx, `SELECT identity_issuer, identity_subject, active FROM people WHERE id = $1 FOR UPDATE`, from).Scan(&iss, &sub, &fromActive)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Personen finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		if sub == nil || !fromActive {
			return portal.Invalid("Personen har ingen aktiv inloggning att koppla.", map[string]string{"target": "Personen har ingen aktiv inloggning att koppla."})
		}
		var toSub *string
		var toActive bool
		err = tx.QueryRow(ctx, `SELECT identity_subject, active FROM people WHERE id = $1 FOR UPDATE`, to).Scan(&toSub, &toActive)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.Invalid("Personen finns inte.", map[string]string{"target": "Välj en person i listan."})
		}
		if err != nil {
			return translate(err)
		}
		if toSub != nil || !toActive {
			return portal.Invalid("Personen har redan en inloggning.", map[string]string{"target": "Den valda personen har redan en inloggning eller är inaktiv."})
		}
		if _, err := tx.Exec(ctx, `
			UPDATE people SET identity_issuer = NULL, identity_subject = NULL, active = false,
				merged_into = $2, session_epoch = session_epoch + 1, updated_at = now()
			WHERE id = $1`, from, to); err != nil {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM person_roles WHERE person_id = $1`, from); err != nil {
			return translate(err)
		}
		if _, err := tx.Exec(ctx, `
			UPDATE people SET identity_issuer = $2, identity_subject = $3, updated_at = now() WHERE id = $1`, to, *iss, *sub); err != nil {
			return translate(err)
		}
		for _, e := range []AuditEntry{
			{ActorID: actor.PersonID, Action: "person.identity_moved", ObjectType: "person", ObjectID: strconv.FormatInt(from, 10),
				RequestID: correlationID, Changes: map[string]any{"merged_into": to}},
			{ActorID: actor.PersonID, Action: "person.identity_linked", ObjectType: "person", ObjectID: strconv.FormatInt(to, 10),
				RequestID: correlationID, Changes: map[string]any{"linked_by": "admin", "from_person": from}},
		} {
			if err := appendAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		if err := s.refreshPeople(ctx, tx, []int64{from, to}); err != nil {
			return err
		}
		return nil
	})
	return err
}

// refreshPeople recomputes the breaches of people whose activity or
// department changed, and of the systems where they hold a role.
func (s *PersonService) refreshPeople(ctx context.Context, tx pgx.Tx, ids []int64) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT system_id FROM role_assignments WHERE person_id = ANY($1) ORDER BY system_id`, ids)
	if err != nil {
		return translate(err)
	}
	systems, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return translate(err)
	}
	return s.keep.refresh(ctx, tx, Scope{People: ids, Systems: systems})
}

// PersonFilter narrows List.
type PersonFilter struct {
	Query  string
	Limit  int
	Offset int
}

// Get returns one person (admin pages).
func (s *PersonService) Get(ctx context.Context, actor *portal.Actor, id int64) (_ portal.Person, _ []AuditRow, err error) {
	defer wrap(&err, "get person %d", id)
	var p portal.Person
	if !portal.CanAdminister(actor) {
		return p, nil, portal.Forbidden("Bara administratörer ser personuppgifterna här.")
	}
	var audit []AuditRow
	err = readTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, personSelect+` WHERE p.id = $1`, id)
		if err != nil {
			return translate(err)
		}
		list, err := pgx.CollectRows(rows, scanPerson)
		if err != nil {
			return translate(err)
		}
		if len(list) == 0 {
			return portal.NotFound("Personen finns inte.")
		}
		rs, err := auditFor(ctx, tx, "person", strconv.FormatInt(id, 10))
		if err != nil {
			return translate(err)
		}
		p, audit = list[0], rs
		return nil
	})
	return p, audit, err
}

// List searches people by name or e-mail (admin pages).
func (s *PersonService) List(ctx context.Context, actor *portal.Actor, f PersonFilter) (_ []portal.Person, err error) {
	defer wrap(&err, "list people")
	if !portal.CanAdminister(actor) {
		return nil, portal.Forbidden("Bara administratörer ser personlistan.")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Offset < 0 || f.Offset > 1_000_000 {
		f.Offset = 0
	}
	// Part of a name, in any case and without å, ä and ö; part of an
	// e-mail address; an employee number. (The person picker also forgives
	// typos; a list of everyone matching does not: "Medarbetare 01" would
	// list every Medarbetare.)
	q := strings.TrimSpace(f.Query)
	rows, err := s.pool.Query(ctx, personSelect+`
		WHERE @q = '' OR p.name_key LIKE '%' || fold(@like) || '%'
		   OR lower(p.email) LIKE '%' || lower(@like) || '%' OR p.employee_number = @q
		ORDER BY p.name COLLATE swedish, p.id
		LIMIT @limit OFFSET @offset`, pgx.NamedArgs{"q": q, "like": escapeLike(q), "limit": f.Limit, "offset": f.Offset})
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanPerson)
	return list, translate(err)
}

// Search finds active people for a picker (anyone who may change roles):
// by name (typo-tolerant), e-mail or employee number; the already chosen
// person (chosenID) is always included.
func (s *PersonService) Search(ctx context.Context, actor *portal.Actor, q, chosenID string) (_ []portal.Person, err error) {
	defer wrap(&err, "search people")
	if !portal.CanManageRegister(actor) {
		return nil, portal.Forbidden("Bara IT-enheten söker bland personer här.")
	}
	chosen, _ := strconv.ParseInt(chosenID, 10, 64)
	q = strings.TrimSpace(q)
	rows, err := s.pool.Query(ctx, personSelect+`
		WHERE p.active AND (p.id = @chosen OR (@q <> '' AND (p.name_key LIKE '%' || fold(@like) || '%' OR p.name_key % fold(@q)
		       OR lower(p.email) = lower(@q) OR p.employee_number = @q)))
		ORDER BY p.id = @chosen DESC, similarity(p.name_key, fold(@q)) DESC, p.name COLLATE swedish, p.id
		LIMIT 25`, pgx.NamedArgs{"q": q, "like": escapeLike(q), "chosen": chosen})
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanPerson)
	return list, translate(err)
}

const personSelect = `
	SELECT p.id, p.name, p.email, COALESCE(p.employee_number, ''), COALESCE(p.department_id, 0), COALESCE(d.name, ''),
	       p.active, COALESCE(p.identity_issuer, ''), COALESCE(p.identity_subject, ''), p.last_sign_in_at,
	       COALESCE(p.merged_into, 0),
	       COALESCE((SELECT array_agg(role ORDER BY role) FROM person_roles r WHERE r.person_id = p.id), '{}')
	FROM people p LEFT JOIN departments d ON d.id = p.department_id`

func scanPerson(row pgx.CollectableRow) (portal.Person, error) {
	var p portal.Person
	var roles []string
	err := row.Scan(&p.ID, &p.Name, &p.Email, &p.EmployeeNumber, &p.DepartmentID, &p.DepartmentName,
		&p.Active, &p.IdentityIssuer, &p.IdentitySubject, &p.LastSignInAt, &p.MergedInto, &roles)
	for _, r := range roles {
		p.Roles = append(p.Roles, portal.Role(r))
	}
	return p, err
}

func rolesOf(ctx context.Context, tx pgx.Tx, personID int64) ([]portal.Role, error) {
	rows, err := tx.Query(ctx, `SELECT role FROM person_roles WHERE person_id = $1 ORDER BY role`, personID)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, translate(err)
	}
	out := make([]portal.Role, 0, len(list))
	for _, r := range list {
		out = append(out, portal.Role(r))
	}
	return out, nil
}

func normaliseRoles(in []portal.Role) []portal.Role {
	out := make([]portal.Role, 0, len(in))
	for _, r := range in {
		if r.Valid() && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

func roleStrings(rs []portal.Role) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, string(r))
	}
	return out
}

// clip shortens s to at most n runes: providers may send anything.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "")
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// escapeLike makes s match literally inside ILIKE.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Notification is something a person was told ("Händelser").
type Notification struct {
	Subject string
	Link    string
	At      time.Time
}

// Notifications returns the actor's latest notifications, newest first.
func (s *PersonService) Notifications(ctx context.Context, actor *portal.Actor, limit int) (_ []Notification, err error) {
	if actor == nil {
		return nil, nil
	}
	defer wrap(&err, "notifications of person %d", actor.PersonID)
	return s.notifications(ctx, actor.PersonID, limit)
}

func (s *PersonService) notifications(ctx context.Context, personID int64, limit int) ([]Notification, error) {
	actor := &portal.Actor{PersonID: personID}
	rows, err := s.pool.Query(ctx, `SELECT subject, link, created_at FROM notifications WHERE person_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, actor.PersonID, limit)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Notification, error) {
		var n Notification
		err := r.Scan(&n.Subject, &n.Link, &n.At)
		return n, err
	})
	return list, translate(err)
}

// OutboxMail is a mail kept in the outbox (no mail server configured).
type OutboxMail struct {
	Recipient string
	Subject   string
	Text      string
	At        time.Time
}

// Outbox returns the latest mails of the outbox. Dev mode only (the route
// exists only there); administrators may read it.
func (s *PersonService) Outbox(ctx context.Context, actor *portal.Actor) (_ []OutboxMail, err error) {
	defer wrap(&err, "read the mail outbox")
	if actor == nil {
		return nil, portal.Forbidden("Logga in.")
	}
	rows, err := s.pool.Query(ctx, `SELECT recipient, subject, text_body, created_at FROM mail_outbox ORDER BY id DESC LIMIT 200`)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxMail, error) {
		var m OutboxMail
		err := r.Scan(&m.Recipient, &m.Subject, &m.Text, &m.At)
		return m, err
	})
	return list, translate(err)
}
