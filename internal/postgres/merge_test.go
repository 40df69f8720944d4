package postgres_test

import (
	"context"
	"testing"

	"itportal/internal/testkit"
)

// The portal's role may merge the search indexes' pending lists (through
// the owner's function), and nothing else of the owner's.
func TestRuntimeMergesSearchIndexLists(t *testing.T) {
	t.Parallel()
	db := testkit.NewDB(t)
	if _, err := db.Pool(t).Exec(context.Background(), `SELECT merge_search_index_lists()`); err != nil {
		t.Fatalf("merge as the runtime role: %v", err)
	}
	if _, err := db.Pool(t).Exec(context.Background(), `SELECT gin_clean_pending_list('systems_name_key_trgm_idx'::regclass)`); err == nil {
		t.Fatal("the runtime role cleaned an index it does not own directly")
	}
}
