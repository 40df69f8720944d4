package server

import (
	"net/http"
	"strings"
	"sync"

	"itportal/docs"
	"itportal/internal/markdown"
	"itportal/web/pages"
)

// help shows the user guide at /hjalp, to everyone: it holds nothing that
// is not for everyone, and helps most before one is signed in.
func (s *Server) help(w http.ResponseWriter, r *http.Request) {
	g, err := userGuide()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, pages.HelpPage(s.page(r, "Hjälp", ""), g))
}

// userGuide is the embedded guide rendered once: its first heading is the
// page's title, the headings below it the table of contents.
var userGuide = sync.OnceValues(func() (pages.Guide, error) {
	return guidePage(docs.UserGuide)
})

func guidePage(src string) (pages.Guide, error) {
	canonical, err := markdown.Canonical(src)
	if err != nil {
		return pages.Guide{}, err
	}
	g := pages.Guide{Title: "Hjälp"}
	if first, rest, ok := strings.Cut(canonical, "\n"); ok && strings.HasPrefix(first, "# ") {
		g.Title = strings.TrimSpace(strings.TrimPrefix(first, "# "))
		canonical = rest
	}
	body, headings, err := markdown.RenderWithHeadings(canonical)
	if err != nil {
		return pages.Guide{}, err
	}
	g.Body = body
	for _, h := range headings {
		e := pages.TOCEntry{Text: h.Text, Href: "#" + h.ID}
		switch {
		case h.Level == 2:
			g.TOC = append(g.TOC, e)
		case h.Level == 3 && len(g.TOC) > 0:
			last := &g.TOC[len(g.TOC)-1]
			last.Sub = append(last.Sub, e)
		}
	}
	return g, nil
}
