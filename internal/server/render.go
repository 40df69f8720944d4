package server

import (
	"bytes"
	"net/http"
	"slices"
	"sync"

	"github.com/a-h/templ"

	"itportal/internal/portal"
	"itportal/web/layout"
)

// page builds the frame's view model for the current request.
func (s *Server) page(r *http.Request, title, current string) layout.Page {
	p := layout.Page{
		Title:      title,
		Stylesheet: s.assets.Path("css/site.css"),
		Favicon:    s.assets.Path("img/favicon.svg"),
		Mark:       s.assets.Path("img/mark.svg"),
		Contact:    s.itUnitMail(),
		Script:     s.assets.Path("js/htmx.min.js"),
		FileCheck:  s.assets.Path("js/filstorlek.js"),
		RequestID:  requestIDFrom(r.Context()),
	}
	a := actorFrom(r.Context())
	if a == nil {
		return p
	}
	p.User = &layout.User{Name: a.Name}
	p.Nav = []layout.NavItem{{Label: "Översikt", Href: "/"}, {Label: "System", Href: "/system"}, {Label: "Ärenden", Href: "/arenden"},
		{Label: "Styrdokument", Href: "/styrdokument"}, {Label: "Mina system", Href: "/mina-system"}, {Label: "Leverantörer", Href: "/leverantorer"},
		{Label: "Avtal", Href: "/avtal"}, {Label: "Licenser", Href: "/licenser"}, {Label: "IT-infrastruktur", Href: "/plattform"},
		{Label: "Utrustning", Href: "/utrustning"}, {Label: "Efterlevnad", Href: "/efterlevnad"}, {Label: "Min sida", Href: "/min-sida"}}
	if portal.IsPreparer(a) {
		// Those who handle cases go straight to what waits for them.
		p.Nav = slices.Insert(p.Nav, 3, layout.NavItem{Label: "Arbetskö", Href: "/arenden?vy=ko"})
	}
	if portal.FollowsUpStaff(a) {
		p.Nav = append(p.Nav, layout.NavItem{Label: "Kvittenser", Href: "/efterlevnad/kvittenser"})
	}
	if portal.CanManageRegister(a) {
		p.Nav = append(p.Nav, layout.NavItem{Label: "Utvärderingar", Href: "/utvarderingar"})
	}
	if portal.CanSetStandIn(a) {
		p.Nav = append(p.Nav, layout.NavItem{Label: "Ersättare", Href: "/ersattare"})
	}
	if portal.CanAdminister(a) {
		p.Nav = append(p.Nav, layout.NavItem{Label: "Personer", Href: "/admin/personer"}, layout.NavItem{Label: "Förvaltningar", Href: "/admin/forvaltningar"},
			layout.NavItem{Label: "Jobb", Href: "/admin/jobb"}, layout.NavItem{Label: "API-nycklar", Href: "/admin/api-nycklar"})
	}
	for i := range p.Nav {
		p.Nav[i].Current = p.Nav[i].Href == current
	}
	if s.sessions != nil {
		p.Flash, p.FlashKind = s.sessions.TakeFlash(r.Context())
	}
	return p
}

// defaultITUnitMail is IT-enheten's address in the footer when
// ITPORTAL_IT_UNIT_MAIL is not set.
const defaultITUnitMail = "it-enheten@lillaedet.se"

// itUnitMail is where the footer tells people to write to IT-enheten.
func (s *Server) itUnitMail() string {
	if m := s.cfg.Mail.ITUnitMail; m != "" {
		return m
	}
	return defaultITUnitMail
}

// withBack gives a detail page its way back to the list it belongs to.
func withBack(p layout.Page, label, href string) layout.Page {
	p.Back = &layout.Link{Label: label, Href: href}
	return p
}

// render writes c with status. It renders into a buffer first, so a failing
// component never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // a huge report's buffer is not kept
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		s.fail(w, r, err)
		return
	}
	writeHTML(w, status, buf.Bytes())
}

// renderBuffers are reused between pages: a page is rendered whole before
// it is sent (an error halfway becomes an error page, not half a page), and
// growing a fresh buffer to a page's size cost 5 % of the register page.
var renderBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 64<<10)) }}

func writeHTML(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
