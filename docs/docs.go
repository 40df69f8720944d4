// Package docs embeds the documentation the portal itself serves: the
// Swedish user guide, shown at /hjalp. The Markdown file here is its only
// source.
package docs

import _ "embed"

// UserGuide is the user guide (anvandarguide.md) as written.
//
//go:embed anvandarguide.md
var UserGuide string
