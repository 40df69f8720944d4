package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// StandInService keeps the stand-in periods (ersättarperioder,
// migration 00035): when the IT head's ersättare acts for the IT head.
// The IT head and administrators set and end them; they are never
// changed or deleted. A decision reads the period that covers its day in
// its own transaction (standingIn).
type StandInService struct {
	pool *pgxpool.Pool
}

// NewStandInService returns the service over pool.
func NewStandInService(pool *pgxpool.Pool) *StandInService { return &StandInService{pool: pool} }

// standInLock serialises the periods: setting or ending one holds it
// exclusively, a deputy's decision shared, so a decision never sees a
// period half set or ended.
const standInLock = 0x6974706f7274_35

// StandInPeriod is a period as set, with its early end if it has one.
type StandInPeriod struct {
	ID         int64
	DeputyID   int64
	DeputyName string
	From       time.Time // the first day
	To         time.Time // the last day as set
	LastDay    time.Time // the last day after an early end (From - 1 when called off)
	Note       string
	SetBy      string
	SetAt      time.Time
	EndedBy    string     // who ended it early, if anyone
	EndedAt    *time.Time // when
}

// Ended reports whether the period was ended early.
func (p StandInPeriod) Ended() bool { return p.EndedAt != nil }

// CalledOff reports whether it was ended before it began.
func (p StandInPeriod) CalledOff() bool { return p.LastDay.Before(p.From) }

// Covers reports whether the period (after any early end) includes day.
func (p StandInPeriod) Covers(day time.Time) bool {
	return !day.Before(p.From) && !day.After(p.LastDay)
}

// StandInOverview is the stand-in page: every period, newest first, and
// the people who may be chosen (those with the ersättare's role).
type StandInOverview struct {
	Periods  []StandInPeriod
	Deputies []portal.Choice
}

const standInSelect = `
	SELECT p.id, p.deputy_id, dp.name, p.starts_on, p.ends_on, LEAST(p.ends_on, COALESCE(e.last_day, p.ends_on)), p.note,
	       sb.name, p.set_at, COALESCE(eb.name, ''), e.ended_at
	FROM deputy_periods p
	JOIN people dp ON dp.id = p.deputy_id
	JOIN people sb ON sb.id = p.set_by
	LEFT JOIN deputy_period_ends e ON e.period_id = p.id
	LEFT JOIN people eb ON eb.id = e.ended_by`

func scanStandIn(row pgx.CollectableRow) (StandInPeriod, error) {
	var p StandInPeriod
	err := row.Scan(&p.ID, &p.DeputyID, &p.DeputyName, &p.From, &p.To, &p.LastDay, &p.Note, &p.SetBy, &p.SetAt, &p.EndedBy, &p.EndedAt)
	return p, err
}

// Overview returns the periods and the deputies to choose from: for the
// IT head and administrators.
func (s *StandInService) Overview(ctx context.Context, actor *portal.Actor) (_ StandInOverview, err error) {
	defer wrap(&err, "stand-in periods")
	var out StandInOverview
	if !portal.CanSetStandIn(actor) {
		return out, portal.Forbidden("Bara chefen för IT-enheten och administratörer anger ersättarperioder.")
	}
	err = snapshotTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, standInSelect+` ORDER BY p.set_at DESC, p.id DESC LIMIT 200`)
		if err != nil {
			return translate(err)
		}
		if out.Periods, err = pgx.CollectRows(rows, scanStandIn); err != nil {
			return translate(err)
		}
		rows, err = tx.Query(ctx, `
			SELECT p.id::text, p.name FROM people p JOIN person_roles r ON r.person_id = p.id AND r.role = 'it_head_deputy'
			WHERE p.active AND p.merged_into IS NULL ORDER BY p.name, p.id`)
		if err != nil {
			return translate(err)
		}
		out.Deputies, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (portal.Choice, error) {
			var c portal.Choice
			err := row.Scan(&c.Value, &c.Label)
			return c, err
		})
		return translate(err)
	})
	return out, err
}

// Today returns the period that covers today, if any: everyone signed in
// may know who stands in for the IT head.
func (s *StandInService) Today(ctx context.Context, actor *portal.Actor) (_ *StandInPeriod, err error) {
	defer wrap(&err, "today's stand-in period")
	if actor == nil {
		return nil, portal.Forbidden("Logga in.")
	}
	rows, err := s.pool.Query(ctx, standInSelect+`
		WHERE p.starts_on <= current_date AND LEAST(p.ends_on, COALESCE(e.last_day, p.ends_on)) >= current_date
		ORDER BY p.id LIMIT 1`)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, scanStandIn)
	if err != nil || len(list) == 0 {
		return nil, translate(err)
	}
	return &list[0], nil
}

