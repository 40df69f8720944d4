package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// AcknowledgementStatistics returns, per document version in force and
// department, how many must acknowledge it and how many have, with when
// it was counted (/api/v1/acknowledgements). Tokens need the
// acknowledgements scope; people IT-enheten's or an administrator's role.
// The numbers name no person.
func (s *DocumentService) AcknowledgementStatistics(ctx context.Context, actor *portal.Actor) ([]FollowUpRow, time.Time, error) {
	allowed := actor != nil && (actor.Token.Allows(portal.ScopeAcknowledgementsRead) ||
		(actor.Token == nil && portal.FollowsUpStaff(actor)))
	if !allowed {
		return nil, time.Time{}, portal.Forbidden("Statistiken över kvittenser visas för IT-enheten och administratörer.")
	}
	var rows []FollowUpRow
	var at time.Time
	err := readTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		rows, at, err = s.departmentCounts(ctx, tx)
		return err
	})
	return rows, at, err
}

// OutstandingByDocument is, per document in force, how many of its
// audience have not acknowledged it (for the metrics; no names).
func (s *DocumentService) OutstandingByDocument(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := readTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _, err := s.departmentCounts(ctx, tx)
		for _, r := range rows {
			out[r.Slug] += r.Outstanding()
		}
		return err
	})
	return out, err
}
