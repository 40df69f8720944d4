package server

import (
	"net/http"
	"strconv"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

// adminJobs is /admin/jobb: the background jobs by state, failed jobs with
// their last error, and "Försök igen".
func (s *Server) adminJobs(w http.ResponseWriter, r *http.Request) {
	st, err := postgres.JobStatusOf(r.Context(), s.pool, actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	labels := map[string]string{"available": "Väntar", "scheduled": "Schemalagda", "running": "Pågår", "retryable": "Försöker igen",
		"completed": "Klara", "discarded": "Gav upp", "cancelled": "Avbrutna", "pending": "Vilande"}
	m := pages.JobsView{CanRetry: s.jobs != nil}
	if st.Backlog > 0 {
		rate := max(s.cfg.Mail.PerMinute, 1)
		m.Backlog = components.CountOf(st.Backlog, components.Notices) + " väntar på att skickas. Med högst " + components.Count(rate, "e-postmeddelande", "e-postmeddelanden") +
			" per minut och arbetsprocess tar det minst " + components.CountOf((st.Backlog+rate-1)/rate, components.Minutes) + "."
	}
	for _, c := range st.Counts {
		label := labels[c.State]
		if label == "" {
			label = c.State
		}
		m.Counts = append(m.Counts, pages.JobCount{State: label, Count: strconv.Itoa(c.Count)})
	}
	for _, f := range st.Failed {
		m.Failed = append(m.Failed, pages.FailedJobRow{ID: strconv.FormatInt(f.ID, 10), What: jobLabel(f.Kind), State: labels[f.State],
			Attempts: strconv.Itoa(f.Attempt), Error: f.LastError, At: f.At.In(portal.Stockholm).Format("2006-01-02 15:04")})
	}
	s.render(w, r, http.StatusOK, pages.JobsPage(s.page(r, "Bakgrundsjobb", "/admin/jobb"), m))
}

// retryJob puts a failed job back in the queue.
func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.jobs == nil {
		s.notFound(w, r)
		return
	}
	if _, err := s.jobs.JobRetry(r.Context(), id); err != nil {
		s.fail(w, r, portal.NotFound("Jobbet finns inte."))
		return
	}
	s.log.Info("job retried by an administrator", "job_id", id, "person_id", actorFrom(r.Context()).PersonID, "request_id", requestIDFrom(r.Context()))
	s.sessions.Flash(r.Context(), "Jobb "+strconv.FormatInt(id, 10)+" körs igen.")
	http.Redirect(w, r, "/admin/jobb", http.StatusSeeOther)
}

// jobLabel names a kind of background job in Swedish; the page never shows
// the job's code name.
func jobLabel(kind string) string {
	switch kind {
	case "compliance_recompute":
		return "Omräkning av efterlevnadstavlan"
	case "evaluation_reminders", "notify_evaluation":
		return "Påminnelse om utvärdering"
	case "contract_reminders", "notify_contract_reminder":
		return "Påminnelse om avtalets sista dag för uppsägning"
	case "purge_sessions":
		return "Rensning av gamla inloggningar"
	case "deactivate_ended":
		return "Avaktivering av avslutade anställningar"
	case "ack_reminders", "notify_ack_reminder":
		return "Påminnelse om kvittens"
	case "audit_nightly":
		return "Nattlig kontroll av granskningsloggen"
	case "notify_audit_anchor":
		return "Granskningsloggens kontrollpunkt per e-post"
	case "river_reindex":
		return "Underhåll av jobbkön"
	case "notify_role_change":
		return "Avisering om rollbyte"
	case "notify_case_step":
		return "Avisering om ärende"
	case "notify_acknowledge":
		return "Avisering om styrdokument att kvittera"
	case "notify_manager_digest":
		return "Sammanställning till chef"
	case "notify":
		return "Avisering"
	}
	return "Bakgrundsjobb"
}
