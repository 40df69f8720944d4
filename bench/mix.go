package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"itportal/internal/portal"
)

// The varied mix: what a municipality's staff do, nearly every request a
// different URL drawn from the seeded data, and every answer's body
// checked for what its kind must show. A 200 without its content is an
// error, as a non-2xx answer and a failed request are.

// mixKind is one kind of request in the mix.
type mixKind int

const (
	kindSystemPage mixKind = iota
	kindSearch
	kindFiltered
	kindAPISystem
	kindAPIList
	kindCasePage
	kindCaseList
	kindPeople
	kindReference // the bare reference's varied pages, measured apart
	numKinds
)

// mixKinds name the kinds and give their share of the mix in per cent.
var mixKinds = [numKinds]struct {
	name  string
	share int
}{
	kindSystemPage: {"system page `/system/{id}` (Zipf over the ids)", 35},
	kindSearch:     {"register search `/system?q=` (whole names, prefixes, typos, without å/ä/ö)", 20},
	kindFiltered:   {"filtered register `/system?forvaltning=&livscykel=&sortering=&sida=`", 10},
	kindAPISystem:  {"API system `/api/v1/systems/{id}`", 10},
	kindAPIList:    {"API list `/api/v1/systems?cursor=` (50 rows, following the cursors)", 10},
	kindCasePage:   {"case page `/arenden/{id}`", 6},
	kindCaseList:   {"case lists `/arenden?vy=alla` and `?vy=ko` (`&status=&typ=&forvaltning=&sida=`)", 4},
	kindPeople:     {"people search `/admin/personer?q=` (administrators)", 5},
	kindReference:  {"reference, varied: 50 rows from a random place (`/?efter={id}`)", 0},
}

// mixSession is one signed-in client of the mix and who it is.
type mixSession struct {
	client   *http.Client
	persona  string
	admin    bool // may search people (/admin/personer)
	preparer bool // sees IT-enheten's work queue
}

// mixRequest is one request the generator chose and how to judge its
// answer: check returns why the body is not what the kind must show.
type mixRequest struct {
	kind   mixKind
	url    string
	client *http.Client
	check  func(body []byte) error
}

// mixWorker draws one client's requests from its own seeded generator, so
// that runs with the same seed ask the same things.
type mixWorker struct {
	rng      *rand.Rand
	cat      *catalogue
	base     string
	own      mixSession
	admin    *http.Client // for the kinds only administrators may ask
	preparer *http.Client
	sysZipf  *rand.Zipf
	caseZipf *rand.Zipf
	popular  []int // indexes into cat.systems, most viewed first
	chain    apiChain
}

// apiChain is a client walking the API's list by its cursors.
type apiChain struct {
	active bool
	query  url.Values // the chain's filter
	expect int        // systems the filter matches in all
	seen   int
	cursor string
	lastID int64
}

func newMixWorker(seed uint64, i int, cat *catalogue, popular []int, base string, own mixSession, admin, preparer *http.Client) *mixWorker {
	rng := rand.New(rand.NewPCG(seed, uint64(i)+1))
	return &mixWorker{
		rng: rng, cat: cat, base: base, own: own, admin: admin, preparer: preparer, popular: popular,
		sysZipf:  rand.NewZipf(rng, 1.05, 10, uint64(len(cat.systems)-1)),
		caseZipf: rand.NewZipf(rng, 1.05, 10, uint64(len(cat.cases)-1)),
	}
}

// next draws the worker's next request.
func (w *mixWorker) next() mixRequest {
	n, k := w.rng.IntN(100), kindSystemPage
	for ; k < kindReference; k++ {
		if n < mixKinds[k].share {
			break
		}
		n -= mixKinds[k].share
	}
	switch k {
	case kindSystemPage:
		return w.systemPage()
	case kindSearch:
		return w.search()
	case kindFiltered:
		return w.filtered()
	case kindAPISystem:
		return w.apiSystem()
	case kindAPIList:
		return w.apiList()
	case kindCasePage:
		return w.casePage()
	case kindCaseList:
		return w.caseList()
	default:
		return w.people()
	}
}

func (w *mixWorker) get(k mixKind, path string, client *http.Client, check func([]byte) error) mixRequest {
	if client == nil {
		client = w.own.client
	}
	return mixRequest{kind: k, url: w.base + path, client: client, check: check}
}