// Set records a new period for deputy from from to to (both included),
// checked as portal.CheckStandIn says, for someone holding the
// ersättare's role, not overlapping a period in force.
func (s *StandInService) Set(ctx context.Context, actor *portal.Actor, deputyID int64, from, to *time.Time, note, correlationID string) (_ int64, err error) {
	defer wrap(&err, "set a stand-in period")
	if !portal.CanSetStandIn(actor) {
		return 0, portal.Forbidden("Bara chefen för IT-enheten och administratörer anger ersättarperioder.")
	}
	var id int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(standInLock)); err != nil {
			return translate(err)
		}
		note, errs := portal.CheckStandIn(deputyID, from, to, note, portal.Today())
		if errs["deputy"] == "" {
			var ok bool
			if err := tx.QueryRow(ctx, `
				SELECT EXISTS (SELECT 1 FROM people p JOIN person_roles r ON r.person_id = p.id AND r.role = 'it_head_deputy'
				               WHERE p.id = $1 AND p.active AND p.merged_into IS NULL)`, deputyID).Scan(&ok); err != nil {
				return translate(err)
			}
			if !ok {
				errs["deputy"] = "Välj en av ersättarna för chefen för IT-enheten."
			}
		}
		if len(errs) == 0 {
			var name string
			var first, last time.Time
			err := tx.QueryRow(ctx, `
				SELECT dp.name, f.starts_on, f.ends_on FROM deputy_periods_in_force f JOIN people dp ON dp.id = f.deputy_id
				WHERE f.starts_on <= $2 AND f.ends_on >= $1 ORDER BY f.starts_on LIMIT 1`, *from, *to).Scan(&name, &first, &last)
			switch {
			case err == nil:
				errs["from"] = portal.StandInOverlap(name, first, last)
			case !errors.Is(err, pgx.ErrNoRows):
				return translate(err)
			}
		}
		if len(errs) > 0 {
			return portal.Invalid("Perioden behöver rättas.", errs)
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO deputy_periods (deputy_id, starts_on, ends_on, note, set_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			deputyID, *from, *to, note, actor.PersonID).Scan(&id); err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "deputy_period.set", ObjectType: "deputy_period",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID,
			Changes: map[string]any{"deputy_id": deputyID, "from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "note": note}})
	})
	return id, err
}

// End ends a period early: the stand-in stops today (portal.EndOfStandIn),
// recorded beside the period with who ended it.
func (s *StandInService) End(ctx context.Context, actor *portal.Actor, id int64, correlationID string) (err error) {
	defer wrap(&err, "end stand-in period %d", id)
	if !portal.CanSetStandIn(actor) {
		return portal.Forbidden("Bara chefen för IT-enheten och administratörer avslutar ersättarperioder.")
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(standInLock)); err != nil {
			return translate(err)
		}
		rows, err := tx.Query(ctx, standInSelect+` WHERE p.id = $1`, id)
		if err != nil {
			return translate(err)
		}
		list, err := pgx.CollectRows(rows, scanStandIn)
		if err != nil {
			return translate(err)
		}
		if len(list) == 0 {
			return portal.NotFound("Perioden finns inte.")
		}
		p := list[0]
		if p.Ended() {
			return portal.Conflict("Perioden är redan avslutad.")
		}
		last, err := portal.EndOfStandIn(p.From, p.To, portal.Today())
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO deputy_period_ends (period_id, last_day, ended_by) VALUES ($1, $2, $3)`, id, last, actor.PersonID); err != nil {
			if isUniqueViolation(err) {
				return portal.Conflict("Perioden är redan avslutad.")
			}
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "deputy_period.ended", ObjectType: "deputy_period",
			ObjectID: strconv.FormatInt(id, 10), RequestID: correlationID,
			Changes: map[string]any{"to": map[string]any{"before": p.To.Format(time.DateOnly), "after": last.Format(time.DateOnly)}}})
	})
}

// standingIn reads, in a decision's transaction, whether actor acts for
// the IT head on the decision's day (today): the period that covers it,
// or 0. It returns a copy of actor with StandsIn as the period says, so
// the decision is checked against the period as it stands, not as it
// stood when the page was loaded.
func standingIn(ctx context.Context, tx pgx.Tx, actor *portal.Actor) (*portal.Actor, int64, error) {
	if actor == nil {
		return nil, 0, nil
	}
	a := *actor
	a.StandsIn = false
	if !a.Has(portal.RoleITHeadDeputy) {
		return &a, 0, nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, int64(standInLock)); err != nil {
		return nil, 0, translate(err)
	}
	var period int64
	err := tx.QueryRow(ctx, `
		SELECT id FROM deputy_periods_in_force WHERE deputy_id = $1 AND $2::date BETWEEN starts_on AND ends_on ORDER BY id LIMIT 1`,
		a.PersonID, portal.Today()).Scan(&period)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return &a, 0, nil
	case err != nil:
		return nil, 0, translate(err)
	}
	a.StandsIn = true
	return &a, period, nil
}

// decisionEvent appends a decision to the timeline with the capacity it
// was made in (portal.ActingAsDeputy and the stand-in period relied on,
// or none).
func (s *RequestService) decisionEvent(ctx context.Context, tx pgx.Tx, actor *portal.Actor, id int64, t portal.Transition, motivation, actingAs string, period int64) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO request_events (request_id, actor_id, event, from_state, to_state, comment, acting_as, deputy_period_id)
		VALUES ($1, $2, 'transition', $3, $4, $5, $6, $7)`, id, actor.PersonID, string(t.From), string(t.To), motivation, actingAs, nullID(period))
	if err != nil && !isUniqueViolation(err) {
		return translate(err)
	}
	return err // the caller tells a second decision from other errors
}

// decisionCapacity is the capacity the actor decides case r in, and the
// period to record with it.
func decisionCapacity(actor *portal.Actor, r Request, period int64) (string, int64) {
	if !portal.DecidesAsDeputy(actor, r.Kind, r.AuthorID, r.AuthorIsITHead) {
		return "", 0
	}
	if !actor.StandsIn {
		period = 0 // the IT head's own case: the deputy's standing right
	}
	return portal.ActingAsDeputy, period
}
