package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"itportal/internal/auth"
	"itportal/internal/portaltest"
	"itportal/internal/testkit"
)

// Who the matrix asks as.
var matrixPersonas = []string{"anonymous", "employee", "it_unit", "it_head", "it_head_deputy", "admin"}

// expected status per persona, in matrixPersonas' order. Every route the
// router has must be here: a new route without a row fails the test, so
// nobody adds a route without deciding who may reach it.
var authzMatrix = map[string][6]int{
	// anonymous, employee, it_unit, it_head, it_head_deputy, admin
	"GET /healthz":             {200, 200, 200, 200, 200, 200},
	"GET /readyz":              {200, 200, 200, 200, 200, 200},
	"GET /static/*":            {200, 200, 200, 200, 200, 200},
	"GET /tillganglighet":      {200, 200, 200, 200, 200, 200},
	"GET /auth/login":          {302, 303, 303, 303, 303, 303},
	"GET /auth/callback":       {400, 400, 400, 400, 400, 400},
	"POST /auth/logout":        {303, 303, 303, 303, 303, 303},
	"GET /utloggad":            {200, 303, 303, 303, 303, 303},
	"GET /":                    {303, 200, 200, 200, 200, 200},
	"GET /min-sida":            {303, 200, 200, 200, 200, 200},
	"GET /admin/personer":      {303, 403, 403, 403, 403, 200},
	"GET /admin/personer/{id}": {303, 403, 403, 403, 403, 200},
	"POST /admin/personer/{id}/avsluta-sessioner": {303, 403, 403, 403, 403, 303},
	"POST /admin/personer/{id}/koppla":            {303, 403, 403, 403, 403, 422},
	"GET /system":                                 {303, 200, 200, 200, 200, 200},
	"GET /admin/forvaltningar":                    {303, 403, 403, 403, 403, 200},
	"POST /admin/forvaltningar":                   {303, 403, 403, 403, 403, 422},
	"GET /admin/forvaltningar/{id}":               {303, 403, 403, 403, 403, 200},
	"POST /admin/forvaltningar/{id}":              {303, 403, 403, 403, 403, 422},
	"GET /personer/{id}":                          {303, 200, 200, 200, 200, 200},
	"POST /personer/{id}/overlamna":               {303, 403, 422, 422, 422, 403},
	"GET /api/v1/systems":                         {401, 200, 200, 200, 200, 200},
	"GET /api/v1/systems/{id}":                    {401, 200, 200, 200, 200, 200},
	"GET /system/import":                          {303, 403, 200, 200, 200, 403},
	"POST /system/import":                         {303, 403, 422, 422, 422, 403},
	"POST /system/import/bekrafta":                {303, 403, 400, 400, 400, 403},
	"GET /system/export.csv":                      {303, 200, 200, 200, 200, 200},
	"GET /system/export.xlsx":                     {303, 200, 200, 200, 200, 200},
	"GET /rollfordelning":                         {303, 200, 200, 200, 200, 200},
	"GET /rollfordelning.csv":                     {303, 200, 200, 200, 200, 200},
	"GET /rollfordelning.xlsx":                    {303, 200, 200, 200, 200, 200},
	"GET /mina-system":                            {303, 200, 200, 200, 200, 200},
	"GET /system/{id}":                            {303, 200, 200, 200, 200, 200},
	"GET /system/{id}/historik":                   {303, 200, 200, 200, 200, 200},
	"GET /system/{id}/redigera":                   {303, 403, 200, 200, 200, 403},
	"POST /system/{id}/redigera":                  {303, 403, 422, 422, 422, 403},
	"GET /system/ny":                              {303, 403, 200, 200, 200, 403},
	"POST /system/ny":                             {303, 403, 422, 422, 422, 403},
	"GET /system/{id}/roller":                     {303, 403, 200, 200, 200, 403},
	"POST /system/{id}/roller":                    {303, 403, 422, 422, 422, 403},
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	var target int64
	if err := h.Owner.QueryRow(context.Background(), `INSERT INTO people (name) VALUES ('Målperson') RETURNING id`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	var department int64
	if err := h.Owner.QueryRow(context.Background(), `SELECT min(id) FROM departments`).Scan(&department); err != nil {
		t.Fatal(err)
	}
	var system int64
	if err := h.Owner.QueryRow(context.Background(), `INSERT INTO systems (name) VALUES ('Matrissystem') RETURNING id`).Scan(&system); err != nil {
		t.Fatal(err)
	}

	// Every route registered in chi.
	router, ok := h.Srv.Config.Handler.(chi.Routes)
	if !ok {
		t.Fatal("the server's handler is not a chi router")
	}
	var routes []string
	if err := chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, method+" "+route)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(routes)
	for _, r := range routes {
		if _, ok := authzMatrix[r]; !ok {
			t.Errorf("route %q is not in the authorization matrix", r)
		}
	}
	for r := range authzMatrix {
		if !contains(routes, r) {
			t.Errorf("matrix row %q matches no route", r)
		}
	}

	stylesheet := regexp.MustCompile(`/static/css/site\.[0-9a-f]+\.css`).FindString(h.Browser().Get("/tillganglighet").Body)
	browsers := map[string]*testkit.Browser{"anonymous": h.Browser()}
	for name, p := range map[string]auth.Persona{"employee": employee, "it_unit": itUnit, "it_head": itHead, "it_head_deputy": portaltest.Deputy, "admin": admin} {
		browsers[name] = h.SignedIn(p)
	}
	for _, r := range routes {
		want, ok := authzMatrix[r]
		if !ok {
			continue
		}
		method, pattern, _ := strings.Cut(r, " ")
		path := strings.ReplaceAll(pattern, "{id}", itoa(target))
		if strings.HasPrefix(pattern, "/admin/forvaltningar/") {
			path = strings.ReplaceAll(pattern, "{id}", itoa(department))
		}
		if strings.HasPrefix(pattern, "/system/") || strings.HasPrefix(pattern, "/api/v1/systems/") {
			path = strings.ReplaceAll(pattern, "{id}", itoa(system))
		}
		path = strings.ReplaceAll(path, "/static/*", stylesheet)
		if path == "/auth/login" {
			path += "?next=%2Fmin-sida"
		}
		for i, who := range matrixPersonas {
			if method == http.MethodPost && pattern == "/auth/logout" {
				continue // checked last: it ends the session
			}
			b := browsers[who]
			var resp testkit.Response
			if method == http.MethodPost {
				resp = b.Post(path, url.Values{})
			} else {
				resp = b.Get(path)
			}
			if resp.StatusCode != want[i] {
				t.Errorf("%s as %s: %d, want %d", r, who, resp.StatusCode, want[i])
			}
		}
	}
	for i, who := range matrixPersonas {
		if resp := browsers[who].Post("/auth/logout", nil); resp.StatusCode != authzMatrix["POST /auth/logout"][i] {
			t.Errorf("POST /auth/logout as %s: %d", who, resp.StatusCode)
		}
	}
	// Denials are security events.
	h.Logs.WaitFor(t, 0, "access_denied", "/admin/personer")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