// pick is a system by the skewed distribution: a few systems are viewed
// often, most rarely.
func (w *mixWorker) pick() *catSystem { return &w.cat.systems[w.popular[w.sysZipf.Uint64()]] }

func (w *mixWorker) systemPage() mixRequest {
	s := w.pick()
	return w.get(kindSystemPage, "/system/"+strconv.FormatInt(s.id, 10), nil, func(b []byte) error {
		body := string(b)
		if !strings.Contains(body, "<h1>"+esc(s.name)+"</h1>") {
			return fmt.Errorf("system %d: no heading %q", s.id, s.name)
		}
		i := strings.Index(body, `id="roller"`)
		if i < 0 {
			return fmt.Errorf("system %d: no roles", s.id)
		}
		roles := body[i:]
		if j := strings.Index(roles, "</table>"); j > 0 {
			roles = roles[:j]
		}
		for _, r := range []struct {
			role   portal.SystemRole
			holder string
		}{{portal.RoleOwner, s.owner}, {portal.RoleAdministrator, s.admin}, {portal.RoleOperations, s.operations}} {
			row := after(roles, `<th scope="row">`+esc(r.role.Label())+`</th>`)
			if j := strings.Index(row, "</tr>"); j >= 0 {
				row = row[:j]
			}
			want := esc(r.holder)
			if r.holder == "" {
				want = "Saknas"
			}
			if row == "" || !strings.Contains(row, want) {
				return fmt.Errorf("system %d: %s is not %q", s.id, r.role.Label(), want)
			}
		}
		return nil
	})
}

// search is what people type into the register's search: a whole name, a
// name while it is typed, a name with a typo, or a word without å, ä and ö
// (a department, a first name or a surname).
func (w *mixWorker) search() mixRequest {
	s := &w.cat.systems[w.rng.IntN(len(w.cat.systems))]
	var q string
	var expect func(rows []listRow) error
	switch n := w.rng.IntN(100); {
	case n < 35: // the whole name: the system is listed
		q = s.name
		if w.rng.IntN(2) == 0 {
			q = strings.ToLower(q)
		}
		expect = func(rows []listRow) error {
			for _, r := range rows {
				if r.id == s.id && r.name == esc(s.name) {
					return nil
				}
			}
			return fmt.Errorf("%q not among the %d rows", s.name, len(rows))
		}
	case n < 60: // while typing: a prefix of three letters or more
		name := strings.ToLower(s.name)
		q = string([]rune(name)[:3+w.rng.IntN(max(1, len([]rune(name))-3))])
		expect = atLeastOne
	case n < 80: // one typo: a letter left out, doubled or two swapped, in the name or while typing it ("trser")
		name := []rune(strings.ToLower(s.name))
		expect = atLeastOne
		if len(name) > 6 && w.rng.IntN(2) == 0 {
			// Trigrams forgive a typo in a short start of a name only
			// sometimes ("trser" finds Treserva, "faaska" nothing): the
			// page need only be whole (its count and rows agree).
			name = name[:5+w.rng.IntN(len(name)-5)]
			expect = func([]listRow) error { return nil }
		}
		q = typo(w.rng, string(name))
	default: // without å, ä and ö
		if w.rng.IntN(2) == 0 {
			d := w.cat.departments[w.rng.IntN(len(w.cat.departments))]
			q = strings.Trim(strings.Fields(fold(d.name))[0], "-")
			expect = func(rows []listRow) error {
				for _, r := range rows {
					if sys := w.cat.systemByID[r.id]; sys != nil && sys.ownerID == d.id {
						return nil
					}
				}
				return fmt.Errorf("no system of %s among the %d rows", d.name, len(rows))
			}
		} else {
			p := w.cat.staff[w.rng.IntN(len(w.cat.staff))]
			first, last, _ := strings.Cut(p.name, " ")
			q = fold(first)
			if w.rng.IntN(2) == 0 {
				q = fold(last)
			}
			expect = atLeastOne
		}
	}
	path := "/system?" + url.Values{"q": {q}}.Encode()
	return w.get(kindSearch, path, nil, func(b []byte) error {
		_, rows, err := registerPage(b, 1)
		if err != nil {
			return fmt.Errorf("search %q: %w", q, err)
		}
		if err := expect(rows); err != nil {
			return fmt.Errorf("search %q: %w", q, err)
		}
		return nil
	})
}

func atLeastOne(rows []listRow) error {
	if len(rows) == 0 {
		return errors.New("nothing found")
	}
	return nil
}

