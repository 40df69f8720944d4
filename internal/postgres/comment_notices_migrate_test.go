package postgres_test

import (
	"context"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"itportal/internal/postgres"
)

// TestCommentsToldBeforeTheUpgradeAreNotToldAgain: migration 00029 marks
// the comments the old version already told (one "notify" job each) as
// told, and leaves those whose old job still waits to that job: the new
// coalesced notices never repeat an old comment.
func TestCommentsToldBeforeTheUpgradeAreNotToldAgain(t *testing.T) {
	t.Parallel()
	db, owner := migratedTo(t, 28)
	ctx := context.Background()
	rm, err := rivermigrate.New(riverpgxv5.New(owner), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		t.Fatal(err)
	}
	var author, other, told, waiting, it, itLater int64
	steps := []struct {
		sql  string
		dest *int64
	}{
		{`INSERT INTO people (name) VALUES ('Anna') RETURNING id`, &author},
		{`INSERT INTO people (name) VALUES ('Mats') RETURNING id`, &other},
	}
	for _, s := range steps {
		if err := owner.QueryRow(ctx, s.sql).Scan(s.dest); err != nil {
			t.Fatal(err)
		}
	}
	var request int64
	if err := owner.QueryRow(ctx, `INSERT INTO requests (kind, state, author_id, title, number_year, number_seq) VALUES ('natanslutning', 'inskickat', $1, 'Gästnät', 2026, 1) RETURNING id`, author).Scan(&request); err != nil {
		t.Fatal(err)
	}
	comment := func(by int64, at string) int64 {
		t.Helper()
		var id int64
		if err := owner.QueryRow(ctx, `INSERT INTO request_events (request_id, actor_id, event, comment, at) VALUES ($1, $2, 'comment', 'x', $3::timestamptz) RETURNING id`, request, by, at).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	told = comment(author, "2026-11-01 10:00+01")    // its job is done and gone
	waiting = comment(author, "2026-11-01 10:05+01") // its job still waits
	comment(author, "2026-11-01 10:06+01")           // so does this one's (the same job tells both)
	it = comment(other, "2026-11-01 11:00+01")       // to the requester: told
	itLater = comment(other, "2026-11-01 11:30+01")  // told too
	if _, err := owner.Exec(ctx, `INSERT INTO river_job (args, kind, max_attempts, state, queue, priority, created_at)
		VALUES (jsonb_build_object('topic', 'request.commented', 'object_type', 'request', 'object_id', $1::bigint::text, 'audience', jsonb_build_array('it_unit')),
			'notify', 25, 'available', 'notify', 1, '2026-11-01 10:05+01')`, request); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Migrate(ctx, db.OwnerURL, quietLog); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	rows, err := owner.Query(ctx, `SELECT audience, told_up_to FROM case_comment_notices WHERE request_id = $1`, request)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		var n int64
		if err := rows.Scan(&a, &n); err != nil {
			t.Fatal(err)
		}
		got[a] = n
	}
	if got["it_unit"] != told || got["requester"] != itLater || len(got) != 2 {
		t.Errorf("told up to %v, want it_unit %d (before %d, whose job waits) and requester %d (after %d)", got, told, waiting, itLater, it)
	}
}
