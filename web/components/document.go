package components

import (
	"github.com/a-h/templ"

	"itportal/internal/markdown"
)

// DocumentHTML renders a governing document's text: HTML made by the
// markdown package (raw HTML left out, then sanitised by an allow-list
// policy) and sanitised again when read back from the database. It is the
// one reviewed place where templ's escaping is bypassed.
func DocumentHTML(h markdown.HTML) templ.Component { return templ.Raw(h.String()) }