// typo changes one thing in a word as a hurried hand does.
func typo(rng *rand.Rand, s string) string {
	r := []rune(s)
	if len(r) < 4 {
		return s + string(r[len(r)-1])
	}
	i := 1 + rng.IntN(len(r)-2)
	switch rng.IntN(3) {
	case 0:
		return string(slices.Delete(r, i, i+1))
	case 1:
		return string(slices.Insert(r, i, r[i]))
	default:
		r[i], r[i+1] = r[i+1], r[i]
		return string(r)
	}
}

// filtered is the register filtered by what the form offers, sorted, on
// one of its pages; the count must be the seed's own.
func (w *mixWorker) filtered() mixRequest {
	v := url.Values{}
	var dep int64
	var life, host, pd string
	if w.rng.IntN(10) < 6 {
		dep = w.cat.departments[w.rng.IntN(len(w.cat.departments))].id
		v.Set("forvaltning", strconv.FormatInt(dep, 10))
	}
	if w.rng.IntN(2) == 0 {
		life = portal.Lifecycles[w.rng.IntN(len(portal.Lifecycles))].Value
		v.Set("livscykel", life)
	}
	if w.rng.IntN(10) == 0 {
		host = portal.Hostings[w.rng.IntN(len(portal.Hostings))].Value
		v.Set("drift", host)
	}
	if w.rng.IntN(10) == 0 {
		pd = portal.PersonalData[w.rng.IntN(len(portal.PersonalData))].Value
		v.Set("personuppgifter", pd)
	}
	if sort := []string{"", "", "namn", "agare", "livscykel", "andrad"}[w.rng.IntN(6)]; sort != "" {
		v.Set("sortering", sort)
	}
	match := func(s *catSystem) bool {
		return (dep == 0 || s.ownerID == dep) && (life == "" || s.lifecycle == life) && (host == "" || s.hosting == host) && (pd == "" || s.persData == pd)
	}
	want := 0
	for i := range w.cat.systems {
		if match(&w.cat.systems[i]) {
			want++
		}
	}
	page := 1 + w.rng.IntN(max(1, (want+49)/50))
	if page > 1 {
		v.Set("sida", strconv.Itoa(page))
	}
	return w.get(kindFiltered, "/system?"+v.Encode(), nil, func(b []byte) error {
		total, rows, err := registerPage(b, page)
		if err != nil {
			return fmt.Errorf("filter %s: %w", v.Encode(), err)
		}
		if total != want {
			return fmt.Errorf("filter %s: %d systems, the seed has %d", v.Encode(), total, want)
		}
		for _, r := range rows {
			if s := w.cat.systemByID[r.id]; s == nil || !match(s) {
				return fmt.Errorf("filter %s: system %d does not match", v.Encode(), r.id)
			}
		}
		return nil
	})
}

// listRow is a row of a list page: the linked object's id and text.
type listRow struct {
	id   int64
	name string // as in the HTML (escaped)
}

// listRows finds the rows whose first link starts with prefix (`<td><a
// href="/system/`): the id after it and the link's text.
func listRows(body []byte, prefix string) []listRow {
	var out []listRow
	p := []byte(prefix)
	for {
		i := bytes.Index(body, p)
		if i < 0 {
			return out
		}
		body = body[i+len(p):]
		end := bytes.IndexByte(body, '"')
		id, err := strconv.ParseInt(string(body[:max(end, 0)]), 10, 64)
		if end < 0 || err != nil {
			continue // another link of the page (/system/ny, say)
		}
		text := body[end:]
		if j := bytes.IndexByte(text, '>'); j >= 0 {
			text = text[j+1:]
		}
		if j := bytes.Index(text, []byte("</a>")); j >= 0 {
			text = text[:j]
		}
		out = append(out, listRow{id: id, name: string(text)})
	}
}

// countIn reads the number at the start of the element with the test id
// (`12 system matchar`), 0 for the text of an empty list.
func countIn(body []byte, testID string) (int, error) {
	s := after(string(body), `data-testid="`+testID+`">`)
	if s == "" {
		return 0, errors.New("no count")
	}
	s, _, _ = strings.Cut(s, "<")
	if strings.HasPrefix(s, "Inga ") {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.Fields(s + " x")[0])
	if err != nil {
		return 0, fmt.Errorf("count %q", s)
	}
	return n, nil
}

