package markdown

import (
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
