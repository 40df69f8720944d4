package markdown

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// Heading is one heading of a rendered text, for its table of contents.
type Heading struct {
	Level int    // 1 for #, 2 for ## …
	Text  string // the heading's words
	ID    string // its anchor: lowercase ASCII words joined by hyphens
}

// ErrRawHTML is returned for a source that holds raw HTML.
var ErrRawHTML = errors.New("the text holds raw HTML")

// RenderWithHeadings renders canonical Markdown as Render does, gives every
// heading an anchor made from its words ("Ärenden" → "arenden", a second
// "Hjälp" → "hjalp-2") and returns the headings in order. A source with
// raw HTML is refused (ErrRawHTML) rather than shown without it. Tables
// come in a box of their own that scrolls sideways on a narrow screen.
func RenderWithHeadings(canonical string) (HTML, []Heading, error) {
	if line, _, found := RawHTML(canonical); found {
		return HTML{}, nil, errors.Join(ErrRawHTML, errors.New("at line "+strconv.Itoa(line)))
	}
	src := []byte(canonical)
	doc := md.Parser().Parse(text.NewReader(src))
	var headings []Heading
	used := map[string]int{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		words := plainText(h, src)
		id := slug(words)
		if used[id]++; used[id] > 1 {
			id += "-" + strconv.Itoa(used[id])
		}
		h.SetAttributeString("id", []byte(id))
		headings = append(headings, Heading{Level: h.Level, Text: words, ID: id})
		return ast.WalkSkipChildren, nil
	})
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, src, doc); err != nil {
		return HTML{}, nil, err
	}
	out := policy.Sanitize(buf.String())
	// A wide table scrolls in its own box (reachable by keyboard), not the page.
	out = strings.ReplaceAll(out, "<table>", `<div class="table-wrap" role="region" aria-label="Tabell" tabindex="0"><table>`)
	out = strings.ReplaceAll(out, "</table>", "</table></div>")
	return HTML{s: out}, headings, nil
}

// plainText is the words of a node, without their formatting.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			for t := c.FirstChild(); t != nil; t = t.NextSibling() {
				if s, ok := t.(*ast.Text); ok {
					b.Write(s.Segment.Value(src))
				}
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// slug makes an anchor of a heading's words: Swedish letters as their
// ASCII base letters, everything else that is not a letter or digit a
// hyphen, at most one in a row.
func slug(words string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(words) {
		switch r {
		case 'å', 'ä', 'à', 'á', 'â':
			r = 'a'
		case 'ö', 'ø', 'ó', 'ô':
			r = 'o'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'ü', 'ú':
			r = 'u'
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			hyphen = false
			continue
		}
		if !hyphen && b.Len() > 0 {
			b.WriteByte('-')
			hyphen = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if s == "" {
		return "rubrik"
	}
	return s
}