// onPage is how many rows of total page (1-based) of 50 shows.
func onPage(total, page int) int { return max(0, min(50, total-(page-1)*50)) }

// registerPage reads a page of the register and checks that its count and
// its rows agree.
func registerPage(b []byte, page int) (int, []listRow, error) {
	total, err := countIn(b, "system-count")
	if err != nil {
		return 0, nil, err
	}
	rows := listRows(b, `<td><a href="/system/`)
	if len(rows) != onPage(total, page) {
		return total, rows, fmt.Errorf("%d rows on page %d of %d systems", len(rows), page, total)
	}
	return total, rows, nil
}

type apiSystemJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Roles *struct {
		Owner, Administrator, Operations *struct {
			Name string `json:"name"`
		}
	} `json:"roles"`
}

func (w *mixWorker) apiSystem() mixRequest {
	s := w.pick()
	return w.get(kindAPISystem, "/api/v1/systems/"+strconv.FormatInt(s.id, 10), nil, func(b []byte) error {
		var got apiSystemJSON
		if err := json.Unmarshal(b, &got); err != nil {
			return fmt.Errorf("API system %d: %v", s.id, err)
		}
		if got.ID != s.id || got.Name != s.name || got.Roles == nil {
			return fmt.Errorf("API system %d: id %d, name %q, roles %v", s.id, got.ID, got.Name, got.Roles != nil)
		}
		for _, h := range []struct {
			got *struct {
				Name string `json:"name"`
			}
			want string
		}{{got.Roles.Owner, s.owner}, {got.Roles.Administrator, s.admin}, {got.Roles.Operations, s.operations}} {
			if (h.got == nil) != (h.want == "") || (h.got != nil && h.got.Name != h.want) {
				return fmt.Errorf("API system %d: a role is not %q", s.id, h.want)
			}
		}
		return nil
	})
}

// apiList asks for the next page of the worker's walk through the API's
// list, by the cursor the previous page returned. A walk has a filter of
// its own and ends now and then (the reader found what they looked for)
// or at the end of the list.
func (w *mixWorker) apiList() mixRequest {
	c := &w.chain
	if !c.active || w.rng.IntN(50) == 0 {
		*c = apiChain{active: true, query: url.Values{}}
		var dep int64
		var life string
		if w.rng.IntN(2) == 0 {
			dep = w.cat.departments[w.rng.IntN(len(w.cat.departments))].id
			c.query.Set("forvaltning", strconv.FormatInt(dep, 10))
		}
		if w.rng.IntN(2) == 0 {
			life = portal.Lifecycles[w.rng.IntN(len(portal.Lifecycles))].Value
			c.query.Set("livscykel", life)
		}
		for _, s := range w.cat.systems {
			if (dep == 0 || s.ownerID == dep) && (life == "" || s.lifecycle == life) {
				c.expect++
			}
		}
	}
	q := url.Values{}
	for k, v := range c.query {
		q[k] = v
	}
	if c.cursor != "" {
		q.Set("cursor", c.cursor)
	}
	path := "/api/v1/systems"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return w.get(kindAPIList, path, nil, func(b []byte) error {
		var got struct {
			Systems    []apiSystemJSON `json:"systems"`
			NextCursor *string         `json:"next_cursor"`
		}
		err := json.Unmarshal(b, &got)
		if err == nil {
			err = c.take(w.cat, got.Systems, got.NextCursor)
		}
		if err != nil {
			c.active = false
			return fmt.Errorf("API list %s: %w", path, err)
		}
		return nil
	})
}

// take checks a page of the walk and moves on to its cursor.
func (c *apiChain) take(cat *catalogue, rows []apiSystemJSON, next *string) error {
	want := min(50, c.expect-c.seen)
	if len(rows) != want {
		return fmt.Errorf("%d systems after %d of %d, want %d", len(rows), c.seen, c.expect, want)
	}
	for _, r := range rows {
		s := cat.systemByID[r.ID]
		if s == nil || s.name != r.Name || r.ID == c.lastID {
			return fmt.Errorf("system %d %q is not the seed's or repeats the previous page", r.ID, r.Name)
		}
	}
	c.seen += len(rows)
	switch {
	case c.seen < c.expect && next == nil:
		return fmt.Errorf("no next cursor after %d of %d", c.seen, c.expect)
	case len(rows) < 50 && next != nil:
		return fmt.Errorf("a next cursor after the last %d", len(rows))
	case next == nil:
		c.active = false // the end: the next walk starts again
		return nil
	}
	c.cursor, c.lastID = *next, rows[len(rows)-1].ID
	return nil
}

