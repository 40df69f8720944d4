package main

import (
	"os"
	"strings"
	"testing"

	"itportal/internal/config"
)

// TestDocsListEveryVariable keeps the configuration tables in README.md and
// docs/operations.md in step with what config.Load reads.
func TestDocsListEveryVariable(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"../../README.md", "../../docs/operations.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range config.Variables {
			if !strings.Contains(string(b), "`"+v.Name+"`") {
				t.Errorf("%s does not document %s", doc, v.Name)
			}
		}
	}
}
