package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

// The stand-in periods of the IT head's ersättare (/ersattare): the IT
// head and administrators set and end them (the route requires
// portal.CanSetStandIn; the service checks again).

func (s *Server) standIns(w http.ResponseWriter, r *http.Request) {
	s.renderStandIns(w, r, http.StatusOK, nil, nil, "")
}

func (s *Server) renderStandIns(w http.ResponseWriter, r *http.Request, status int, typed map[string]string, errs map[string]string, notice string) {
	ctx := r.Context()
	o, err := s.standIn.Overview(ctx, actorFrom(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := portal.Today()
	deputy := typed["deputy"]
	if deputy == "" && len(o.Deputies) == 1 {
		deputy = o.Deputies[0].Value
	}
	m := pages.StandIns{
		Errors: errorItems(errs, []string{"deputy", "from", "to", "note"}), Notice: notice, NoDeputies: len(o.Deputies) == 0,
		Deputy: components.Field{Name: "deputy", Label: "Ersättare", Value: deputy, Options: choiceOptions("Välj ersättare", o.Deputies), Error: errs["deputy"]},
		From: components.Field{Name: "from", Label: "Från och med", Type: "date", Value: typed["from"],
			Hint: "Första dagen, i dag eller senare, till exempel " + today.Format(dateLayout), Error: errs["from"]},
		To: components.Field{Name: "to", Label: "Till och med", Type: "date", Value: typed["to"],
			Hint: "Sista dagen, högst ett år senare", Error: errs["to"]},
		Note: components.Field{Name: "note", Label: "Anledning (frivillig)", Value: typed["note"], Hint: "Till exempel semester", Error: errs["note"]},
	}
	for _, p := range o.Periods {
		row := pages.StandInRow{Deputy: p.DeputyName, Period: p.From.Format(dateLayout) + "–" + p.To.Format(dateLayout), Status: standInStatus(p, today),
			SetBy: p.SetBy + ", " + p.SetAt.In(portal.Stockholm).Format("2006-01-02 15:04"), Note: p.Note}
		if !p.Ended() && !p.To.Before(today) {
			row.EndHref = "/ersattare/" + strconv.FormatInt(p.ID, 10) + "/avsluta"
			row.EndName = "Avsluta perioden " + row.Period + " för " + p.DeputyName
		}
		if p.Covers(today) {
			m.Today = p.DeputyName + " är ersättare för chefen för IT-enheten i dag, till och med " + p.LastDay.Format(dateLayout) + "."
		}
		m.Rows = append(m.Rows, row)
	}
	s.render(w, r, status, pages.StandInsPage(s.page(r, formTitle("Ersättare", errs), "/ersattare"), m))
}

// standInStatus says where a period stands on today.
func standInStatus(p postgres.StandInPeriod, today time.Time) string {
	switch {
	case p.Ended() && p.CalledOff():
		return "Avblåst av " + p.EndedBy + " " + p.EndedAt.In(portal.Stockholm).Format("2006-01-02 15:04")
	case p.Ended():
		return "Avslutad i förtid av " + p.EndedBy + " " + p.EndedAt.In(portal.Stockholm).Format("2006-01-02 15:04") +
			"; sista dag " + p.LastDay.Format(dateLayout)
	case p.Covers(today):
		return "Pågår"
	case p.From.After(today):
		return "Kommande"
	}
	return "Avslutad"
}

func (s *Server) setStandIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	typed := map[string]string{}
	for _, k := range []string{"deputy", "from", "to", "note"} {
		typed[k] = r.PostForm.Get(k)
	}
	deputy, _ := strconv.ParseInt(strings.TrimSpace(typed["deputy"]), 10, 64)
	day := func(raw string) *time.Time {
		t, err := time.Parse(dateLayout, strings.TrimSpace(raw))
		if err != nil {
			return nil
		}
		return &t
	}
	_, err := s.standIn.Set(ctx, actorFrom(ctx), deputy, day(typed["from"]), day(typed["to"]), typed["note"], requestIDFrom(ctx))
	if fe := fieldErrors(err); fe != nil {
		s.renderStandIns(w, r, http.StatusUnprocessableEntity, typed, fe, "")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Ersättarperioden är sparad.")
	http.Redirect(w, r, "/ersattare", http.StatusSeeOther)
}

func (s *Server) endStandIn(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	err := s.standIn.End(ctx, actorFrom(ctx), id, requestIDFrom(ctx))
	if portal.KindOf(err) == portal.KindConflict {
		s.renderStandIns(w, r, http.StatusConflict, nil, nil, portal.MessageOf(err))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Ersättarperioden är avslutad. Ersättaren beslutar inte längre i chefens ställe.")
	http.Redirect(w, r, "/ersattare", http.StatusSeeOther)
}

// homeStandIn tells IT-enheten's side on the start page who stands in for
// the IT head today (the deputy: that they do), and links the IT head and
// administrators to the periods.
func (s *Server) homeStandIn(r *http.Request, m *pages.Home) error {
	a := actorFrom(r.Context())
	if portal.CanSetStandIn(a) {
		m.StandInHref = "/ersattare"
	}
	if !portal.SeesEveryDepartment(a) {
		return nil
	}
	p, err := s.standIn.Today(r.Context(), a)
	if err != nil || p == nil {
		return err
	}
	who := p.DeputyName + " är"
	if p.DeputyID == a.PersonID {
		who = "Du är"
	}
	m.StandIn = who + " ersättare för chefen för IT-enheten i dag, till och med " + p.LastDay.Format(dateLayout) +
		", och beslutar i chefens ställe."
	return nil
}
