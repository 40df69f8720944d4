package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"itportal/internal/portal"
)

// UploadService keeps uploaded files between the steps of an import.
type UploadService struct{ pool *pgxpool.Pool }

// NewUploadService returns the service over pool.
func NewUploadService(pool *pgxpool.Pool) *UploadService { return &UploadService{pool: pool} }

// Store keeps data for the actor and forgets files older than a day.
func (s *UploadService) Store(ctx context.Context, actor *portal.Actor, purpose, filename string, data []byte) (_ int64, err error) {
	defer wrap(&err, "store upload for %s", purpose)
	if actor == nil || actor.PersonID == 0 {
		return 0, portal.Forbidden("Logga in för att ladda upp filer.")
	}
	var id int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM uploads WHERE created_at < now() - interval '1 day'`); err != nil {
			return translate(err)
		}
		var inserted int64
		if err := tx.QueryRow(ctx, `INSERT INTO uploads (person_id, purpose, filename, data) VALUES ($1, $2, $3, $4) RETURNING id`,
			actor.PersonID, purpose, clip(filename, 255), data).Scan(&inserted); err != nil {
			return translate(err)
		}
		id = inserted
		return nil
	})
	return id, err
}

// Get returns an upload of the actor's own (another's is not found).
func (s *UploadService) Get(ctx context.Context, actor *portal.Actor, id int64, purpose string) (_ string, _ []byte, err error) {
	defer wrap(&err, "get upload %d", id)
	var name string
	var data []byte
	err = s.pool.QueryRow(ctx, `SELECT filename, data FROM uploads WHERE id = $1 AND person_id = $2 AND purpose = $3`,
		id, actor.PersonID, purpose).Scan(&name, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, portal.NotFound("Filen finns inte längre. Ladda upp den igen.")
	}
	return name, data, translate(err)
}

// Delete forgets an upload of the actor's own.
func (s *UploadService) Delete(ctx context.Context, actor *portal.Actor, id int64) (err error) {
	defer wrap(&err, "delete upload %d", id)
	_, err = s.pool.Exec(ctx, `DELETE FROM uploads WHERE id = $1 AND person_id = $2`, id, actor.PersonID)
	return translate(err)
}
