package demo_test

import (
	"context"
	"testing"

	"itportal/internal/demo"
	"itportal/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestLoadTwice: the demo data loads into a fresh database and loading it
// again adds nothing; some systems are evaluated, one has a draft, some
// are overdue.
func TestLoadTwice(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	ctx := context.Background()
	for range 2 {
		if err := demo.Load(ctx, db.Pool(t), "https://www.lillaedet.se"); err != nil {
			t.Fatal(err)
		}
	}
	var evaluated, drafts, overdue int
	if err := db.OwnerPool(t).QueryRow(ctx, `SELECT (SELECT count(*) FROM evaluations WHERE NOT legacy), (SELECT count(*) FROM evaluation_drafts),
		(SELECT count(*) FROM evaluation_due WHERE required AND due_on < current_date)`).Scan(&evaluated, &drafts, &overdue); err != nil {
		t.Fatal(err)
	}
	if evaluated != len(demo.Evaluations) || drafts != 1 || overdue == 0 {
		t.Errorf("%d evaluations, %d drafts, %d overdue", evaluated, drafts, overdue)
	}
}
