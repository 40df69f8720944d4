package markdown

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// ChangeKind says whether a block of a comparison is in both versions, only
// in the newer one or only in the older one.
type ChangeKind int

// The kinds of a compared block.
const (
	Unchanged ChangeKind = iota
	Inserted
	Removed
)

// Change is one block of a comparison, rendered as readers see it.
type Change struct {
	Kind ChangeKind
	HTML HTML
}

// Compare compares two versions' canonical sources as readers see them:
// both are rendered, cut into blocks (paragraphs, headings, list items,
// tables, quotes, code) and the blocks compared in order, so a changed
// paragraph shows as the old one removed and the new one inserted, never as
// Markdown. The blocks are sanitised as Render's output is.
func Compare(older, newer string) ([]Change, error) {
	a, err := blocks(older)
	if err != nil {
		return nil, err
	}
	b, err := blocks(newer)
	if err != nil {
		return nil, err
	}
	// Each distinct block becomes one rune (from the supplementary planes,
	// so that none is a surrogate that a string would lose), and the runes
	// are compared.
	const first = 0x10000
	index := map[string]rune{}
	var byRune []string
	code := func(bs []string) []rune {
		out := make([]rune, len(bs))
		for i, s := range bs {
			r, ok := index[s]
			if !ok {
				r = rune(first + len(byRune))
				index[s] = r
				byRune = append(byRune, s)
			}
			out[i] = r
		}
		return out
	}
	ra, rb := code(a), code(b)
	lookup := func(r rune) string { return byRune[int(r)-first] }
	dmp := diffmatchpatch.New()
	var out []Change
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		kind := Unchanged
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			kind = Inserted
		case diffmatchpatch.DiffDelete:
			kind = Removed
		}
		for _, r := range d.Text {
			out = append(out, Change{Kind: kind, HTML: HTML{s: lookup(r)}})
		}
	}
	return out, nil
}

// blocks renders canonical Markdown block by block: every top-level block,
// a list item by item (each in a list of its own kind, numbered as in the
// whole), each sanitised.
func blocks(canonical string) ([]string, error) {
	src := []byte(canonical)
	doc := md.Parser().Parse(text.NewReader(src))
	r := md.Renderer()
	render := func(n ast.Node) (string, error) {
		var buf bytes.Buffer
		if err := r.Render(&buf, src, n); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(policy.Sanitize(s)); s != "" {
			out = append(out, s)
		}
	}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		list, ok := n.(*ast.List)
		if !ok {
			s, err := render(n)
			if err != nil {
				return nil, err
			}
			add(s)
			continue
		}
		number := list.Start
		for item := list.FirstChild(); item != nil; item = item.NextSibling() {
			s, err := render(item)
			if err != nil {
				return nil, err
			}
			if list.IsOrdered() {
				add(`<ol start="` + strconv.Itoa(number) + `">` + s + `</ol>`)
				number++
			} else {
				add("<ul>" + s + "</ul>")
			}
		}
	}
	return out, nil
}
