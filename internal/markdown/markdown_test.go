package markdown

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

func TestCanonicalAndHash(t *testing.T) {
	a, err := Canonical("\uFEFF# Regler\r\n\r\nText\r\n\n\n")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Canonical("# Regler\n\nText")
	if a != b || a != "# Regler\n\nText\n" || Hash(a) != Hash(b) || len(Hash(a)) != 64 {
		t.Fatalf("canonical forms differ: %q %q", a, b)
	}
	if _, err := Canonical("a\x00b"); err == nil {
		t.Error("NUL accepted")
	}
	if _, err := Canonical("\xff\xfe"); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
}

func TestRenderIsInert(t *testing.T) {
	src, _ := Canonical(`# Rubrik

<script>alert(1)</script>
<img src=x onerror="alert(1)">

[klicka](javascript:alert(1)) och [länk](https://www.lillaedet.se/)

![bild](javascript:alert(1)) <a href="javascript:alert(2)">rå länk</a>

| a | b |
|---|---|
| 1 | 2 |
`)
	h, err := Render(src)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.ToLower(h.String())
	for _, bad := range []string{"<script", "onerror", "javascript:", "<img src=\"x\""} {
		if strings.Contains(out, bad) {
			t.Errorf("rendered HTML contains %q:\n%s", bad, h)
		}
	}
	for _, good := range []string{"<h1", `href="https://www.lillaedet.se/"`, "<table>", "<td>2</td>"} {
		if !strings.Contains(out, good) {
			t.Errorf("rendered HTML lacks %q:\n%s", good, h)
		}
	}
	if s := Stored(`<p onclick="x()">ok</p><script>alert(1)</script>`).String(); strings.Contains(s, "onclick") || strings.Contains(s, "script") {
		t.Errorf("stored HTML not sanitised: %s", s)
	}
}

// Raw HTML is found wherever it is, with its line; Markdown that only
// looks like it (code, autolinks, escaped brackets) is not HTML.
func TestRawHTMLIsFound(t *testing.T) {
	for src, line := range map[string]int{
		"# Regler\n\n<div>dold</div>\n":              3,
		"Text med <span style=\"x\">inline</span>\n": 1,
		"Ett\n\nTvå\n\n<!-- en kommentar -->\n":      5,
		"<script>alert(1)</script>\n":                1,
		"- punkt\n- <b>fet</b>\n":                    2,
	} {
		c, _ := Canonical(src)
		got, snippet, found := RawHTML(c)
		if !found || got != line || !strings.HasPrefix(snippet, "<") {
			t.Errorf("%q: line %d %q %v, want line %d", src, got, snippet, found, line)
		}
	}
	for _, src := range []string{
		"# Regler\n\nSkriv `<div>` i koden.\n", "Se <https://www.lillaedet.se/>.\n", "a \\<b\\> c\n", "    <div>kodblock</div>\n",
		"```\n<div>\n```\n", "3 < 4 och 5 > 2\n",
	} {
		c, _ := Canonical(src)
		if line, snippet, found := RawHTML(c); found {
			t.Errorf("%q: HTML found on line %d: %q", src, line, snippet)
		}
	}
}

// What is accepted is shown in full: every word of a source without raw
// HTML is in the text staff read, so the hash of the source is the hash of
// what they saw.
func TestAcceptedTextIsShownInFull(t *testing.T) {
	src, _ := Canonical("# Regler för IT-säkerhet\n\nLösenord **delas aldrig**. Se [intranätet](https://intra.lillaedet.se/).\n\n" +
		"| Regel | Gäller |\n|---|---|\n| Lås skärmen | alla |\n\n- Skriv `<div>` som text\n- ~~gammalt~~ nytt\n\n> Citat 3 < 4\n")
	if _, _, found := RawHTML(src); found {
		t.Fatal("raw HTML found")
	}
	h, err := Render(src)
	if err != nil {
		t.Fatal(err)
	}
	shown := html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(h.String(), " "))
	for _, word := range strings.FieldsFunc(src, func(r rune) bool { return strings.ContainsRune(" \n|#*-~`>[]()", r) }) {
		if strings.HasPrefix(word, "https:") {
			continue // a link's address is in its href
		}
		if !strings.Contains(shown, word) {
			t.Errorf("%q is not shown:\n%s", word, h.String())
		}
	}
}
