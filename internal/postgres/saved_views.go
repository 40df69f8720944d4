package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"itportal/internal/portal"
)

// SavedView is a person's named filter of a list.
type SavedView struct {
	ID        int64
	List      string // portal.ViewListSystems or portal.ViewListRequests
	Name      string
	Query     string // the query string, as the list's parser accepted it
	CreatedAt time.Time
}

// Href is the list the view opens.
func (v SavedView) Href() string {
	if v.Query == "" {
		return "/" + v.List
	}
	return "/" + v.List + "?" + v.Query
}

// SavedViews returns the actor's saved views, by name.
func (s *PersonService) SavedViews(ctx context.Context, actor *portal.Actor) (_ []SavedView, err error) {
	defer wrap(&err, "saved views")
	if actor == nil {
		return nil, portal.Forbidden("Logga in.")
	}
	rows, err := s.pool.Query(ctx, `SELECT id, list, name, query, created_at FROM saved_views WHERE person_id = $1
		ORDER BY name COLLATE swedish, id`, actor.PersonID)
	if err != nil {
		return nil, translate(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[SavedView])
	return list, translate(err)
}

// SaveView keeps the actor's view of list under name; query must already
// be what the list's parser accepted (the handler re-parses it). A name
// taken for the same list, or a 21st view, is refused with a Swedish
// message on the field "namn", and nothing changes.
func (s *PersonService) SaveView(ctx context.Context, actor *portal.Actor, list, name, query, correlationID string) (_ int64, err error) {
	defer wrap(&err, "save view")
	if actor == nil {
		return 0, portal.Forbidden("Logga in.")
	}
	if list != portal.ViewListSystems && list != portal.ViewListRequests {
		return 0, portal.Invalid("Okänd lista.", map[string]string{"lista": "Välj registret eller ärendena."})
	}
	if name, err = portal.SavedViewName(name); err != nil {
		return 0, err
	}
	if len(query) > 2000 {
		return 0, portal.Invalid("Urvalet är för långt för att sparas.", map[string]string{"namn": "Urvalet är för långt för att sparas."})
	}
	var id int64
	err = inTx(ctx, s.pool, func(tx pgx.Tx) error {
		// The person's row lock: two saves at once count one after the other.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM people WHERE id = $1 FOR UPDATE`, actor.PersonID); err != nil {
			return translate(err)
		}
		var n int
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT count(*), COALESCE(bool_or(list = $2 AND lower(name) = lower($3)), false) FROM saved_views WHERE person_id = $1`,
			actor.PersonID, list, name).Scan(&n, &taken); err != nil {
			return translate(err)
		}
		switch {
		case taken:
			return portal.Invalid("Du har redan en vy med det namnet.", map[string]string{"namn": "Du har redan en vy som heter " + name + ". Välj ett annat namn eller ta bort den gamla."})
		case n >= portal.MaxSavedViews:
			return portal.Invalid("Du har redan 20 sparade vyer.", map[string]string{"namn": "Du kan spara högst 20 vyer. Ta bort en på Översikt först."})
		}
		if err := tx.QueryRow(ctx, `INSERT INTO saved_views (person_id, list, name, query) VALUES ($1, $2, $3, $4) RETURNING id`,
			actor.PersonID, list, name, query).Scan(&id); err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "view.saved", ObjectType: "saved_view",
			ObjectID: strconv.FormatInt(id, 10), Changes: map[string]any{"list": list, "name": name, "query": query}, RequestID: correlationID})
	})
	return id, err
}

// DeleteView removes one of the actor's own views; someone else's is
// NotFound, like one that does not exist.
func (s *PersonService) DeleteView(ctx context.Context, actor *portal.Actor, id int64, correlationID string) (err error) {
	defer wrap(&err, "delete view %d", id)
	if actor == nil {
		return portal.Forbidden("Logga in.")
	}
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `DELETE FROM saved_views WHERE id = $1 AND person_id = $2 RETURNING name`, id, actor.PersonID).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return portal.NotFound("Vyn finns inte.")
		}
		if err != nil {
			return translate(err)
		}
		return appendAudit(ctx, tx, AuditEntry{ActorID: actor.PersonID, Action: "view.deleted", ObjectType: "saved_view",
			ObjectID: strconv.FormatInt(id, 10), Changes: map[string]any{"name": name}, RequestID: correlationID})
	})
}
