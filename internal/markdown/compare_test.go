package markdown

import (
	"strings"
	"testing"
)

// TestCompareShowsRenderedBlocks: a comparison is of rendered blocks: the
// changed paragraph and list item are marked, the rest unchanged, and no
// Markdown syntax is left in what is shown.
func TestCompareShowsRenderedBlocks(t *testing.T) {
	older := "# Regler\n\nLösenord ska vara **minst 12 tecken**.\n\n- Lås datorn\n- Dela aldrig kontot\n\n1. Först\n\nSlutord.\n"
	newer := "# Regler\n\nLösenord ska vara **minst 16 tecken**.\n\n- Lås datorn\n- Dela aldrig kontot\n- Anmäl incidenter\n\n1. Först\n2. Sedan\n\nSlutord.\n"
	changes, err := Compare(older, newer)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		mark := map[ChangeKind]string{Unchanged: "=", Inserted: "+", Removed: "-"}[c.Kind]
		got = append(got, mark+c.HTML.String())
		if strings.Contains(c.HTML.String(), "**") || strings.Contains(c.HTML.String(), "# ") {
			t.Errorf("Markdown left in the comparison: %s", c.HTML)
		}
	}
	want := []string{
		"=<h1>Regler</h1>",
		"-<p>Lösenord ska vara <strong>minst 12 tecken</strong>.</p>",
		"+<p>Lösenord ska vara <strong>minst 16 tecken</strong>.</p>",
		"=<ul><li>Lås datorn</li>\n</ul>",
		"=<ul><li>Dela aldrig kontot</li>\n</ul>",
		"+<ul><li>Anmäl incidenter</li>\n</ul>",
		"=<ol start=\"1\"><li>Först</li>\n</ol>",
		"+<ol start=\"2\"><li>Sedan</li>\n</ol>",
		"=<p>Slutord.</p>",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("comparison:\n got %q\nwant %q", got, want)
	}
}
