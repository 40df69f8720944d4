package server

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"

	"itportal/web/layout"
)

// page builds the frame's view model for the current request.
func (s *Server) page(r *http.Request, title, current string) layout.Page {
	nav := []layout.NavItem{
		{Label: "Översikt", Href: "/"},
	}
	for i := range nav {
		nav[i].Current = nav[i].Href == current
	}
	return layout.Page{
		Title:      title,
		Stylesheet: s.assets.Path("css/site.css"),
		Nav:        nav,
		RequestID:  requestIDFrom(r.Context()),
	}
}

// render writes c with status. It renders into a buffer first, so a failing
// component never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.fail(w, r, err)
		return
	}
	writeHTML(w, status, buf.Bytes())
}

func writeHTML(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
