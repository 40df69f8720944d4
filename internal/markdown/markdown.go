// Package markdown turns a governing document's Markdown source into the
// HTML staff read, and defines the canonical form whose SHA-256 is the
// evidence of what was shown.
package markdown

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// HTML is sanitised HTML. Only this package makes one, so a template that
// renders an HTML value renders what the policy allowed and nothing else.
type HTML struct{ s string }

// String returns the HTML text.
func (h HTML) String() string { return h.s }

// ErrNotUTF8 is returned for a source that is not UTF-8 text.
var ErrNotUTF8 = errors.New("the text is not UTF-8")

// Canonical returns the source as it is stored and hashed: UTF-8 without a
// byte order mark, LF line ends, no NUL, ending in one newline.
func Canonical(src string) (string, error) {
	if !utf8.ValidString(src) || strings.ContainsRune(src, 0) {
		return "", ErrNotUTF8
	}
	src = strings.TrimPrefix(src, "\uFEFF")
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	return strings.TrimRight(src, "\n") + "\n", nil
}

// Hash is the SHA-256 of the canonical source, in hex.
func Hash(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return hex.EncodeToString(sum[:])
}

var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// policy allows the formatting Markdown produces and nothing that runs:
// no scripts, styles, event attributes or javascript: links; images only
// from https.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("https", "http", "mailto")
	p.RequireNoFollowOnLinks(false)
	// A numbered list that starts elsewhere than 1 keeps its numbers (a
	// comparison shows list items one by one).
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	return p
}()

// RawHTML finds the first raw HTML in canonical Markdown (a block, an
// inline tag or a comment): staff never see it, since Render leaves it out,
// so a source holding it would be acknowledged for text nobody was shown.
// It returns the line (1-based) and the start of the HTML.
func RawHTML(canonical string) (line int, snippet string, found bool) {
	src := []byte(canonical)
	doc := md.Parser().Parse(text.NewReader(src))
	at := -1
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || at >= 0 {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.HTMLBlock:
			if n.Lines().Len() > 0 {
				at = n.Lines().At(0).Start
			}
		case *ast.RawHTML:
			if n.Segments.Len() > 0 {
				at = n.Segments.At(0).Start
			}
		}
		if at >= 0 {
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	if at < 0 {
		return 0, "", false
	}
	snippet, _, _ = strings.Cut(canonical[at:], "\n")
	if r := []rune(snippet); len(r) > 40 {
		snippet = string(r[:40]) + "…"
	}
	return bytes.Count(src[:at], []byte("\n")) + 1, snippet, true
}

// Render turns canonical Markdown into sanitised HTML. Raw HTML in the
// source is left out (goldmark's default) and the result is sanitised
// again, so neither the source nor a renderer bug can inject markup.
func Render(canonical string) (HTML, error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(canonical), &buf); err != nil {
		return HTML{}, err
	}
	return HTML{s: policy.Sanitize(buf.String())}, nil
}

// Stored returns HTML read back from the database, sanitised again on the
// way out: a row changed by hand cannot inject markup either.
func Stored(s string) HTML { return HTML{s: policy.Sanitize(s)} }
