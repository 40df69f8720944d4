package server

import (
	"net/http"

	"itportal/web/pages"
)

// An action that cannot be undone (granting or rejecting a case,
// publishing a version, revoking an API token, deactivating a department)
// takes two POSTs. The first, without bekraftad=ja, rehearses the action
// (postgres.Rehearse: every check made, nothing kept), so that a refusal
// shows at once as it always has; when the action would succeed it renders
// the confirmation page, which posts the same values again with
// bekraftad=ja. Only that second POST acts. Without JavaScript this is two
// ordinary forms.

// confirmed reports whether the POST comes from the confirmation page.
func confirmed(r *http.Request) bool { return r.PostForm.Get("bekraftad") == "ja" }

// carried are the form values named, as the confirmation page posts them
// again.
func carried(r *http.Request, names ...string) []pages.Hidden {
	var out []pages.Hidden
	for _, name := range names {
		for _, v := range r.PostForm[name] {
			out = append(out, pages.Hidden{Name: name, Value: v})
		}
	}
	return out
}

// renderConfirm shows the confirmation page of m.
func (s *Server) renderConfirm(w http.ResponseWriter, r *http.Request, m pages.Confirm, section string) {
	if m.ConfirmLabel == "" {
		m.ConfirmLabel = "Bekräfta"
	}
	s.render(w, r, http.StatusOK, pages.ConfirmPage(s.page(r, "Är du säker? "+m.Heading, section), m))
}
