package components

import (
	"bytes"
	"context"
	"io"

	"github.com/a-h/templ"
)

// Prerendered is a component's output kept for reuse, so that a page shown
// to many people (the register's first page) renders its rows once. It can
// only be made by rendering a component, so its bytes are templ's escaped
// output: unlike a raw component it cannot carry unescaped text. (Its one
// field is unexported, so nothing outside this package can fill it.)
type Prerendered struct {
	b []byte
}

// Prerender renders c once and keeps the result.
func Prerender(ctx context.Context, c templ.Component) (Prerendered, error) {
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		return Prerendered{}, err
	}
	return Prerendered{b: buf.Bytes()}, nil
}

// Render writes the kept output.
func (p Prerendered) Render(_ context.Context, w io.Writer) error {
	_, err := w.Write(p.b)
	return err
}

// Len is the size of the kept output in bytes.
func (p Prerendered) Len() int { return len(p.b) }
