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

// bulkOperationsPath is where the register list's "Byt driftsansvarig för
// valda system" posts.
const bulkOperationsPath = "/system/byt-driftsansvarig"

var bulkOperationsFieldOrder = []string{"system", "driftsansvarig", "from", "appointed_by", "reason"}

// bulkOperationsForm is the bulk change's form with the values v and the
// errors errs (the register list shows it empty).
func bulkOperationsForm(v map[string][]string, errs map[string]string) *pages.BulkOperations {
	get := func(k string) string {
		if vals := v[k]; len(vals) > 0 {
			return vals[0]
		}
		return ""
	}
	from := get("from")
	if from == "" && errs == nil {
		from = time.Now().In(stockholm).Format(dateLayout)
	}
	fromType := "date"
	if _, err := time.Parse(dateLayout, from); from != "" && err != nil {
		fromType = "text" // what was typed stays, and a date field may not hold it
	}
	return &pages.BulkOperations{
		Action: bulkOperationsPath, Errors: errorItems(errs, bulkOperationsFieldOrder), SystemError: errs["system"],
		Operator: components.Field{Name: "driftsansvarig", Label: "Ny driftsansvarig", Value: get("driftsansvarig"), Error: errs["driftsansvarig"],
			Hint: "IT-enheten, eller leverantörens namn när en leverantör driftar systemen (§4.4)."},
		From: components.Field{Name: "from", Label: "Gäller från och med", Type: fromType, Value: from, Error: errs["from"],
			Hint: "Ett datum bakåt i tiden rättar registret; ett datum framåt planerar en överlämning."},
		AppointedBy: components.Field{Name: "appointed_by", Label: "Beslutat av", Value: get("appointed_by"), Error: errs["appointed_by"],
			Hint: "Vem som fattade beslutet om den nya driften, till exempel chefen för IT-enheten."},
		Reason: components.Field{Name: "reason", Label: "Anledning (valfritt)", Value: get("reason"), Error: errs["reason"], Rows: 2},
	}
}

// changeOperationsBulk changes driftsansvarig of the systems chosen on the
// register list: the first POST checks everything (postgres.Rehearse) and
// lists each system's old → new driftsansvarig for confirmation; the
// confirmed POST makes the changes in one transaction. What needs
// correcting is shown on the form's own page, nothing changed.
func (s *Server) changeOperationsBulk(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorFrom(r.Context())
	v := r.PostForm
	errs := map[string]string{}
	var ids []int64
	for _, raw := range v["system"] {
		id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil || id <= 0 {
			errs["system"] = "Ett av de valda systemen finns inte. Välj systemen i listan igen."
			continue
		}
		ids = append(ids, id)
	}
	if len(v["system"]) == 0 {
		errs["system"] = "Välj minst ett system i listan."
	}
	c := postgres.RoleChange{Operator: v.Get("driftsansvarig"), AppointedBy: v.Get("appointed_by"), Reason: v.Get("reason"), RequestID: requestIDFrom(ctx)}
	from, err := time.Parse(dateLayout, strings.TrimSpace(v.Get("from")))
	if err != nil {
		errs["from"] = "Ange datumet som 2025-03-01."
	}
	c.From = from
	if len(errs) == 0 {
		run := ctx
		if !confirmed(r) {
			run = postgres.Rehearse(ctx)
		}
		plan, err := s.systems.ChangeOperations(run, a, ids, c)
		if fe := fieldErrors(err); fe != nil {
			for k, msg := range fe {
				if k == "holder" {
					k = "driftsansvarig"
				}
				errs[k] = msg
			}
		} else if err != nil {
			s.fail(w, r, err)
			return
		} else if !confirmed(r) {
			s.confirmOperationsBulk(w, r, plan, c)
			return
		} else if operationsChanged(plan) == 0 {
			// Someone else made the same change after the confirmation was shown.
			s.sessions.FlashInfo(ctx, "Inget ändrades: de valda systemen har redan "+strings.TrimSpace(c.Operator)+" som driftsansvarig.")
			http.Redirect(w, r, "/system", http.StatusSeeOther)
			return
		} else {
			s.sessions.Flash(ctx, operationsChangedNotice(plan, c))
			http.Redirect(w, r, "/system", http.StatusSeeOther)
			return
		}
	}
	b := bulkOperationsForm(v, errs)
	chosen := map[int64]bool{}
	for _, id := range ids {
		if chosen[id] {
			continue
		}
		chosen[id] = true
		if sys, err := s.systems.Get(ctx, a, id); err == nil {
			b.Systems = append(b.Systems, pages.BulkSystem{ID: strconv.FormatInt(id, 10), Name: sys.Facts.Name, Checked: true})
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, pages.BulkOperationsPage(
		withBack(s.page(r, formTitle("Byt driftsansvarig för valda system", errs), "/system"), "Tillbaka till registret", "/system"), *b))
}

// confirmOperationsBulk asks before the bulk change: each system with its
// driftsansvarig now and after.
func (s *Server) confirmOperationsBulk(w http.ResponseWriter, r *http.Request, plan []postgres.OperationsChange, c postgres.RoleChange) {
	var changed, same []string
	for _, p := range plan {
		if p.Unchanged {
			same = append(same, p.System)
			continue
		}
		before := p.Before
		if before == "" {
			before = "ingen driftsansvarig"
		}
		changed = append(changed, p.System+": "+before+" → "+p.After)
	}
	newOperator := strings.TrimSpace(c.Operator)
	if len(changed) == 0 {
		s.sessions.FlashInfo(r.Context(), "Inget ändras: "+strings.Join(same, ", ")+" har redan "+newOperator+" som driftsansvarig.")
		http.Redirect(w, r, "/system", http.StatusSeeOther)
		return
	}
	m := pages.Confirm{Heading: "Byt driftsansvarig för " + components.CountOf(len(changed), components.Systems), Action: bulkOperationsPath,
		ConfirmLabel: "Byt driftsansvarig", CancelHref: "/system",
		Hidden: carried(r, "system", "driftsansvarig", "from", "appointed_by", "reason")}
	m.Consequences = append(m.Consequences, "Från och med "+c.From.Format(dateLayout)+" blir "+newOperator+" driftsansvarig. Varje ändring förs in i historiken och IT-enheten aviseras om var och en (R3).")
	m.Consequences = append(m.Consequences, changed...)
	if len(same) > 0 {
		m.Consequences = append(m.Consequences, "Har redan "+newOperator+" och ändras inte: "+strings.Join(same, ", ")+".")
	}
	if by := strings.TrimSpace(c.AppointedBy); by != "" {
		m.Consequences = append(m.Consequences, "Beslutat av: "+by+".")
	}
	s.renderConfirm(w, r, m, "/system")
}

// operationsChangedNotice says what the bulk change did: "CGI är nu
// driftsansvarig för 3 system från 2026-12-02." A later start reads "blir".
func operationsChangedNotice(plan []postgres.OperationsChange, c postgres.RoleChange) string {
	n := operationsChanged(plan)
	verb := "är nu"
	if c.From.After(portal.Today()) {
		verb = "blir"
	}
	return strings.TrimSpace(c.Operator) + " " + verb + " driftsansvarig för " + components.CountOf(n, components.Systems) + " från " + c.From.Format(dateLayout) + "."
}

// operationsChanged counts the systems of plan that change.
func operationsChanged(plan []postgres.OperationsChange) int {
	n := 0
	for _, p := range plan {
		if !p.Unchanged {
			n++
		}
	}
	return n
}