func (w *mixWorker) casePage() mixRequest {
	// The newest cases are read most.
	k := &w.cat.cases[len(w.cat.cases)-1-int(w.caseZipf.Uint64())]
	return w.get(kindCasePage, "/arenden/"+strconv.FormatInt(k.id, 10), nil, func(b []byte) error {
		h1 := after(string(b), "<h1>")
		if j := strings.Index(h1, "</h1>"); j >= 0 {
			h1 = h1[:j]
		}
		if !strings.Contains(h1, esc(k.number)) || !strings.Contains(h1, esc(k.title)) {
			return fmt.Errorf("case %d: heading %q, not %s: %s", k.id, strings.TrimSpace(h1), k.number, k.title)
		}
		return nil
	})
}

// caseList is all submitted cases or IT-enheten's work queue, filtered
// and on one of its pages; the count must be the seed's own.
func (w *mixWorker) caseList() mixRequest {
	v := url.Values{}
	queue := w.preparer != nil && w.rng.IntN(10) < 3
	open := []string{"inskickat", "under_handlaggning", "komplettering_begard"}
	states := []string{"inskickat", "under_handlaggning", "komplettering_begard", "beviljat", "avslaget", "aterkallat"}
	client := w.own.client
	if queue {
		v.Set("vy", "ko")
		states, client = open, w.preparer
	} else {
		v.Set("vy", "alla")
	}
	var state, kind string
	var dep int64
	if w.rng.IntN(10) < 3 {
		state = states[w.rng.IntN(len(states))]
		v.Set("status", state)
	}
	if w.rng.IntN(10) < 3 {
		kind = string(portal.RequestKinds[w.rng.IntN(len(portal.RequestKinds))])
		v.Set("typ", kind)
	}
	if w.rng.IntN(10) < 3 {
		dep = w.cat.departments[w.rng.IntN(len(w.cat.departments))].id
		v.Set("forvaltning", strconv.FormatInt(dep, 10))
	}
	match := func(k *catCase) bool {
		return (!queue || slices.Contains(open, k.state)) && (state == "" || k.state == state) && (kind == "" || k.kind == kind) && (dep == 0 || k.departmentID == dep)
	}
	want := 0
	for i := range w.cat.cases {
		if match(&w.cat.cases[i]) {
			want++
		}
	}
	page := 1 + w.rng.IntN(max(1, (want+49)/50))
	if page > 1 {
		v.Set("sida", strconv.Itoa(page))
	}
	return w.get(kindCaseList, "/arenden?"+v.Encode(), client, func(b []byte) error {
		total, err := countIn(b, "request-count")
		if err != nil {
			return fmt.Errorf("cases %s: %w", v.Encode(), err)
		}
		if total != want {
			return fmt.Errorf("cases %s: %d cases, the seed has %d", v.Encode(), total, want)
		}
		rows := listRows(b, `<td class="wide"><a href="/arenden/`)
		if len(rows) != onPage(total, page) {
			return fmt.Errorf("cases %s: %d rows on page %d of %d", v.Encode(), len(rows), page, total)
		}
		for _, r := range rows {
			if k := w.cat.caseByID[r.id]; k == nil || !match(k) {
				return fmt.Errorf("cases %s: case %d does not match", v.Encode(), r.id)
			}
		}
		return nil
	})
}

// people is an administrator looking a person up: by surname, the start
// of a surname, a name without å, ä and ö, a whole name or an employee
// number.
func (w *mixWorker) people() mixRequest {
	p := w.cat.staff[w.rng.IntN(len(w.cat.staff))]
	first, last, _ := strings.Cut(p.name, " ")
	var q string
	exact := false
	switch n := w.rng.IntN(100); {
	case n < 30:
		q = last
	case n < 55:
		q = strings.ToLower(string([]rune(last)[:min(len([]rune(last)), 3+w.rng.IntN(3))]))
	case n < 70:
		q = fold(first + " " + last)
	case n < 85:
		q = p.name
	default:
		q, exact = p.number, true
	}
	folded := fold(q)
	return w.get(kindPeople, "/admin/personer?"+url.Values{"q": {q}}.Encode(), w.admin, func(b []byte) error {
		rows := listRows(b, `<td><a href="/admin/personer/`)
		if len(rows) == 0 || len(rows) > 50 {
			return fmt.Errorf("people %q: %d rows", q, len(rows))
		}
		if exact {
			if len(rows) != 1 || rows[0].id != p.id || rows[0].name != esc(p.name) {
				return fmt.Errorf("people %q: not %s alone", q, p.name)
			}
			return nil
		}
		for _, r := range rows {
			got := w.cat.personByID[r.id]
			if got == nil || r.name != esc(got.name) {
				continue // the bench's own personas
			}
			if !strings.Contains(got.folded, folded) && !strings.Contains(got.email, strings.ToLower(q)) {
				return fmt.Errorf("people %q: %s does not match", q, got.name)
			}
		}
		return nil
	})
}

