package components

import "strconv"

// FileLimit is the largest file a file field takes, as the field states it
// ("Högst 20 MB") and as the size check in the browser reads it.
type FileLimit struct {
	Bytes int64
}

// Text is the limit in whole megabytes: "20 MB".
func (l FileLimit) Text() string { return strconv.FormatInt(l.Bytes>>20, 10) + " MB" }

// Attr is the limit in bytes for the field's data-max-bytes.
func (l FileLimit) Attr() string { return strconv.FormatInt(l.Bytes, 10) }
