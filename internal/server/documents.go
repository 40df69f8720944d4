package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"itportal/internal/auth"
	"itportal/internal/markdown"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
	"itportal/web/pages"
)

func documentHref(slug string) string { return "/styrdokument/" + slug }

// acknowledgementGate sends a signed-in person who must first acknowledge a
// document that closes the portal (R9; R10 after the grace period) to that
// document, whatever they asked for: pages are redirected (and come back
// afterwards), htmx gets HX-Redirect, the API a 403 problem. Only the
// document itself and its acknowledgement stay open; sign-out, the
// accessibility statement and health are outside the signed-in routes.
func (s *Server) acknowledgementGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		owed, err := s.owed(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ob := postgres.Visit{Owed: owed}.Gate()
		if ob == nil {
			next.ServeHTTP(w, r)
			return
		}
		own := documentHref(ob.Slug)
		if r.URL.Path == own || r.URL.Path == own+"/kvittera" {
			next.ServeHTTP(w, r)
			return
		}
		target := own + "/kvittera"
		if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/api/") {
			target += "?next=" + url.QueryEscape(auth.SafeNext(r.URL.RequestURI()))
		}
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			writeProblem(w, http.StatusForbidden, "Kvittera först", "Du behöver läsa och kvittera "+ob.Title+" innan du kan använda IT-portalen.", requestIDFrom(r.Context()))
		case r.Header.Get("HX-Request") == "true":
			w.Header().Set("HX-Redirect", target)
			w.WriteHeader(http.StatusNoContent)
		default:
			http.Redirect(w, r, target, http.StatusSeeOther)
		}
	})
}

