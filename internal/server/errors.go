package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/pages"

	"github.com/go-chi/chi/v5"
)

// statusOf is the one place that maps error kinds to HTTP status codes.
func statusOf(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	switch portal.KindOf(err) {
	case portal.KindNotFound:
		return http.StatusNotFound
	case portal.KindForbidden:
		return http.StatusForbidden
	case portal.KindConflict:
		return http.StatusConflict
	case portal.KindInvalid:
		return http.StatusUnprocessableEntity
	case portal.KindUnavailable:
		return http.StatusServiceUnavailable
	}
	if postgres.IsUnavailable(err) {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail logs err once and answers with the Swedish error page (or a JSON
// problem for the API). Internal text never reaches the client.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if bodyTimedOut(r) {
		// What failed failed for want of the body (net/http cancelled the
		// request's context); guardBody logs it and answers 408.
		return
	}
	status := statusOf(err)
	rid := requestIDFrom(r.Context())
	switch {
	case status >= 500 && status != http.StatusServiceUnavailable:
		s.log.Error("request failed", "request_id", rid, "path", r.URL.Path, "status", status, "err", err)
	case status == http.StatusServiceUnavailable:
		s.log.Warn("dependency unavailable", "request_id", rid, "path", r.URL.Path, "err", err)
	default:
		s.log.Info("request refused", "request_id", rid, "path", r.URL.Path, "status", status, "err", err)
	}
	s.errorPage(w, r, status, portal.MessageOf(err))
}

// errorPage answers with status and the matching Swedish explanation.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	heading, defaultMsg := explain(status)
	if message == "" || status >= 500 && status != http.StatusServiceUnavailable {
		message = defaultMsg
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	rid := requestIDFrom(r.Context())
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeProblem(w, status, heading, message, rid)
		return
	}
	view := pages.ErrorView{Heading: heading, Message: message, RequestID: rid, ShowHome: true}
	var buf bytes.Buffer
	if err := pages.ErrorPage(s.page(r, heading, ""), view).Render(r.Context(), &buf); err != nil {
		s.log.Error("render error page", "request_id", rid, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(heading + "\n" + message + "\nReferens: " + rid + "\n"))
		return
	}
	writeHTML(w, status, buf.Bytes())
}

func explain(status int) (heading, message string) {
	switch status {
	case http.StatusNotFound:
		return "Sidan finns inte", "Sidan du söker finns inte, eller så har du inte behörighet att se den. Kontrollera adressen."
	case http.StatusForbidden:
		return "Du har inte behörighet", "Du har inte behörighet att göra det här. Kontakta IT-enheten om du behöver det."
	case http.StatusMethodNotAllowed:
		return "Åtgärden stöds inte", "Sidan stöder inte den här typen av anrop."
	case http.StatusConflict:
		return "Uppgifterna har ändrats", "Någon annan har ändrat uppgifterna under tiden. Läs in sidan igen och försök på nytt."
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		return "Uppgifterna kunde inte tas emot", "Uppgifterna du skickade kunde inte tas emot. Kontrollera dem och försök igen."
	case http.StatusRequestEntityTooLarge:
		return "För mycket data", "Det du skickade är för stort. Minska innehållet eller filens storlek och försök igen."
	case http.StatusRequestTimeout:
		return "Det tog för lång tid", "Det du skickade kom inte fram i tid. Kontrollera anslutningen och försök igen."
	case http.StatusTooManyRequests:
		return "För många samtidiga sändningar", "Från din adress skickas redan många formulär eller filer just nu. Vänta en stund och försök sedan igen."
	case http.StatusServiceUnavailable:
		return "Tjänsten är tillfälligt otillgänglig", "IT-portalen kan inte nå sin databas just nu. Försök igen om en liten stund."
	default:
		return "Något gick fel", "Ett oväntat fel inträffade. Felet är loggat. Försök igen om en stund."
	}
}

// writeProblem writes an RFC 9457 problem details document.
func writeProblem(w http.ResponseWriter, status int, title, detail, requestID string) {
	writeProblemWith(w, status, title, detail, requestID, nil)
}

// writeProblemWith is writeProblem with extension members (RFC 9457 §3.2).
func writeProblemWith(w http.ResponseWriter, status int, title, detail, requestID string, ext map[string]any) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	body := map[string]any{}
	for k, v := range ext {
		body[k] = v
	}
	body["type"], body["title"], body["status"], body["detail"], body["request_id"] = "about:blank", title, status, detail, requestID
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "")
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if s.router.Match(chi.NewRouteContext(), m, r.URL.Path) {
			allowed = append(allowed, m)
			if m == http.MethodGet {
				allowed = append(allowed, http.MethodHead)
			}
		}
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	s.errorPage(w, r, http.StatusMethodNotAllowed, "")
}
