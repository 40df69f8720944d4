package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	m := pages.Home{}
	owed, err := s.owed(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m.Owed = obligationRows(owed)
	if m.Due, err = s.dueRows(r); err != nil {
		s.fail(w, r, err)
		return
	}
	// IT-enheten's start page: the compliance board per department and rule.
	var board *postgres.Board
	if a := actorFrom(r.Context()); portal.SeesEveryDepartment(a) {
		b, err := s.compliance.Board(r.Context(), a, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c := complianceDepartments(b)
		m.Compliance, board = &c, &b
	}
	if err := s.homeSections(r, &m, board); err != nil {
		s.fail(w, r, err)
		return
	}
	// IT-enheten's proposals to decide, whatever the system.
	if a := actorFrom(r.Context()); portal.CanDecideProposals(a) {
		q, err := s.systems.OpenProposals(r.Context(), a, homeProposals)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		m.Proposals = proposalQueue(q)
	}
	if err := s.homeStandIn(r, &m); err != nil {
		s.fail(w, r, err)
		return
	}
	notes, err := s.people.Notifications(r.Context(), actorFrom(r.Context()), 5)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, n := range notes {
		m.Events = append(m.Events, pages.EventRow{Subject: n.Subject, Href: localPath(n.Link), At: n.At.In(portal.Stockholm).Format("2006-01-02 15:04")})
	}
	s.render(w, r, http.StatusOK, pages.HomePage(s.page(r, "Översikt", "/"), m))
}

// homeProposals is how many open proposals the start page lists.
const homeProposals = 20

func proposalQueue(q postgres.ProposalQueue) *pages.ProposalQueue {
	out := &pages.ProposalQueue{Summary: "Inga förslag väntar på IT-enheten."}
	switch {
	case q.Total > 0:
		out.Summary = components.CountOf(q.Total, components.Proposals) + " väntar på IT-enheten."
	}
	for _, p := range q.Rows {
		out.Rows = append(out.Rows, pages.ProposalQueueRow{Href: systemHref(p.SystemID) + "#forslag", System: p.SystemName,
			What: changesText(p.Changes), Proposer: p.ProposerName, At: p.ProposedAt.In(portal.Stockholm).Format("2006-01-02 15:04")})
	}
	if q.Total > len(q.Rows) {
		out.More = "Listan visar de " + strconv.Itoa(len(q.Rows)) + " äldsta; nästa visas när de är avgjorda."
	}
	return out
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	if !s.assets.Has(r.URL.Path) {
		s.notFound(w, r)
		return
	}
	s.assets.ServeHTTP(w, r)
}

func (s *Server) accessibilityStatement(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.AccessibilityPage(s.page(r, "Tillgänglighetsredogörelse", "")))
}

func obligationRows(owed []postgres.Obligation) []pages.ObligationRow {
	var out []pages.ObligationRow
	for _, o := range owed {
		row := pages.ObligationRow{Href: documentHref(o.Slug) + "/kvittera", Title: o.Title, Version: strconv.Itoa(o.Version)}
		if !o.Blocking {
			row.Deadline = o.Deadline.In(portal.Stockholm).Format(dateLayout)
		}
		out = append(out, row)
	}
	return out
}

// localPath keeps only the path of a link the portal made for a mail, so
// the page links within the site whatever its base URL.
func localPath(link string) string {
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return u.Path
}

// devOutbox shows the mails that would have been sent (dev mode only).
func (s *Server) devOutbox(w http.ResponseWriter, r *http.Request) {
	mails, err := s.people.Outbox(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var m pages.Outbox
	for _, x := range mails {
		m.Mails = append(m.Mails, pages.OutboxRow{To: x.Recipient, Subject: x.Subject, Text: x.Text, At: x.At.In(portal.Stockholm).Format("2006-01-02 15:04:05")})
	}
	s.render(w, r, http.StatusOK, pages.OutboxPage(s.page(r, "Utkorg (dev)", ""), m))
}
