package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// NetworkAccessService reads the list of network access (§6 ¶2, §10):
// the granted network-access cases, who has access, to what, decided by
// whom and until when. Everyone signed in reads it (the cases are public
// records); IT-enheten records that an access has been closed, which ends
// its breach of R23.
type NetworkAccessService struct {
	pool *pgxpool.Pool
	now  func() time.Time
	keep breachKeeper
}

// NewNetworkAccessService returns the service over pool; official is
// ITPORTAL_OFFICIAL_WEB_ADDRESS (for the breach keeper), now its clock.
func NewNetworkAccessService(pool *pgxpool.Pool, official string, now func() time.Time) *NetworkAccessService {
	if now == nil {
		now = time.Now
	}
	return &NetworkAccessService{pool: pool, now: now, keep: breachKeeper{official: official, now: now}}
}

// NetworkAccess is one granted network access.
type NetworkAccess struct {
	RequestID    int64
	Number       string
	Organisation string // the municipal company or partner
	Department   string // the department that filed the case
	AccessTo     string
	AccessPeriod string // as the case says it in words
	DecidedBy    string
	DecidedAt    time.Time
	ValidUntil   *time.Time // the last day; nil: none given
	ClosedOn     *time.Time // recorded closed by IT-enheten
	ClosedBy     string
	Expired      bool // past its last day and not closed: a breach (R23)
}

// State is the access's status in words.
func (a NetworkAccess) State() string {
	switch {
	case a.ClosedOn != nil:
		return "Stängd"
	case a.Expired:
		return "Har gått ut"
	case a.ValidUntil == nil:
		return "Gäller, inget slutdatum"
	}
	return "Gäller"
}

const networkAccessSelect = `
	SELECT r.id, COALESCE(r.number, ''), COALESCE(r.details ->> 'organisation', ''), COALESCE(d.name, ''),
	       COALESCE(r.details ->> 'access_to', ''), COALESCE(r.details ->> 'access_period', ''),
	       COALESCE(p.name, ''), r.decided_at, ` + networkAccessUntil + `, nc.closed_on, COALESCE(cp.name, '')
	FROM requests r
	LEFT JOIN departments d ON d.id = r.department_id
	LEFT JOIN people p ON p.id = r.decided_by
	LEFT JOIN network_access_closures nc ON nc.request_id = r.id
	LEFT JOIN people cp ON cp.id = nc.closed_by
	WHERE r.kind = 'natanslutning' AND r.state = 'beviljat'`

func (s *NetworkAccessService) collect(rows pgx.Rows, err error) ([]NetworkAccess, error) {
	if err != nil {
		return nil, translate(err)
	}
	today := portal.DateOf(s.now())
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (NetworkAccess, error) {
		var a NetworkAccess
		err := row.Scan(&a.RequestID, &a.Number, &a.Organisation, &a.Department, &a.AccessTo, &a.AccessPeriod,
			&a.DecidedBy, &a.DecidedAt, &a.ValidUntil, &a.ClosedOn, &a.ClosedBy)
		a.Expired = a.ClosedOn == nil && a.ValidUntil != nil && a.ValidUntil.Before(today)
		return a, err
	})
	return list, translate(err)
}

// List returns every granted network access, the ones that end first
// first (those without a last day last).
func (s *NetworkAccessService) List(ctx context.Context, actor *portal.Actor) (_ []NetworkAccess, err error) {
	defer wrap(&err, "list network access")
	if actor == nil {
		return nil, portal.Forbidden("Logga in för att läsa nätanslutningarna.")
	}
	return s.collect(s.pool.Query(ctx, networkAccessSelect+` ORDER BY nc.closed_on IS NOT NULL, 9 NULLS LAST, r.decided_at, r.id`))
}

// MaxClosureNote is the longest note of a closure, in characters.
const MaxClosureNote = 500

// Close records that a granted network access has been closed on a day
// (today or earlier). IT-enheten only; once per access.
func (s *NetworkAccessService) Close(ctx context.Context, actor *portal.Actor, requestID int64, closedOn *time.Time, note, correlationID string) (err error) {
	defer wrap(&err, "close network access %d", requestID)
	if !portal.CanManageRegister(actor) {
		return portal.Forbidden("Bara IT-enheten registrerar att en nätanslutning är stängd.")
	}
	note = strings.TrimSpace(note)
	errs := map[string]string{}
	today := portal.DateOf(s.now())
	switch {
	case closedOn == nil:
		errs["closed_on"] = "Ange dagen anslutningen stängdes, som ÅÅÅÅ-MM-DD."
	case closedOn.After(today):
		errs["closed_on"] = "Dagen kan inte vara senare än i dag (" + day(today) + "): registrera stängningen när den är gjord."
	case closedOn.Year() < 1990:
		errs["closed_on"] = "Ange ett datum mellan 1990 och i dag."
	}
	if msg := portal.TextProblem(note, MaxClosureNote, true); msg != "" {
		errs["note"] = msg
	}
	if len(errs) > 0 {
		return portal.Invalid("Uppgifterna behöver rättas.", errs)
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var org string
		err := tx.QueryRow(ctx, `SELECT COALESCE(details ->> 'organisation', '') FROM requests WHERE id = $1 AND kind = 'natanslutning' AND state = 'beviljat' FOR UPDATE`, requestID).Scan(&org)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Det finns ingen beviljad nätanslutning med det numret.")
		}
		if err != nil {
			return translate(err)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO network_access_closures (request_id, closed_on, note, closed_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			requestID, *closedOn, note, actor.PersonID)
		if err != nil {
			return translate(err)
		}
		if tag.RowsAffected() == 0 {
			return portal.Conflict("Anslutningen är redan registrerad som stängd.")
		}
		if err := s.keep.refresh(ctx, tx, Scope{Municipal: true}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "request.network_access_closed", ObjectType: "request",
			ObjectID: strconv.FormatInt(requestID, 10), RequestID: correlationID, Changes: map[string]any{
				"closed_on": map[string]any{"before": nil, "after": day(*closedOn)}, "organisation": map[string]any{"before": org, "after": org},
				"note": map[string]any{"before": nil, "after": note}}})
	})
}
