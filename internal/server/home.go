package server

import (
	"net/http"
	"strconv"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

// homeCases is how many of the viewer's own cases the start page lists.
const homeCases = 5

// homeSections fills the start page's answers to "what needs me today"
// and "how do we stand", per role: each section one service call (one
// query or one batch) that the portal's own pages already make.
func (s *Server) homeSections(r *http.Request, m *pages.Home, board *postgres.Board) error {
	ctx := r.Context()
	a := actorFrom(ctx)
	if a == nil {
		return nil
	}
	// Everyone: their saved views, their systems (with what to update) and their own cases.
	views, err := s.people.SavedViews(ctx, a)
	if err != nil {
		return err
	}
	m.SavedViews = savedViewRows(views)
	held, err := s.systems.Held(ctx, a)
	if err != nil {
		return err
	}
	m.MySystems = s.mySystemItems(held)
	mine, err := s.requests.List(ctx, a, postgres.RequestFilter{View: postgres.ViewMine, Handling: s.handlingDays()})
	if err != nil {
		return err
	}
	for i, c := range mine.Rows {
		if i == homeCases {
			break
		}
		m.MyCases = append(m.MyCases, pages.HomeCase{Href: requestHref(c.ID), Number: c.Number, Title: c.Title, State: c.State.Label()})
	}
	if mine.Total > homeCases {
		m.MyCasesMore = "Visa alla " + components.CountOf(mine.Total, components.Cases)
	}
	// The cases waiting on the viewer, counted in the same batch as the
	// lists mark them.
	m.Waiting, m.WaitingHref = pages.HomeWaiting(mine.WaitingForMe, portal.IsPreparer(a)), "/arenden?vy=mina"
	if portal.IsPreparer(a) {
		m.WaitingHref = "/arenden?vy=ko"
	}

	// IT-enheten: the open cases by state and age, the breaches by rule
	// (from the board already read) and the overdue evaluations.
	if portal.IsPreparer(a) {
		ages, err := s.requests.OpenByAge(ctx, a)
		if err != nil {
			return err
		}
		m.Queue = queueGlance(ages)
	}
	if board != nil {
		for _, rule := range board.Rules {
			if rule.Hidden || rule.Count == 0 {
				continue
			}
			m.Rules = append(m.Rules, pages.RuleGlance{ID: rule.ID, Title: rule.Title, Href: "/efterlevnad/" + rule.Slug,
				Count: components.CountOf(rule.Count, components.Breaches)})
			if rule.ID == "R12" {
				m.OverdueEvaluations = components.CountOf(rule.Count, components.Systems) + " har en försenad utvärdering."
			}
		}
		if m.OverdueEvaluations != "" {
			m.CanRemindOverdue = portal.CanManageRegister(a)
		}
	}

	// A manager: their staff's acknowledgements per document.
	if !portal.FollowsUpStaff(a) {
		f, err := s.documents.FollowUp(ctx, a)
		switch {
		case portal.KindOf(err) == portal.KindForbidden:
			// manages nobody: no section
		case err != nil:
			return err
		default:
			m.Staff, m.StaffOwing = staffGlance(f.MyStaff)
			m.ManagesStaff = true
		}
	}

	// An administrator: the jobs waiting and failed.
	if portal.CanAdminister(a) {
		st, err := postgres.JobStatusOf(ctx, s.pool, a)
		if err != nil {
			return err
		}
		m.Jobs = jobsGlance(st)
	}
	return nil
}

// queueGlance is the open cases per state and age, with the chart.
func queueGlance(ages []postgres.OpenAge) *pages.QueueGlance {
	q := &pages.QueueGlance{}
	total := 0
	for _, o := range ages {
		total += o.Total()
		q.Rows = append(q.Rows, pages.QueueAgeRow{State: o.State.Label(), Week: strconv.Itoa(o.Week), Month: strconv.Itoa(o.Month),
			Older: strconv.Itoa(o.Older), Total: strconv.Itoa(o.Total())})
	}
	q.Summary = components.Count(total, "ärende är öppet.", "ärenden är öppna.")
	q.Chart = queueChart(ages)
	return q
}

// staffGlance sums a manager's staff per document: "8 av 11", and how
// many of them owe something.
func staffGlance(staff []postgres.StaffAck) ([]pages.StaffGlance, int) {
	var out []pages.StaffGlance
	index := map[string]int{}
	done, all := map[string]int{}, map[string]int{}
	owing := map[int64]bool{}
	for _, s := range staff {
		key := s.Title + "\x00" + strconv.Itoa(s.Version)
		if _, ok := index[key]; !ok {
			index[key] = len(out)
			out = append(out, pages.StaffGlance{Document: s.Title + ", version " + strconv.Itoa(s.Version)})
		}
		all[key]++
		if s.Acknowledged != nil {
			done[key]++
		} else {
			owing[s.PersonID] = true
		}
	}
	for key, i := range index {
		out[i].Done = strconv.Itoa(done[key]) + " av " + strconv.Itoa(all[key])
		out[i].Complete = done[key] == all[key]
	}
	return out, len(owing)
}

// jobsGlance is the administrator's summary of the job queue.
func jobsGlance(st postgres.JobStatus) *pages.JobsGlance {
	var waiting, failed int
	for _, c := range st.Counts {
		switch c.State {
		case "available", "scheduled", "retryable", "pending":
			waiting += c.Count
		case "discarded":
			failed += c.Count
		}
	}
	return &pages.JobsGlance{Waiting: strconv.Itoa(waiting) + " väntar", Failed: strconv.Itoa(failed) + " gav upp", HasFailed: failed > 0}
}
