package server

import (
	"context"
	"sync"

	"github.com/a-h/templ"

	"itportal/web/components"
)

// keptRenders keeps the rendered rows of list pages that come from a read
// cache (postgres.SystemPage.Shared): such a page's rows are one slice
// shared by every reader until the data changes, so the slice's first
// element identifies what was rendered. Each entry holds its slice, so that
// no other slice can be allocated at the same address while the entry is
// kept. Rendering the register's 50 rows was a quarter of the page's cost.
type keptRenders[T any] struct {
	max int

	mu sync.Mutex
	m  map[*T]keptRender[T]
}

type keptRender[T any] struct {
	rows []T
	html components.Prerendered
}

func newKeptRenders[T any](max int) *keptRenders[T] {
	return &keptRenders[T]{max: max, m: make(map[*T]keptRender[T])}
}

// get returns the rows rendered by render, from the kept renders when the
// same rows were rendered before. Rows that are not shared are rendered and
// not kept.
func (k *keptRenders[T]) get(ctx context.Context, rows []T, shared bool, render func() templ.Component) (templ.Component, error) {
	if !shared || len(rows) == 0 {
		return render(), nil
	}
	key := &rows[0]
	k.mu.Lock()
	e, ok := k.m[key]
	k.mu.Unlock()
	if ok && len(e.rows) == len(rows) {
		return e.html, nil
	}
	html, err := components.Prerender(ctx, render())
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) >= k.max {
		// The cached pages have moved on (each change to the register makes
		// new ones): start again rather than track which entries are stale.
		clear(k.m)
	}
	k.m[key] = keptRender[T]{rows: rows, html: html}
	return html, nil
}