// referenceRequests are the bare reference's varied pages: 50 people
// from a random place in the table, each page checked for its rows.
func referenceRequests(rng *rand.Rand, cat *catalogue, base string, client *http.Client) func() mixRequest {
	return func() mixRequest {
		i := rng.IntN(len(cat.peopleIDs) - 50)
		after, first := cat.peopleIDs[i], cat.peopleNames[cat.peopleIDs[i+1]]
		return mixRequest{kind: kindReference, url: base + "/?efter=" + strconv.FormatInt(after, 10), client: client, check: func(b []byte) error {
			if n := bytes.Count(b, []byte("<tr>")); n != 50 {
				return fmt.Errorf("reference after %d: %d rows", after, n)
			}
			if !bytes.Contains(b, []byte("<tr><td>"+esc(first)+"</td>")) {
				return fmt.Errorf("reference after %d: does not start with %s", after, first)
			}
			return nil
		}}
	}
}

// after is what follows the first marker in s, "" when it is not there.
func after(s, marker string) string {
	_, rest, ok := strings.Cut(s, marker)
	if !ok {
		return ""
	}
	return rest
}

// esc is text as templ writes it into HTML.
func esc(s string) string { return html.EscapeString(s) }

// kindStats gathers one kind's answers.
type kindStats struct {
	lat                     []time.Duration // of the correct answers
	failed, status, content int
	samples                 []string            // the first few errors, for the log
	urls                    map[string]struct{} // the different URLs asked
}

func (k *kindStats) merge(o *kindStats) {
	if k.urls == nil {
		k.urls = map[string]struct{}{}
	}
	for u := range o.urls {
		k.urls[u] = struct{}{}
	}
	k.lat = append(k.lat, o.lat...)
	k.failed += o.failed
	k.status += o.status
	k.content += o.content
	for _, s := range o.samples {
		if len(k.samples) < 3 {
			k.samples = append(k.samples, s)
		}
	}
}

func (k *kindStats) sample(s string) {
	if len(k.samples) < 3 {
		k.samples = append(k.samples, s)
	}
}

// mixResult is a run of the mix (or of the reference's varied pages).
type mixResult struct {
	took  time.Duration
	kinds [numKinds]kindStats
}

