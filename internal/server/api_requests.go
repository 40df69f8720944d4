package server

import (
	"net/http"
	"time"

	"itportal/internal/portal"
	"itportal/internal/postgres"
)

type apiRequest struct {
	ID           int64                  `json:"id"`
	Number       string                 `json:"number"`
	Kind         string                 `json:"kind"`
	KindLabel    string                 `json:"kind_label"`
	State        string                 `json:"state"`
	StateLabel   string                 `json:"state_label"`
	Title        string                 `json:"title"`
	Department   string                 `json:"department"`
	Author       string                 `json:"author"`
	SubmittedAt  *time.Time             `json:"submitted_at"`
	URL          string                 `json:"url"`
	Description  *string                `json:"description,omitempty"`
	System       *string                `json:"system,omitempty"`
	Diarienummer *string                `json:"diarienummer,omitempty"`
	Decision     *apiDecision           `json:"decision,omitempty"`
	Details      *portal.RequestDetails `json:"details,omitempty"`
	Events       []apiEvent             `json:"events,omitempty"`
}

type apiDecision struct {
	State      string    `json:"state"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	Motivation string    `json:"motivation"`
	// ActingAs is the decider's capacity: "it_head_deputy" when they
	// decided as the IT head's ersättare; ActingAsLabel says it in Swedish.
	ActingAs      string `json:"acting_as,omitempty"`
	ActingAsLabel string `json:"acting_as_label,omitempty"`
}

type apiEvent struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Event   string    `json:"event"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Comment string    `json:"comment,omitempty"`
	// A komplettering asked for names the fields asked; a change names
	// the field and its values before and after, as the page shows them.
	Fields []string `json:"fields,omitempty"`
	Field  string   `json:"field,omitempty"`
	Before string   `json:"before,omitempty"`
	After  string   `json:"after,omitempty"`
	// ActingAs is a decision's capacity, as in apiDecision.
	ActingAs string `json:"acting_as,omitempty"`
}

// apiRequests lists cases with the same filters and checks as /arenden
// (query parameters vy, status, typ, forvaltning, alder, sida).
func (s *Server) apiRequests(w http.ResponseWriter, r *http.Request) {
	f, q := requestFilterFrom(r)
	if !q.ok() {
		q.writeProblem(w, requestIDFrom(r.Context()))
		return
	}
	if f.View == "" {
		f.View = postgres.ViewAll
	}
	page, err := s.requests.List(r.Context(), actorFrom(r.Context()), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Requests []apiRequest `json:"requests"`
		Total    int          `json:"total"`
		Page     int          `json:"page"`
		PerPage  int          `json:"per_page"`
	}{Requests: []apiRequest{}, Total: page.Total, Page: page.Page, PerPage: page.PerPage}
	for _, row := range page.Rows {
		out.Requests = append(out.Requests, apiRequest{
			ID: row.ID, Number: row.Number, Kind: string(row.Kind), KindLabel: row.Kind.Label(), State: string(row.State),
			StateLabel: row.State.Label(), Title: row.Title, Department: row.Department, Author: row.AuthorName,
			SubmittedAt: row.SubmittedAt, URL: s.cfg.BaseURL.String() + requestHref(row.ID),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiRequest returns one case with its timeline, for those who may see it.
func (s *Server) apiRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	v, err := s.requests.Get(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiRequest{
		ID: v.ID, Number: v.Number, Kind: string(v.Kind), KindLabel: v.Kind.Label(), State: string(v.State), StateLabel: v.State.Label(),
		Title: v.Fields.Title, Department: v.DepartmentName, Author: v.AuthorName, SubmittedAt: v.SubmittedAt,
		URL: s.cfg.BaseURL.String() + requestHref(v.ID), Description: &v.Fields.Description, Diarienummer: &v.Diarienummer,
		Details: &v.Fields.Details, Events: []apiEvent{},
	}
	if v.Fields.SystemName != "" {
		out.System = &v.Fields.SystemName
	}
	if v.DecidedAt != nil {
		out.Decision = &apiDecision{State: string(v.State), By: v.DecidedByName, At: *v.DecidedAt, Motivation: v.Motivation,
			ActingAs: v.DecidedAs, ActingAsLabel: portal.ActingAsLabel(v.DecidedAs)}
	}
	for _, e := range v.Events {
		out.Events = append(out.Events, apiEvent{At: e.At, By: e.ActorName, Event: e.Event, From: string(e.From), To: string(e.To), Comment: e.Comment,
			Fields: e.Fields, Field: e.Field, Before: e.OldValue, After: e.NewValue, ActingAs: e.ActingAs})
	}
	writeJSON(w, http.StatusOK, out)
}

type apiAckRow struct {
	Document     string `json:"document"`
	Slug         string `json:"slug"`
	Version      int    `json:"version"`
	Department   string `json:"department"`
	Staff        int    `json:"staff"`
	Acknowledged int    `json:"acknowledged"`
	Outstanding  int    `json:"outstanding"`
	Percent      int    `json:"percent"`
}

// apiAcknowledgements is the acknowledgement statistics per document
// version in force and department (no names).
func (s *Server) apiAcknowledgements(w http.ResponseWriter, r *http.Request) {
	rows, at, err := s.documents.AcknowledgementStatistics(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		CountedAt time.Time   `json:"counted_at"`
		Rows      []apiAckRow `json:"rows"`
	}{CountedAt: at, Rows: []apiAckRow{}}
	for _, d := range rows {
		out.Rows = append(out.Rows, apiAckRow{Document: d.Title, Slug: d.Slug, Version: d.Version, Department: d.Department,
			Staff: d.Staff, Acknowledged: d.Acknowledged, Outstanding: d.Outstanding(), Percent: d.Percent()})
	}
	writeJSON(w, http.StatusOK, out)
}
