package markdown

import (
	"errors"
	"strings"
	"testing"
)

// TestRenderWithHeadings: every heading gets a lowercase ASCII anchor from
// its words (a repeated one numbered), the headings come back in order, and
// a text with raw HTML is refused rather than shown without it.
func TestRenderWithHeadings(t *testing.T) {
	h, heads, err := RenderWithHeadings("## Ärenden och *utvärderingar*\n\ntext\n\n### API-nycklar (administratörer)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n## Hjälp\n\n## Hjälp\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Heading{{2, "Ärenden och utvärderingar", "arenden-och-utvarderingar"}, {3, "API-nycklar (administratörer)", "api-nycklar-administratorer"},
		{2, "Hjälp", "hjalp"}, {2, "Hjälp", "hjalp-2"}}
	if len(heads) != len(want) {
		t.Fatalf("headings %+v", heads)
	}
	for i := range want {
		if heads[i] != want[i] {
			t.Errorf("heading %d: %+v, want %+v", i, heads[i], want[i])
		}
	}
	for _, s := range []string{`<h2 id="arenden-och-utvarderingar">Ärenden och <em>utvärderingar</em></h2>`, `<h2 id="hjalp-2">Hjälp</h2>`,
		`<div class="table-wrap" role="region" aria-label="Tabell" tabindex="0"><table>`, "</table></div>"} {
		if !strings.Contains(h.String(), s) {
			t.Errorf("HTML lacks %s:\n%s", s, h)
		}
	}
	if _, _, err := RenderWithHeadings("# Rubrik\n\n<script>alert(1)</script>\n"); !errors.Is(err, ErrRawHTML) {
		t.Errorf("raw HTML: %v", err)
	}
}
