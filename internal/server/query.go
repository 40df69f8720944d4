package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"itportal/internal/portal"
	"itportal/web/components"
)

// listQuery reads a list's filter parameters from a query string and notes,
// per parameter and in Swedish, each value it cannot use. A list never
// silently drops a filter someone asked for: the API answers 400 naming
// the parameter, and a page shows the message beside the filter (the list
// itself as if the parameter were not given).
type listQuery struct {
	v        url.Values
	problems map[string]string
	order    []string
}

func newListQuery(v url.Values) *listQuery { return &listQuery{v: v, problems: map[string]string{}} }

func (q *listQuery) refuse(name, msg string) {
	if _, ok := q.problems[name]; !ok {
		q.order = append(q.order, name)
	}
	q.problems[name] = msg
}

// text is free text of at most max characters.
func (q *listQuery) text(name string, max int) string {
	v := strings.TrimSpace(q.v.Get(name))
	if utf8.RuneCountInString(v) > max {
		q.refuse(name, "Högst "+strconv.Itoa(max)+" tecken.")
		return ""
	}
	return v
}

// choice is one of choices' values, or "".
func (q *listQuery) choice(name string, choices []portal.Choice) string {
	values := make([]string, len(choices))
	for i, c := range choices {
		values[i] = c.Value
	}
	return q.oneOf(name, values...)
}

// oneOf is one of values, or "".
func (q *listQuery) oneOf(name string, values ...string) string {
	v := q.v.Get(name)
	if v == "" || slices.Contains(values, v) {
		return v
	}
	q.refuse(name, "Okänt värde "+quote(v)+". Välj något av: "+strings.Join(values, ", ")+".")
	return ""
}

// id is a positive whole number (a department's id, say), or 0.
func (q *listQuery) id(name string) int64 {
	v := q.v.Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		q.refuse(name, "Ange ett id, ett positivt heltal (inte "+quote(v)+").")
		return 0
	}
	return n
}

// page is the page number "sida": 1 to 100 000, 1 when not given.
func (q *listQuery) page() int {
	v := q.v.Get("sida")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100000 {
		q.refuse("sida", "Ange sidans nummer, ett heltal från 1 (inte "+quote(v)+").")
		return 1
	}
	return n
}

// yes is a tick box: "ja", or not given.
func (q *listQuery) yes(name string) bool { return q.oneOf(name, "ja") == "ja" }

// listStatus is a list page's status: 400 when a parameter could not be
// used (the page still shows the list, without it).
func listStatus(q *listQuery) int {
	if q.ok() {
		return http.StatusOK
	}
	return http.StatusBadRequest
}

// ok reports whether every parameter could be used.
func (q *listQuery) ok() bool { return len(q.problems) == 0 }

// errorItems are the problems for a page's error summary, in the order met;
// fields names the parameters that have a field on the page (the rest link
// to the page's main content).
func (q *listQuery) errorItems(fields ...string) []components.ErrorItem {
	var out []components.ErrorItem
	for _, name := range q.order {
		field := name
		if !slices.Contains(fields, name) {
			field = "huvudinnehall"
		}
		out = append(out, components.ErrorItem{Field: field, Message: paramLabel(name) + ": " + q.problems[name]})
	}
	return out
}

// problemTexts are the problems as sentences naming their parameters.
func problemTexts(q *listQuery) []string {
	var out []string
	for _, name := range q.order {
		out = append(out, paramLabel(name)+": "+q.problems[name])
	}
	return out
}

// writeProblem answers the API's 400 naming every parameter it could not
// use (RFC 9457, with invalid_params as its examples do).
func (q *listQuery) writeProblem(w http.ResponseWriter, requestID string) {
	type param struct {
		Name   string `json:"name"`
		Reason string `json:"reason"`
	}
	var params []param
	var details []string
	for _, name := range q.order {
		params = append(params, param{Name: name, Reason: q.problems[name]})
		details = append(details, "Parametern "+name+": "+q.problems[name])
	}
	writeProblemWith(w, http.StatusBadRequest, "Ogiltig parameter", strings.Join(details, " "), requestID, map[string]any{"invalid_params": params})
}

// paramLabel is how a page names a parameter in its error summary.
func paramLabel(name string) string {
	switch name {
	case "sida":
		return "Sida"
	case "forvaltning":
		return "Förvaltning"
	case "livscykel":
		return "Livscykel"
	case "drift":
		return "Drift"
	case "personuppgifter":
		return "Personuppgifter"
	case "sortering", "sortera":
		return "Sortering"
	case "status":
		return "Status"
	case "typ":
		return "Typ av ärende"
	case "alder":
		return "Ålder"
	case "vy":
		return "Vy"
	case "q":
		return "Sökord"
	case "saknar_forvaltare", "utvardering_forsenad", "mina":
		return "Urval"
	}
	return name
}

// quote shows a value as typed, shortened, between Swedish quotation marks.
func quote(v string) string {
	if r := []rune(v); len(r) > 40 {
		v = string(r[:40]) + "…"
	}
	return "”" + v + "”"
}
