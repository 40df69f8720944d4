package server

import (
	"context"
	"sync"

	"github.com/a-h/templ"

	"itportal/web/components"
)

// keptRenders keeps rendered parts of pages whose inputs are values shared
// by every reader until the data changes: the register page's rows when
// the page comes from the read cache (postgres.SystemPage.Shared), and its
// filter form for the cached departments. Such a value is identified by
// the address of its first element; each entry holds the value it was
// rendered from, so no other value can be allocated at that address while
// the entry is kept. Rendering the 50 rows and the filters was half of the
// register page's cost.
type keptRenders[K comparable] struct {
	max int

	mu sync.Mutex
	m  map[K]keptRender
}

type keptRender struct {
	hold any // what the key's addresses point into
	html components.Prerendered
}

// rowsKey names rows shared by a read cache: the address of the first and
// how many there are.
type rowsKey[T any] struct {
	first *T
	n     int
}

// keyOfRows is the key of rows, which must not be empty.
func keyOfRows[T any](rows []T) rowsKey[T] { return rowsKey[T]{first: &rows[0], n: len(rows)} }

func newKeptRenders[K comparable](max int) *keptRenders[K] {
	return &keptRenders[K]{max: max, m: make(map[K]keptRender)}
}

// get returns what render renders, from the kept renders when key was
// rendered before. hold is the shared value key points into.
func (k *keptRenders[K]) get(ctx context.Context, key K, hold any, render func() templ.Component) (templ.Component, error) {
	k.mu.Lock()
	e, ok := k.m[key]
	k.mu.Unlock()
	if ok {
		return e.html, nil
	}
	html, err := components.Prerender(ctx, render())
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) >= k.max {
		// The shared values have moved on (each change to the register
		// makes new ones): start again rather than track which are stale.
		clear(k.m)
	}
	k.m[key] = keptRender{hold: hold, html: html}
	return html, nil
}