// listDocuments is /styrdokument.
func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) {
	docs, err := s.documents.List(r.Context(), actorFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.DocumentList{CanAdmin: portal.CanAdminister(actorFrom(r.Context()))}
	for _, d := range docs {
		row := pages.DocumentRow{Href: documentHref(d.Fields.Slug), Title: d.Fields.Title, Kind: portal.LabelOf(portal.DocumentKinds, d.Fields.Kind),
			FixedBy: portal.LabelOf(portal.FixedBy, d.Fields.FixedBy), Owed: d.Owed}
		if d.Current != nil {
			row.Version = strconv.Itoa(d.Current.Number)
			row.Effective = d.Current.EffectiveDate.Format(dateLayout)
		}
		m.Rows = append(m.Rows, row)
	}
	s.render(w, r, http.StatusOK, pages.DocumentListPage(s.page(r, "Styrdokument", "/styrdokument"), m))
}

func documentMeta(d postgres.Document) []pages.FactRow {
	audience := "Alla anställda"
	if !d.Fields.AudienceAll {
		audience = "Utvalda förvaltningar"
	}
	ack := "Nej"
	switch {
	case d.Fields.BlocksUse:
		ack = "Ja, innan portalen kan användas"
	case d.Fields.MustAcknowledge:
		ack = "Ja"
	}
	return []pages.FactRow{
		{Label: "Typ", Value: portal.LabelOf(portal.DocumentKinds, d.Fields.Kind)},
		{Label: "Fastställt av", Value: portal.LabelOf(portal.FixedBy, d.Fields.FixedBy)},
		{Label: "Gäller för", Value: audience},
		{Label: "Ska kvitteras", Value: ack},
	}
}

func versionRows(vs []postgres.Version, slug string) []pages.VersionRow {
	var out []pages.VersionRow
	for _, v := range vs {
		row := pages.VersionRow{Number: strconv.Itoa(v.Number), Href: documentHref(slug) + "?version=" + strconv.Itoa(v.Number),
			Effective: v.EffectiveDate.Format(dateLayout), DecisionRef: v.DecisionRef, Summary: v.Summary, SHA256: v.SHA256}
		if v.PublishedAt != nil {
			row.Published = v.PublishedAt.In(portal.Stockholm).Format("2006-01-02 15:04") + ", " + v.PublishedByName
		}
		if v.RequiresReack {
			row.Reack = "Ja"
		} else {
			row.Reack = "Nej (redaktionell ändring)"
		}
		out = append(out, row)
	}
	return out
}

// showDocument is /styrdokument/{slug}: the version in force (or the one
// asked for), the history, and a comparison of two versions.
func (s *Server) showDocument(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	slug := chi.URLParam(r, "slug")
	v, err := s.documents.Get(ctx, actor, slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := pages.DocumentDetail{Title: v.Fields.Title, Href: documentHref(slug), Meta: documentMeta(v.Document),
		Versions: versionRows(v.Versions, slug), Owed: v.Owed, CanAdmin: portal.CanAdminister(actor)}
	shown := v.Current
	if n, err := strconv.Atoi(r.URL.Query().Get("version")); err == nil {
		sel, err := s.documents.VersionByNumber(ctx, actor, slug, n)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		shown = &sel
	}
	if shown != nil {
		m.Version = strconv.Itoa(shown.Number)
		m.Effective = shown.EffectiveDate.Format(dateLayout)
		m.Body = shown.HTML
		if portal.FollowsUpStaff(actor) {
			m.SHA256 = shown.SHA256 // for auditors: what receipts are checked against
		}
		m.IsCurrent = v.Current != nil && shown.ID == v.Current.ID
	}
	if v.Mine != nil {
		m.Receipt = receiptText(*v.Mine)
	}
	if v.Owed && v.Current != nil {
		if o := obligationFor(ctx, s, slug); o != nil && o.Renewal {
			m.Renewal = renewalView(v, *o, slug)
		}
	}
	// Comparison.
	var choices []portal.Choice
	for _, ver := range v.Versions {
		choices = append(choices, portal.Choice{Value: strconv.Itoa(ver.Number), Label: "Version " + strconv.Itoa(ver.Number)})
	}
	// The selectors show what is compared: what was asked for, or else the
	// version before the one in force against it.
	from, to := r.URL.Query().Get("fran"), r.URL.Query().Get("till")
	asked := from != "" || to != ""
	if !asked {
		if prev, cur, ok := lastChange(v); ok {
			from, to = strconv.Itoa(prev), strconv.Itoa(cur)
		}
	}
	// Every version is offered (choiceOptions adds no empty choice here).
	m.From = components.Field{Name: "fran", Label: "Jämför version", Value: from, Options: choiceOptions("", choices)}
	m.To = components.Field{Name: "till", Label: "med version", Value: to, Options: choiceOptions("", choices)}
	if asked {
		fa, err1 := strconv.Atoi(from)
		tb, err2 := strconv.Atoi(to)
		var a, b postgres.Version
		if err1 == nil && err2 == nil {
			a, err1 = s.documents.VersionByNumber(ctx, actor, slug, fa)
			b, err2 = s.documents.VersionByNumber(ctx, actor, slug, tb)
		}
		switch {
		case err1 != nil || err2 != nil:
			m.DiffProblem = "Välj två versioner som finns i listan."
		case fa == tb:
			m.DiffProblem = "Välj två olika versioner att jämföra."
		default:
			changes, err := markdown.Compare(a.Markdown, b.Markdown)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			m.Diff, m.DiffCounts = diffBlocks(changes)
			m.DiffHeading = "Version " + from + " jämförd med version " + to
		}
	}
	s.render(w, r, http.StatusOK, pages.DocumentDetailPage(withBack(s.page(r, v.Fields.Title, "/styrdokument"), "Tillbaka till styrdokumenten", "/styrdokument"), m))
}

// lastChange is the published version before the one in force, and the one
// in force: what a reader asked to acknowledge again compares.
func lastChange(v postgres.DocumentView) (prev, cur int, ok bool) {
	if v.Current == nil {
		return 0, 0, false
	}
	for _, ver := range v.Versions { // newest first
		if ver.Published() && ver.Number < v.Current.Number {
			return ver.Number, v.Current.Number, true
		}
	}
	return 0, 0, false
}

// diffBlocks are a comparison's blocks for the page, and a sentence of how
// much changed.
func diffBlocks(changes []markdown.Change) ([]pages.DiffBlock, string) {
	var out []pages.DiffBlock
	added, removed := 0, 0
	for _, c := range changes {
		kind := "same"
		switch c.Kind {
		case markdown.Inserted:
			kind = "added"
			added++
		case markdown.Removed:
			kind = "removed"
			removed++
		}
		out = append(out, pages.DiffBlock{Kind: kind, HTML: c.HTML})
	}
	if added == 0 && removed == 0 {
		return out, "Texten är densamma i båda versionerna."
	}
	return out, "Tillagt: " + components.CountOf(added, components.Passages) + ". Borttaget: " + components.CountOf(removed, components.Passages) +
		". Ett ändrat stycke visas som det gamla borttaget och det nya tillagt."
}

func receiptText(r postgres.Receipt) string {
	return "Du kvitterade version " + strconv.Itoa(r.VersionNumber) + " den " + r.At.In(portal.Stockholm).Format("2006-01-02 15:04") + "."
}

// acknowledgeForm is /styrdokument/{slug}/kvittera: the full text of the
// version in force and the button.
func (s *Server) acknowledgeForm(w http.ResponseWriter, r *http.Request) {
	s.renderAcknowledge(w, r, http.StatusOK, "")
}

func (s *Server) renderAcknowledge(w http.ResponseWriter, r *http.Request, status int, problem string) {
	ctx := r.Context()
	slug := chi.URLParam(r, "slug")
	v, err := s.documents.Get(ctx, actorFrom(ctx), slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Current == nil {
		s.fail(w, r, portal.NotFound("Dokumentet har ingen gällande version."))
		return
	}
	next := auth.SafeNext(r.URL.Query().Get("next"))
	if r.Method == http.MethodPost {
		next = auth.SafeNext(r.PostForm.Get("next"))
	}
	m := pages.Acknowledge{Title: v.Fields.Title, Version: strconv.Itoa(v.Current.Number), Body: v.Current.HTML, SHA256: v.Current.SHA256,
		Action: documentHref(slug) + "/kvittera", Next: next, Problem: problem, Effective: v.Current.EffectiveDate.Format(dateLayout),
		MustAck: v.Fields.MustAcknowledge && v.InScope, Gated: v.Fields.BlocksUse && v.Owed}
	if v.Mine != nil {
		m.Receipt = receiptText(*v.Mine)
	}
	if v.Mine == nil && m.MustAck {
		if o := obligationFor(ctx, s, slug); o != nil && o.Renewal {
			// A new version of one the person acknowledged before: how long
			// they have, what changed, and the comparison.
			m.Renewal = renewalView(v, *o, slug)
		}
	}
	s.render(w, r, status, pages.AcknowledgePage(s.page(r, "Kvittera: "+v.Fields.Title, "/styrdokument"), m))
}

// obligationFor is the actor's obligation to acknowledge the document, or
// nil.
func obligationFor(ctx context.Context, s *Server, slug string) *postgres.Obligation {
	owed, err := s.owed(ctx)
	if err != nil {
		return nil
	}
	for i := range owed {
		if owed[i].Slug == slug {
			return &owed[i]
		}
	}
	return nil
}

// renewalView tells a person asked to acknowledge a new version how long
// they have, what the publisher says changed and where to see it.
func renewalView(v postgres.DocumentView, o postgres.Obligation, slug string) *pages.Renewal {
	rv := &pages.Renewal{Deadline: o.Deadline.In(portal.Stockholm).Format(dateLayout), Blocks: v.Fields.BlocksUse, Summary: v.Current.Summary}
	switch {
	case o.Lapsed:
		rv.TimeLeft = "Tiden att kvittera har gått ut."
	case o.DaysLeft == 0:
		rv.TimeLeft = "I dag är sista dagen att kvittera."
	default:
		rv.TimeLeft = "Du har " + components.CountOf(o.DaysLeft, components.Days) + " kvar att kvittera."
	}
	if prev, cur, ok := lastChange(v); ok {
		rv.CompareHref = documentHref(slug) + "?fran=" + strconv.Itoa(prev) + "&till=" + strconv.Itoa(cur) + "#jamforelse"
		rv.CompareLabel = "Se vad som har ändrats mellan version " + strconv.Itoa(prev) + " och version " + strconv.Itoa(cur)
	}
	return rv
}

// acknowledge records the acknowledgement and returns the person to where
// they were going.
func (s *Server) acknowledge(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slug := chi.URLParam(r, "slug")
	number, _ := strconv.Atoi(r.PostForm.Get("version"))
	rec, err := s.documents.Acknowledge(ctx, actorFrom(ctx), slug, number, r.PostForm.Get("sha256"), requestIDFrom(ctx))
	switch {
	case portal.KindOf(err) == portal.KindConflict:
		s.renderAcknowledge(w, r, http.StatusConflict, portal.MessageOf(err))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Tack! "+rec.DocumentTitle+", version "+strconv.Itoa(rec.VersionNumber)+", är kvitterat "+rec.At.In(portal.Stockholm).Format("2006-01-02 15:04")+".")
	next := auth.SafeNext(r.PostForm.Get("next"))
	if next == "/" && r.PostForm.Get("next") == "" {
		next = documentHref(slug)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// Administrators' pages.

func (s *Server) adminDocuments(w http.ResponseWriter, r *http.Request) {
	s.renderDocumentForm(w, r, http.StatusOK, 0, portal.DocumentFields{AudienceAll: true, Kind: "regler", FixedBy: "it_chef"}, nil)
}

func (s *Server) renderDocumentForm(w http.ResponseWriter, r *http.Request, status int, id int64, f portal.DocumentFields, errs map[string]string) {
	deps, err := s.departments.ListActive(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	field := func(kind, name, label, hint, value string) pages.FormField {
		return pages.FormField{Kind: kind, Field: components.Field{Name: name, Label: label, Hint: hint, Value: value, Error: errs[name]}}
	}
	check := func(name, label, hint string, v bool) pages.FormField {
		return pages.FormField{Kind: "checkbox", Field: components.Field{Name: name, Label: label, Hint: hint, Checked: v, Error: errs[name]}}
	}
	sel := func(name, label, value string, cs []portal.Choice) pages.FormField {
		ff := field("select", name, label, "", value)
		ff.Options = choiceOptions("", cs) // every choice: no empty one is added
		return ff
	}
	fields := []pages.FormField{
		field("text", "title", "Titel", "", f.Title),
		field("text", "slug", "Adressnamn", "Små bokstäver och bindestreck, till exempel regler-for-it-sakerhet. Lämna tomt för att skapa från titeln.", f.Slug),
		sel("kind", "Typ", f.Kind, portal.DocumentKinds),
		sel("fixed_by", "Fastställs av", f.FixedBy, portal.FixedBy),
		check("audience_all", "Gäller alla anställda", "Annars bara de förvaltningar som väljs nedan", f.AudienceAll),
	}
	for _, d := range deps {
		checked := false
		for _, id := range f.DepartmentIDs {
			checked = checked || id == d.ID
		}
		fields = append(fields, check("dept-"+strconv.FormatInt(d.ID, 10), d.Name, "", checked))
	}
	fields = append(fields,
		check("must_acknowledge", "Ska kvitteras", "Alla i målgruppen ska läsa och kvittera dokumentet", f.MustAcknowledge),
		check("blocks_use", "Spärrar portalen tills det är kvitterat", "Nyanställda möter dokumentet innan något annat (R9)", f.BlocksUse))
	if errs["audience"] != "" {
		fields[4].Error = errs["audience"]
	}
	action, heading := "/admin/styrdokument", "Nytt styrdokument"
	if id != 0 {
		action, heading = "/admin/styrdokument/"+f.Slug, "Ändra styrdokument"
	}
	m := pages.SystemForm{Heading: heading, Action: action, Submit: "Spara", Fields: fields, CancelHref: "/styrdokument",
		Errors: errorItems(errs, []string{"title", "slug", "kind", "fixed_by", "audience", "must_acknowledge", "blocks_use"})}
	s.render(w, r, status, pages.SystemFormPage(s.page(r, formTitle(heading, errs), "/styrdokument"), m))
}

func documentFieldsFromForm(r *http.Request) portal.DocumentFields {
	v := r.PostForm
	f := portal.DocumentFields{Title: v.Get("title"), Slug: v.Get("slug"), Kind: v.Get("kind"), FixedBy: v.Get("fixed_by"),
		AudienceAll: v.Get("audience_all") == "ja", MustAcknowledge: v.Get("must_acknowledge") == "ja", BlocksUse: v.Get("blocks_use") == "ja"}
	for k := range v {
		if id, err := strconv.ParseInt(strings.TrimPrefix(k, "dept-"), 10, 64); strings.HasPrefix(k, "dept-") && err == nil {
			f.DepartmentIDs = append(f.DepartmentIDs, id)
		}
	}
	return f
}

func (s *Server) createDocument(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := documentFieldsFromForm(r)
	slug, err := s.documents.SaveDocument(ctx, actorFrom(ctx), 0, f, requestIDFrom(ctx))
	if fe := fieldErrors(err); fe != nil {
		s.renderDocumentForm(w, r, http.StatusUnprocessableEntity, 0, f, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Dokumentet är skapat. Skriv den första versionen.")
	http.Redirect(w, r, "/admin/styrdokument/"+slug+"/version", http.StatusSeeOther)
}

func (s *Server) editDocument(w http.ResponseWriter, r *http.Request) {
	v, err := s.documents.Get(r.Context(), actorFrom(r.Context()), chi.URLParam(r, "slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderDocumentForm(w, r, http.StatusOK, v.ID, v.Fields, nil)
}

func (s *Server) updateDocument(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := s.documents.Get(ctx, actorFrom(ctx), chi.URLParam(r, "slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := documentFieldsFromForm(r)
	slug, err := s.documents.SaveDocument(ctx, actorFrom(ctx), v.ID, f, requestIDFrom(ctx))
	if fe := fieldErrors(err); fe != nil {
		s.renderDocumentForm(w, r, http.StatusUnprocessableEntity, v.ID, f, fe)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Dokumentet är sparat.")
	http.Redirect(w, r, documentHref(slug), http.StatusSeeOther)
}

// versionForm writes the draft version; "Förhandsgranska" shows it as
// staff will see it, "Publicera" publishes it.
func (s *Server) versionForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := s.documents.Get(ctx, actorFrom(ctx), chi.URLParam(r, "slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := portal.VersionFields{RequiresReack: true, EffectiveDate: portal.Today()}
	if v.Draft != nil {
		f = portal.VersionFields{Markdown: v.Draft.Markdown, EffectiveDate: v.Draft.EffectiveDate, DecisionRef: v.Draft.DecisionRef,
			Summary: v.Draft.Summary, RequiresReack: v.Draft.RequiresReack}
	} else if v.Current != nil {
		f.Markdown = v.Current.Markdown
	}
	s.renderVersionForm(w, r, http.StatusOK, v, f, nil)
}

func (s *Server) renderVersionForm(w http.ResponseWriter, r *http.Request, status int, v postgres.DocumentView, f portal.VersionFields, errs map[string]string) {
	eff := ""
	if !f.EffectiveDate.IsZero() {
		eff = f.EffectiveDate.Format(dateLayout)
	}
	m := pages.VersionForm{Title: v.Fields.Title, Action: "/admin/styrdokument/" + v.Fields.Slug + "/version",
		Errors:      errorItems(errs, []string{"markdown", "effective_date", "decision_ref", "summary"}),
		Markdown:    components.Field{Name: "markdown", Label: "Text (Markdown)", Hint: "Rubriker med #, listor med -, länkar som [text](https://…). HTML visas inte.", Value: f.Markdown, Error: errs["markdown"], Rows: 20},
		Effective:   components.Field{Name: "effective_date", Label: "Gäller från", Type: "date", Value: eff, Error: errs["effective_date"]},
		DecisionRef: components.Field{Name: "decision_ref", Label: "Beslut (diarienummer)", Value: f.DecisionRef, Error: errs["decision_ref"]},
		Summary: components.Field{Name: "summary", Label: "Vad har ändrats", Value: f.Summary, Error: errs["summary"], Rows: 4,
			Hint: "Med egna ord, för de anställda: visas när de ombeds kvittera den nya versionen och i versionslistan"},
		RequiresReack: components.Field{Name: "requires_reack", Label: "Alla ska kvittera på nytt", Hint: "Ta bort markeringen för en redaktionell ändring", Checked: f.RequiresReack},
		HasDraft:      v.Draft != nil, Slug: v.Fields.Slug,
	}
	if v.Draft != nil {
		m.Preview = v.Draft.HTML
		m.DraftNumber = strconv.Itoa(v.Draft.Number)
		m.DraftSHA = v.Draft.SHA256
	}
	s.render(w, r, status, pages.VersionFormPage(s.page(r, formTitle("Ny version: "+v.Fields.Title, errs), "/styrdokument"), m))
}

func (s *Server) saveVersion(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := actorFrom(ctx)
	slug := chi.URLParam(r, "slug")
	v, err := s.documents.Get(ctx, actor, slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := portal.VersionFields{Markdown: r.PostForm.Get("markdown"), DecisionRef: r.PostForm.Get("decision_ref"), Summary: r.PostForm.Get("summary"),
		RequiresReack: r.PostForm.Get("requires_reack") == "ja"}
	errs := map[string]string{}
	if t, err := time.Parse(dateLayout, strings.TrimSpace(r.PostForm.Get("effective_date"))); err == nil {
		f.EffectiveDate = t
	}
	err = s.documents.SaveDraft(ctx, actor, slug, f, requestIDFrom(ctx))
	if fe := fieldErrors(err); fe != nil {
		for k, m := range fe {
			errs[k] = m
		}
		s.renderVersionForm(w, r, http.StatusUnprocessableEntity, v, f, errs)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Flash(ctx, "Utkastet är sparat. Granska det nedan innan du publicerar.")
	http.Redirect(w, r, "/admin/styrdokument/"+slug+"/version#forhandsgranskning", http.StatusSeeOther)
}

func (s *Server) publishVersion(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slug := chi.URLParam(r, "slug")
	if !confirmed(r) {
		// Rehearsed: the version that would be published and who would be told.
		number, notified, err := s.documents.Publish(postgres.Rehearse(ctx), actorFrom(ctx), slug, requestIDFrom(ctx))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := s.documents.Get(ctx, actorFrom(ctx), slug)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		m := pages.Confirm{Heading: "Publicera version " + strconv.Itoa(number) + " av " + v.Fields.Title,
			Action: "/admin/styrdokument/" + slug + "/publicera", CancelHref: "/admin/styrdokument/" + slug + "/version", ConfirmLabel: "Bekräfta: publicera"}
		if v.Draft != nil && strings.TrimSpace(v.Draft.Summary) != "" {
			m.QuoteLabel, m.Quote = "Vad har ändrats", v.Draft.Summary
		}
		m.Consequences = append(m.Consequences, "Version "+strconv.Itoa(number)+" blir den gällande versionen av "+v.Fields.Title+
			" för alla anställda. En publicerad version kan inte ändras eller tas bort; en rättelse blir en ny version.")
		if notified > 0 {
			m.Consequences = append(m.Consequences, personCount(notified)+" får besked om att kvittera den.")
		} else {
			m.Consequences = append(m.Consequences, "Ingen behöver kvittera den på nytt.")
		}
		s.renderConfirm(w, r, m, "/styrdokument")
		return
	}
	number, notified, err := s.documents.Publish(ctx, actorFrom(ctx), slug, requestIDFrom(ctx))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "Version " + strconv.Itoa(number) + " är publicerad."
	if notified > 0 {
		msg += " " + components.CountOf(notified, components.People) + " får besked om att kvittera den."
	}
	s.sessions.Flash(ctx, msg)
	http.Redirect(w, r, documentHref(slug), http.StatusSeeOther)
}

// personCount is "1 person" or "N personer".
func personCount(n int) string {
	if n == 1 {
		return "1 person"
	}
	return strconv.Itoa(n) + " personer"
}
