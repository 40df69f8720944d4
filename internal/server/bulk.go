package server

import (
	"net/http"

	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

// The bulk reminders of the start page. Each takes two POSTs, like the
// other actions that cannot be undone (confirm.go): the first rehearses
// (counting whom it would remind, keeping nothing) and asks; the
// confirmed one enqueues the reminders with one audit entry and says how
// many.

// remindOverdue reminds the systemförvaltare of every system whose
// evaluation is overdue (IT-enheten).
func (s *Server) remindOverdue(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	if !confirmed(r) {
		got, err := s.evaluations.RemindOverdue(postgres.Rehearse(ctx), a, requestIDFrom(ctx))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if got.Systems == 0 {
			s.sessions.FlashInfo(ctx, "Inga systemförvaltare att påminna: inget system med försenad utvärdering har en aktiv systemförvaltare.")
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		m := pages.Confirm{Heading: "Påminn alla försenade systemförvaltare", Action: bulkOverduePath, ConfirmLabel: "Skicka påminnelserna", CancelHref: "/",
			Consequences: []string{"En påminnelse om utvärderingen skickas till " + components.CountOf(got.People, systemAdministrators) + " för " +
				components.CountOf(got.Systems, components.Systems) + " med försenad utvärdering."}}
		if got.Skipped > 0 {
			m.Consequences = append(m.Consequences, components.CountOf(got.Skipped, components.Systems)+" saknar en aktiv systemförvaltare och påminns inte.")
		}
		s.renderConfirm(w, r, m, "/")
		return
	}
	got, err := s.evaluations.RemindOverdue(ctx, a, requestIDFrom(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Påminnelser skickas till "+components.CountOf(got.People, systemAdministrators)+" om "+
		components.CountOf(got.Systems, components.Systems)+" med försenad utvärdering.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// remindStaff reminds the manager's staff who have not acknowledged a
// document in force (anyone who manages someone; the service checks).
func (s *Server) remindStaff(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	if !confirmed(r) {
		got, err := s.documents.RemindMyStaff(postgres.Rehearse(ctx), a, requestIDFrom(ctx))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if got.People == 0 {
			s.sessions.FlashInfo(ctx, "Ingen i din personal har något kvar att kvittera.")
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		s.renderConfirm(w, r, pages.Confirm{Heading: "Påminn min personal som inte har kvitterat", Action: bulkStaffPath,
			ConfirmLabel: "Skicka påminnelserna", CancelHref: "/",
			Consequences: []string{"En påminnelse om styrdokumenten de ska kvittera skickas till " + components.CountOf(got.People, components.Employees) + " i din personal."}}, "/")
		return
	}
	got, err := s.documents.RemindMyStaff(ctx, a, requestIDFrom(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Påminnelser skickas till "+components.CountOf(got.People, components.Employees)+" i din personal.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// The bulk reminders' addresses.
const (
	bulkOverduePath = "/utvarderingar/paminn"
	bulkStaffPath   = "/efterlevnad/kvittenser/paminn"
)

// systemAdministrators is the noun of a count of systemförvaltare.
var systemAdministrators = [2]string{"systemförvaltare", "systemförvaltare"}