// do sends one request and judges the answer.
func do(req mixRequest, st *kindStats) {
	if st.urls == nil {
		st.urls = map[string]struct{}{}
	}
	st.urls[req.url] = struct{}{}
	start := time.Now()
	resp, err := req.client.Get(req.url)
	if err != nil {
		st.failed++
		st.sample(err.Error())
		return
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	resp.Body.Close()
	took := time.Since(start)
	switch {
	case err != nil:
		st.failed++
		st.sample(err.Error())
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		st.status++
		st.sample(resp.Status + " " + req.url)
	default:
		if err := req.check(body); err != nil {
			st.content++
			st.sample("200 without its content: " + err.Error())
			return
		}
		st.lat = append(st.lat, took)
	}
}

// runMix sends each worker's requests, one at a time, for as long as
// more() says.
func runMix(next []func() mixRequest, more func() bool) mixResult {
	var mu sync.Mutex
	var res mixResult
	began := time.Now()
	var wg sync.WaitGroup
	for _, gen := range next {
		wg.Go(func() {
			var mine [numKinds]kindStats
			for more() {
				req := gen()
				do(req, &mine[req.kind])
			}
			mu.Lock()
			for k := range mine {
				res.kinds[k].merge(&mine[k])
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.took = time.Since(began)
	return res
}

// kindFigures are a kind's (or the whole mix's) figures.
type kindFigures struct {
	requests, errs, failed, status, content int
	urls                                    int // different URLs asked
	rps, equiv, p50, p95, p99               float64
}

func figures(stats []*kindStats, took time.Duration, clients int) kindFigures {
	var lat []time.Duration
	var f kindFigures
	for _, s := range stats {
		lat = append(lat, s.lat...)
		f.failed += s.failed
		f.status += s.status
		f.content += s.content
	}
	if len(stats) == 1 {
		f.urls = len(stats[0].urls)
	} else {
		union := map[string]struct{}{}
		for _, s := range stats {
			for u := range s.urls {
				union[u] = struct{}{}
			}
		}
		f.urls = len(union)
	}
	f.errs = f.failed + f.status + f.content
	f.requests = len(lat)
	f.rps = float64(len(lat)) / took.Seconds()
	if len(lat) == 0 {
		return f
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	// Little's law: clients asking one at a time at this mean latency.
	f.equiv = float64(clients) / (sum.Seconds() / float64(len(lat)))
	at := func(p int) float64 { return ms(lat[min(len(lat)-1, len(lat)*p/100)]) }
	f.p50, f.p95, f.p99 = at(50), at(95), at(99)
	return f
}

func (f kindFigures) errorText() string {
	s := fmt.Sprintf("%d of %d", f.errs, f.requests+f.errs)
	if f.errs > 0 {
		var parts []string
		for _, p := range []struct {
			n    int
			what string
		}{{f.content, "without their content"}, {f.status, "not 2xx"}, {f.failed, "failed"}} {
			if p.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
			}
		}
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// mixReport is the mix's table: the reference's varied pages, the whole
// mix, then each kind, all against the reference of the same run.
func mixReport(mix, refBefore, refAfter mixResult, clients int, personas string) string {
	var b strings.Builder
	refStats := []*kindStats{&refBefore.kinds[kindReference], &refAfter.kinds[kindReference]}
	ref := figures(refStats, refBefore.took+refAfter.took, clients)
	before := figures(refStats[:1], refBefore.took, clients)
	afterF := figures(refStats[1:], refAfter.took, clients)
	fmt.Fprintf(&b, "Varied mix for %s at %d concurrent clients (%s); the reference's varied pages for %s right before and %s right after it "+
		"(%.0f and %.0f requests/s):\n\n", mix.took.Round(time.Second), clients, personas, refBefore.took.Round(time.Second), refAfter.took.Round(time.Second), before.rps, afterF.rps)
	b.WriteString("| kind of request | share | different URLs | requests/s | clients ÷ mean latency | ratio to reference | p50 ms | p95 ms | p99 ms | errors |\n|---|---|---|---|---|---|---|---|---|---|\n")
	row := func(name, share string, f kindFigures, ratio float64) {
		different := 100 * float64(f.urls) / float64(max(1, f.requests+f.errs))
		fmt.Fprintf(&b, "| %s | %s | %.0f %% | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %s |\n", name, share, different, f.rps, f.equiv, ratio, f.p50, f.p95, f.p99, f.errorText())
	}
	row(mixKinds[kindReference].name, "—", ref, 1)
	var all []*kindStats
	for k := range kindReference {
		all = append(all, &mix.kinds[k])
	}
	whole := figures(all, mix.took, clients)
	row("**the whole mix**", "100 %", whole, ratio(whole.rps, ref.rps))
	total := whole.requests + whole.errs
	for k := range kindReference {
		f := figures([]*kindStats{&mix.kinds[k]}, mix.took, clients)
		share := fmt.Sprintf("%d %% (%.1f %%)", mixKinds[k].share, 100*float64(f.requests+f.errs)/float64(max(1, total)))
		row(mixKinds[k].name, share, f, ratio(f.equiv, ref.rps))
	}
	return b.String()
}

// ratio is a/b, 0 when the reference answered nothing correctly.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// logMixErrors prints the first errors of each kind, so that a run with
// errors says what they were.
func logMixErrors(results ...mixResult) {
	for _, r := range results {
		for k, st := range r.kinds {
			for _, s := range st.samples {
				fmt.Fprintf(os.Stderr, "mix error (%s): %s\n", mixKinds[k].name, s)
			}
		}
	}
}

// measureMix runs the varied mix with the sessions, and the reference's
// varied pages right before and right after it, and reports them with
// the machine's state and the portal's resident memory.
func measureMix(cat *catalogue, base, refBase string, sessions []mixSession, refClients []*http.Client, portalPID, refPID, postmasterPID int) (string, error) {
	// Which systems are popular is the same for every client: a shuffled
	// order of the seeded systems, the Zipf distribution over its places.
	popular := rand.New(rand.NewPCG(mixSeed, 0)).Perm(len(cat.systems))
	var admins, preparers []*http.Client
	counts := map[string]int{}
	for _, s := range sessions {
		counts[s.persona]++
		if s.admin {
			admins = append(admins, s.client)
		}
		if s.preparer {
			preparers = append(preparers, s.client)
		}
	}
	if len(admins) == 0 || len(preparers) == 0 {
		return "", errors.New("the mix needs an administrator's session")
	}
	portalGens := func(seed uint64) []func() mixRequest {
		var out []func() mixRequest
		for i, s := range sessions {
			out = append(out, newMixWorker(seed, i, cat, popular, base, s, admins[i%len(admins)], preparers[i%len(preparers)]).next)
		}
		return out
	}
	refGens := func(seed uint64) []func() mixRequest {
		var out []func() mixRequest
		for i, c := range refClients {
			out = append(out, referenceRequests(rand.New(rand.NewPCG(seed, 1000+uint64(i))), cat, refBase, c))
		}
		return out
	}
	until := func(d time.Duration) func() bool {
		end := time.Now().Add(d)
		return func() bool { return time.Now().Before(end) }
	}
	idle := idleMachine(time.Second)
	rssIdle := currentRSS(portalPID)
	// Warm-up, from other seeds than the measured runs.
	runMix(refGens(mixSeed+1000), until(time.Second))
	runMix(portalGens(mixSeed+1000), until(2*time.Second))

	half := max(time.Second, mixTime/4)
	refBefore := runMix(refGens(mixSeed), until(half))
	var rssMax atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if v := currentRSS(portalPID); v > rssMax.Load() {
				rssMax.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	cpuBefore := readCPUTimes()
	portalBefore, pgBefore := processCPU(portalPID), clusterCPU(postmasterPID)
	mix := runMix(portalGens(mixSeed), until(mixTime))
	cpuDuring := cpuUse(cpuBefore, readCPUTimes())
	portalCPU, pgCPU := processCPU(portalPID)-portalBefore, clusterCPU(postmasterPID)-pgBefore
	close(stop)
	<-sampled
	refAfter := runMix(refGens(mixSeed+1), until(half))
	logMixErrors(mix, refBefore, refAfter)

	var b strings.Builder
	fmt.Fprintf(&b, "Machine: load average %s (1, 5, 15 min) when the bench started; in the second before the mix, with the bench idle: %s; during the mix: %s.\n\n",
		machineAtStart, idle, cpuDuring)
	personas := fmt.Sprintf("%d sessions of the administrator in IT-enheten, %d of a case handler in IT-enheten, %d of an employee; seed %d",
		counts["admin"], counts["handlaggare"], counts["medarbetare"], mixSeed)
	b.WriteString(mixReport(mix, refBefore, refAfter, len(sessions), personas))
	if n := mix.requests(); n > 0 {
		fmt.Fprintf(&b, "\nCPU time per request of the mix: itportal serve %.2f ms, PostgreSQL %.2f ms (%d requests; read from /proc for the two processes' trees).\n",
			float64(portalCPU.Microseconds())/1000/float64(n), float64(pgCPU.Microseconds())/1000/float64(n), n)
	}
	fmt.Fprintf(&b, "\nRequests/s and latencies count the correct answers only; an error is a failed request, an answer that is not 2xx, or a 200 without what its kind must show. "+
		"\"Clients ÷ mean latency\" is what the kind's mean latency in the mix allows %d clients asking one at a time; the ratio divides it by the reference's requests/s.\n", len(sessions))
	fmt.Fprintf(&b, "\nResident memory of itportal serve: %.1f MB idle right before the mix, at most %.1f MB under it (sampled every 100 ms); the reference's peak %.1f MB.\n",
		float64(rssIdle)/1024, float64(rssMax.Load())/1024, float64(peakRSS(refPID))/1024)
	return b.String(), nil
}

// requests is how many requests the run sent, answered well or not.
func (m mixResult) requests() int {
	n := 0
	for i := range m.kinds {
		k := &m.kinds[i]
		n += len(k.lat) + k.failed + k.status + k.content
	}
	return n
}
