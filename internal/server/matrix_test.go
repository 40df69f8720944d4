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
var matrixPersonas = []string{"anonymous", "employee", "it_unit", "it_head", "it_head_deputy", "admin", "requester"}

// expected status per persona, in matrixPersonas' order. Every route the
// router has must be here: a new route without a row fails the test, so
// nobody adds a route without deciding who may reach it.
var authzMatrix = map[string][7]int{
	// anonymous, employee, it_unit, it_head, it_head_deputy, admin, requester (the author of the case
	// under test, an employee of another department than "employee")
	"GET /healthz":        {200, 200, 200, 200, 200, 200, 200},
	"GET /readyz":         {200, 200, 200, 200, 200, 200, 200},
	"GET /static/*":       {200, 200, 200, 200, 200, 200, 200},
	"GET /tillganglighet": {200, 200, 200, 200, 200, 200, 200},
	"GET /favicon.ico":    {200, 200, 200, 200, 200, 200, 200},
	"GET /hjalp":          {200, 200, 200, 200, 200, 200, 200},
	"GET /auth/login":     {302, 303, 303, 303, 303, 303, 303},
	"GET /auth/callback":  {400, 400, 400, 400, 400, 400, 400},
	"POST /auth/logout":   {303, 303, 303, 303, 303, 303, 303},
	"GET /utloggad":       {200, 303, 303, 303, 303, 303, 303},
	"GET /":               {303, 200, 200, 200, 200, 200, 200},
	"GET /min-sida":       {303, 200, 200, 200, 200, 200, 200},
	// Saved views: everyone's own (an empty form: 422; someone else's or
	// none: 404).
	"GET /vyer":                {303, 200, 200, 200, 200, 200, 200},
	"POST /vyer":               {303, 422, 422, 422, 422, 422, 422},
	"POST /vyer/{id}/ta-bort":  {303, 404, 404, 404, 404, 404, 404},
	"GET /admin/personer":      {303, 403, 403, 403, 403, 200, 403},
	"GET /admin/personer/{id}": {303, 403, 403, 403, 403, 200, 403},
	"POST /admin/personer/{id}/avsluta-sessioner": {303, 403, 403, 403, 403, 303, 403},
	"POST /admin/personer/{id}/koppla":            {303, 403, 403, 403, 403, 422, 403},
	"GET /system":                                 {303, 200, 200, 200, 200, 200, 200},
	"GET /admin/forvaltningar":                    {303, 403, 403, 403, 403, 200, 403},
	"POST /admin/forvaltningar":                   {303, 403, 403, 403, 403, 422, 403},
	"GET /admin/forvaltningar/{id}":               {303, 403, 403, 403, 403, 200, 403},
	"POST /admin/forvaltningar/{id}":              {303, 403, 403, 403, 403, 422, 403},
	"GET /personer/{id}":                          {303, 200, 200, 200, 200, 200, 200},
	"POST /personer/{id}/overlamna":               {303, 403, 422, 422, 422, 403, 403},
	"GET /personer/forslag":                       {303, 403, 200, 200, 200, 403, 403},
	"GET /api/v1/systems":                         {401, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/systems/{id}":                    {401, 200, 200, 200, 200, 200, 200},
	"GET /system/import":                          {303, 403, 200, 200, 200, 403, 403},
	"POST /system/import":                         {303, 403, 422, 422, 422, 403, 403},
	"POST /system/import/bekrafta":                {303, 403, 400, 400, 400, 403, 403},
	"GET /system/import/granska":                  {303, 403, 400, 400, 400, 403, 403},
	"GET /system/export.csv":                      {303, 200, 200, 200, 200, 200, 200},
	"GET /system/export.xlsx":                     {303, 200, 200, 200, 200, 200, 200},
	"GET /rollfordelning":                         {303, 200, 200, 200, 200, 200, 200},
	"GET /rollfordelning.csv":                     {303, 200, 200, 200, 200, 200, 200},
	"GET /rollfordelning.xlsx":                    {303, 200, 200, 200, 200, 200, 200},
	"GET /mina-system":                            {303, 200, 200, 200, 200, 200, 200},
	"GET /system/{id}":                            {303, 200, 200, 200, 200, 200, 200},
	"GET /system/{id}/historik":                   {303, 200, 200, 200, 200, 200, 200},
	"GET /system/{id}/redigera":                   {303, 403, 200, 200, 200, 403, 403},
	"POST /system/{id}/redigera":                  {303, 403, 422, 422, 422, 403, 403},
	"GET /system/ny":                              {303, 403, 200, 200, 200, 403, 403},
	"POST /system/ny":                             {303, 403, 422, 422, 422, 403, 403},
	"GET /system/{id}/roller":                     {303, 403, 200, 200, 200, 403, 403},
	"POST /system/{id}/roller":                    {303, 403, 422, 422, 422, 403, 403},
	"POST /system/byt-driftsansvarig":             {303, 403, 422, 422, 422, 403, 403},
	// A system administrator's proposal of guarded facts is IT-enheten's to
	// decide (the test's proposal is decided already: 409).
	"POST /system/{id}/forslag/{pid}/bekrafta": {303, 403, 409, 409, 409, 403, 403},
	"POST /system/{id}/forslag/{pid}/avsla":    {303, 403, 409, 409, 409, 403, 403},

	// Evaluations (R12): everyone reads a submitted one; the form is the
	// system's administrator's (the test system has none) and IT-enheten's
	// (an empty post saves an empty draft); the interval and the overview
	// are IT-enheten's, like the import.
	"GET /system/{id}/utvardering":            {303, 403, 200, 200, 200, 403, 403},
	"POST /system/{id}/utvardering":           {303, 403, 303, 303, 303, 403, 403},
	"GET /system/{id}/utvardering/{eid}":      {303, 200, 200, 200, 200, 200, 200},
	"POST /system/{id}/utvarderingsintervall": {303, 403, 422, 422, 422, 403, 403},
	"GET /utvarderingar":                      {303, 403, 200, 200, 200, 403, 403},
	// The bulk reminder of overdue evaluations: IT-enheten (the test's
	// overdue system has no systemförvaltare: nothing to ask, back to the
	// start page); a manager's reminder of their staff: nobody here manages
	// anyone.
	"POST /utvarderingar/paminn":          {303, 403, 303, 303, 303, 403, 403},
	"POST /efterlevnad/kvittenser/paminn": {303, 403, 403, 403, 403, 403, 403},
	"GET /utvarderingar.csv":              {303, 403, 200, 200, 200, 403, 403},
	"GET /utvarderingar.xlsx":             {303, 403, 200, 200, 200, 403, 403},

	// Suppliers and contracts: everyone reads; IT-enheten and administrators
	// keep them (empty forms: 422; a contact or system not there: 404).
	"GET /leverantorer":                               {303, 200, 200, 200, 200, 200, 200},
	"GET /leverantorer/{id}":                          {303, 200, 200, 200, 200, 200, 200},
	"GET /leverantorer/{id}/utskrift":                 {303, 200, 200, 200, 200, 200, 200},
	"GET /leverantorer/{id}/system.csv":               {303, 200, 200, 200, 200, 200, 200},
	"GET /leverantorer/{id}/system.xlsx":              {303, 200, 200, 200, 200, 200, 200},
	"GET /avtal":                                      {303, 200, 200, 200, 200, 200, 200},
	"GET /avtal/{id}":                                 {303, 200, 200, 200, 200, 200, 200},
	"GET /leverantorer/ny":                            {303, 403, 200, 200, 200, 200, 403},
	"POST /leverantorer/ny":                           {303, 403, 422, 422, 422, 422, 403},
	"GET /leverantorer/{id}/redigera":                 {303, 403, 200, 200, 200, 200, 403},
	"POST /leverantorer/{id}/redigera":                {303, 403, 422, 422, 422, 422, 403},
	"POST /leverantorer/{id}/kontakter":               {303, 403, 422, 422, 422, 422, 403},
	"POST /leverantorer/{id}/kontakter/{cid}/ta-bort": {303, 403, 404, 404, 404, 404, 403},
	"GET /avtal/nytt":                                 {303, 403, 200, 200, 200, 200, 403},
	"POST /avtal/nytt":                                {303, 403, 422, 422, 422, 422, 403},
	"GET /avtal/{id}/redigera":                        {303, 403, 200, 200, 200, 200, 403},
	"POST /avtal/{id}/redigera":                       {303, 403, 422, 422, 422, 422, 403},
	"POST /avtal/{id}/system":                         {303, 403, 422, 422, 422, 422, 403},
	"POST /avtal/{id}/system/{sid}/ta-bort":           {303, 403, 404, 404, 404, 404, 403},
	// The read API of suppliers and contracts: everyone signed in.
	"GET /api/v1/suppliers":      {401, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/suppliers/{id}": {401, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/contracts":      {401, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/contracts/{id}": {401, 200, 200, 200, 200, 200, 200},
	// Koppla leverantörer (a text no system has: 404).
	"GET /leverantorer/koppla":         {303, 403, 200, 200, 200, 200, 403},
	"GET /leverantorer/koppla/granska": {303, 403, 404, 404, 404, 404, 403},
	"POST /leverantorer/koppla":        {303, 403, 404, 404, 404, 404, 403},
	// Processing records (PUB): everyone reads; IT-enheten saves (an empty
	// form: 422), the system's administrator proposes; IT-enheten decides
	// proposals (none open: 409).
	"GET /system/{id}/personuppgifter":                         {303, 200, 200, 200, 200, 200, 200},
	"GET /system/{id}/personuppgifter/redigera":                {303, 403, 200, 200, 200, 403, 403},
	"POST /system/{id}/personuppgifter/redigera":               {303, 403, 422, 422, 422, 403, 403},
	"POST /system/{id}/personuppgifter/forslag/{pid}/bekrafta": {303, 403, 409, 409, 409, 403, 403},
	"POST /system/{id}/personuppgifter/forslag/{pid}/avsla":    {303, 403, 409, 409, 409, 403, 403},
	"GET /personuppgifter/register":                            {303, 200, 200, 200, 200, 200, 200},
	"GET /personuppgifter/register.csv":                        {303, 200, 200, 200, 200, 200, 200},
	"GET /personuppgifter/register.xlsx":                       {303, 200, 200, 200, 200, 200, 200},
	// Licences: everyone reads; IT-enheten keeps them (an empty form: 422;
	// the removal's first POST is its confirmation page).
	"GET /licenser":                  {303, 200, 200, 200, 200, 200, 200},
	"GET /licenser.csv":              {303, 200, 200, 200, 200, 200, 200},
	"GET /licenser.xlsx":             {303, 200, 200, 200, 200, 200, 200},
	"GET /licenser/{id}":             {303, 200, 200, 200, 200, 200, 200},
	"GET /licenser/ny":               {303, 403, 200, 200, 200, 200, 403},
	"POST /licenser/ny":              {303, 403, 422, 422, 422, 422, 403},
	"GET /licenser/{id}/redigera":    {303, 403, 200, 200, 200, 200, 403},
	"POST /licenser/{id}/redigera":   {303, 403, 422, 422, 422, 422, 403},
	"POST /licenser/{id}/ta-bort":    {303, 403, 200, 200, 200, 200, 403},
	"GET /licenser/import":           {303, 403, 200, 200, 200, 200, 403},
	"POST /licenser/import":          {303, 403, 422, 422, 422, 422, 403},
	"POST /licenser/import/bekrafta": {303, 403, 400, 400, 400, 400, 403},
	"GET /api/v1/licences":           {401, 200, 200, 200, 200, 200, 200},

	// Cases: submitted cases are public records; steps are the author's or
	// IT-enheten's; an introduction is decided by IT-enheten (the head and
	// the deputy are in IT-enheten too), never by its author.
	"GET /arenden":                    {303, 200, 200, 200, 200, 200, 200},
	"GET /arenden/nytt":               {303, 200, 200, 200, 200, 200, 200},
	"POST /arenden/nytt":              {303, 303, 303, 303, 303, 303, 303},
	"GET /arenden/{id}":               {303, 200, 200, 200, 200, 200, 200},
	"GET /arenden/{id}/redigera":      {303, 303, 303, 303, 303, 303, 303},
	"POST /arenden/{id}/redigera":     {303, 403, 403, 403, 403, 403, 409},
	"GET /arenden/{id}/skicka":        {303, 303, 303, 303, 303, 303, 303},
	"POST /arenden/{id}/skicka":       {303, 403, 403, 403, 403, 403, 409},
	"POST /arenden/{id}/steg":         {303, 403, 409, 409, 409, 403, 409},
	"POST /arenden/{id}/beslut":       {303, 403, 422, 422, 422, 403, 403},
	"POST /arenden/{id}/kommentar":    {303, 403, 422, 422, 422, 403, 422},
	"POST /arenden/{id}/handlaggare":  {303, 403, 422, 422, 422, 403, 403},
	"POST /arenden/{id}/diarienummer": {303, 403, 303, 303, 303, 403, 403},
	"POST /arenden/{id}/bilagor":      {303, 403, 422, 422, 422, 403, 422},
	"GET /arenden/{id}/bilagor/{bid}": {303, 403, 200, 200, 200, 403, 200},
	"GET /arenden/{id}/utskrift":      {303, 200, 200, 200, 200, 200, 200},
	// The ersättare's stand-in periods: the IT head and administrators (an
	// empty form names nobody: 422; the path's id is no period: 404).
	"GET /ersattare":               {303, 403, 403, 200, 403, 200, 403},
	"POST /ersattare":              {303, 403, 403, 422, 403, 422, 403},
	"POST /ersattare/{id}/avsluta": {303, 403, 403, 404, 403, 404, 403},
	"GET /api/v1/requests":         {401, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/requests/{id}":    {401, 200, 200, 200, 200, 200, 200},

	// Governing documents: everyone reads and acknowledges (an empty form
	// names no version in force: 409); administrators write and publish.
	"GET /styrdokument":                         {303, 200, 200, 200, 200, 200, 200},
	"GET /styrdokument/{slug}":                  {303, 200, 200, 200, 200, 200, 200},
	"GET /styrdokument/{slug}/kvittera":         {303, 200, 200, 200, 200, 200, 200},
	"POST /styrdokument/{slug}/kvittera":        {303, 409, 409, 409, 409, 409, 409},
	"GET /admin/styrdokument":                   {303, 403, 403, 403, 403, 200, 403},
	"POST /admin/styrdokument":                  {303, 403, 403, 403, 403, 422, 403},
	"GET /admin/styrdokument/{slug}":            {303, 403, 403, 403, 403, 200, 403},
	"POST /admin/styrdokument/{slug}":           {303, 403, 403, 403, 403, 422, 403},
	"GET /admin/styrdokument/{slug}/version":    {303, 403, 403, 403, 403, 200, 403},
	"POST /admin/styrdokument/{slug}/version":   {303, 403, 403, 403, 403, 422, 403},
	"POST /admin/styrdokument/{slug}/publicera": {303, 403, 403, 403, 403, 409, 403},
	"GET /admin/jobb":                           {303, 403, 403, 403, 403, 200, 403},
	"GET /admin/api-nycklar":                    {303, 403, 403, 403, 403, 200, 403},
	"POST /admin/api-nycklar":                   {303, 403, 403, 403, 403, 422, 403},
	"POST /admin/api-nycklar/{id}/aterkalla":    {303, 403, 403, 403, 403, 404, 403},
	"GET /api/v1/openapi.json":                  {200, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/acknowledgements":              {401, 403, 200, 200, 200, 200, 403},
	"POST /admin/jobb/{id}/forsok-igen":         {303, 403, 403, 403, 403, 404, 403},
	"GET /admin/personal/import":                {303, 403, 403, 403, 403, 200, 403},
	"POST /admin/personal/import":               {303, 403, 403, 403, 403, 422, 403},
	"POST /admin/personal/import/bekrafta":      {303, 403, 403, 403, 403, 400, 403},
	"GET /efterlevnad/kvittenser":               {303, 403, 200, 200, 200, 200, 403},
	"GET /efterlevnad/kvittenser.csv":           {303, 403, 200, 200, 200, 200, 403},
	"GET /efterlevnad/kvittenser.xlsx":          {303, 403, 200, 200, 200, 200, 403},
	"GET /efterlevnad/bevis.csv":                {303, 403, 422, 422, 422, 422, 403},
	// The compliance board: everyone sees their own department's breaches;
	// only IT-enheten sends a missing notification again (an empty form: 422).
	"GET /efterlevnad":             {303, 200, 200, 200, 200, 200, 200},
	"GET /efterlevnad/{regel}":     {303, 200, 200, 200, 200, 200, 200},
	"POST /efterlevnad/r3/avisera": {303, 403, 422, 422, 422, 403, 403},
	// A rule's breaches as a download: what the viewer's page lists.
	"GET /efterlevnad/{regel}/avvikelser.csv":  {303, 200, 200, 200, 200, 200, 200},
	"GET /efterlevnad/{regel}/avvikelser.xlsx": {303, 200, 200, 200, 200, 200, 200},
	// The fixed IT infrastructure (4.5): everyone reads; only the IT head
	// records a decision (an empty form: 422); IT-enheten and
	// administrators link systems (an empty form: the system runs on none).
	"GET /plattform":                  {303, 200, 200, 200, 200, 200, 200},
	"GET /plattform/avveckling":       {303, 200, 200, 200, 200, 200, 200},
	"GET /plattform/export.csv":       {303, 200, 200, 200, 200, 200, 200},
	"GET /plattform/export.xlsx":      {303, 200, 200, 200, 200, 200, 200},
	"GET /plattform/{id}":             {303, 200, 200, 200, 200, 200, 200},
	"GET /plattform/ny":               {303, 403, 403, 200, 403, 403, 403},
	"POST /plattform/ny":              {303, 403, 403, 422, 403, 403, 403},
	"GET /system/{id}/plattform":      {303, 403, 200, 200, 200, 200, 403},
	"POST /system/{id}/plattform":     {303, 403, 303, 303, 303, 303, 403},
	"GET /api/v1/platform-components": {401, 200, 200, 200, 200, 200, 200},

	// Equipment: everyone reads what they use (a piece rented to another
	// department, used by nobody: 404); the monthly charge is IT-enheten's,
	// administrators' and a manager's (nobody here manages anyone: 403);
	// IT-enheten keeps the inventory (empty forms: 422).
	"GET /utrustning":                     {303, 200, 200, 200, 200, 200, 200},
	"GET /utrustning/export.csv":          {303, 200, 200, 200, 200, 200, 200},
	"GET /utrustning/export.xlsx":         {303, 200, 200, 200, 200, 200, 200},
	"GET /utrustning/prislista":           {303, 200, 200, 200, 200, 200, 200},
	"GET /utrustning/debitering":          {303, 403, 200, 200, 200, 200, 403},
	"GET /utrustning/debitering/utskrift": {303, 403, 200, 200, 200, 200, 403},
	"GET /utrustning/debitering.csv":      {303, 403, 200, 200, 200, 200, 403},
	"GET /utrustning/debitering.xlsx":     {303, 403, 200, 200, 200, 200, 403},
	"GET /utrustning/{id}":                {303, 404, 200, 200, 200, 200, 404},
	"GET /utrustning/ny":                  {303, 403, 200, 200, 200, 403, 403},
	"POST /utrustning/ny":                 {303, 403, 422, 422, 422, 403, 403},
	"GET /utrustning/{id}/redigera":       {303, 403, 200, 200, 200, 403, 403},
	"POST /utrustning/{id}/redigera":      {303, 403, 422, 422, 422, 403, 403},
	"POST /utrustning/{id}/hyr":           {303, 403, 422, 422, 422, 403, 403},
	"POST /utrustning/{id}/aterlamna":     {303, 403, 422, 422, 422, 403, 403},
	"POST /utrustning/{id}/skrota":        {303, 403, 422, 422, 422, 403, 403},
	"POST /utrustning/prislista":          {303, 403, 422, 422, 422, 403, 403},
	"POST /utrustning/debitering/stang":   {303, 403, 422, 422, 422, 403, 403},
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
	var proposal int64
	if err := h.Owner.QueryRow(context.Background(), `
		INSERT INTO fact_proposals (system_id, proposed_by, changes)
		VALUES ($1, $2, '{"introduced_before_portal": {"before": false, "after": true}}') RETURNING id`, system, target).Scan(&proposal); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Owner.Exec(context.Background(), `UPDATE fact_proposals SET state = 'rejected', decided_by = $2, decided_at = now() WHERE id = $1`, proposal, target); err != nil {
		t.Fatal(err)
	}
	var evaluation int64
	if err := h.Owner.QueryRow(context.Background(), `INSERT INTO evaluations (system_id, evaluated_on, legacy) VALUES ($1, '2025-09-15', true) RETURNING id`, system).Scan(&evaluation); err != nil {
		t.Fatal(err)
	}

	var supplier, contract int64
	if err := h.Owner.QueryRow(context.Background(), `INSERT INTO suppliers (name, normalised_name, org_number) VALUES ('Matrisleverantör AB', 'matrisleverantör', '556016-0680') RETURNING id`).Scan(&supplier); err != nil {
		t.Fatal(err)
	}
	if err := h.Owner.QueryRow(context.Background(), `
		INSERT INTO contracts (name, supplier_id, procurement, start_on, initial_months, department_id, responsible_id)
		VALUES ('Matrisavtal', $1, 'lou', '2025-01-01', 36, $2, $3) RETURNING id`, supplier, department, target).Scan(&contract); err != nil {
		t.Fatal(err)
	}

	var component int64
	if err := h.Owner.QueryRow(context.Background(), `
		INSERT INTO platform_components (category, name, version, status, decided_on, decision_reference, financing_reference)
		VALUES ('databas', 'PostgreSQL', '15', 'standard', '2024-01-10', 'Matrisbeslut', 'KS 2024/1') RETURNING id`).Scan(&component); err != nil {
		t.Fatal(err)
	}
	var equipment int64
	if err := h.Owner.QueryRow(context.Background(), `
		WITH e AS (INSERT INTO equipment (type, model, serial_number, inventory_number, purchased_on, price_ore, life_months)
		           VALUES ('dator', 'Matrisdator', 'M-1', 'IT-MATRIS-1', '2025-01-01', 1200000, 48) RETURNING id)
		INSERT INTO equipment_rentals (equipment_id, department_id, valid) SELECT e.id, $1, daterange('2025-02-01', NULL) FROM e
		RETURNING equipment_id`, department).Scan(&equipment); err != nil {
		t.Fatal(err)
	}
	var licence int64
	if err := h.Owner.QueryRow(context.Background(), `
		INSERT INTO licences (system_id, contract_id, model, bought, in_use, counted_on) VALUES ($1, $2, 'per_anvandare', 10, 5, '2025-06-01') RETURNING id`,
		system, contract).Scan(&licence); err != nil {
		t.Fatal(err)
	}

	// A submitted introduction by the requester (of a third department),
	// with an attachment.
	if _, err := h.Owner.Exec(context.Background(), `INSERT INTO departments (name, short_name) VALUES ('Barn- och utbildningsförvaltningen', 'BUF')`); err != nil {
		t.Fatal(err)
	}
	browsersRequester := h.SignedIn(portaltest.Requester)
	var requestID, attachmentID int64
	if err := h.Owner.QueryRow(context.Background(), `
		INSERT INTO requests (kind, state, author_id, department_id, title, number_year, number_seq, submitted_at)
		SELECT 'inforande', 'inskickat', p.id, p.department_id, 'Matrisärende', 2026, 1, now()
		FROM people p WHERE p.email = $1 RETURNING id`, portaltest.Requester.Email).Scan(&requestID); err != nil {
		t.Fatal(err)
	}
	if err := h.Owner.QueryRow(context.Background(), `
		INSERT INTO request_attachments (request_id, file_name, content_type, size_bytes, sha256, data, uploaded_by)
		SELECT $1, 'offert.pdf', 'application/pdf', 9, '', '%PDF-1.4
'::bytea, author_id FROM requests WHERE id = $1 RETURNING id`, requestID).Scan(&attachmentID); err != nil {
		t.Fatal(err)
	}

	// A published document that must be acknowledged (but does not close
	// the portal, so the other rows are reachable).
	if _, err := h.Owner.Exec(context.Background(), `
		WITH d AS (INSERT INTO documents (slug, title, kind, fixed_by, must_acknowledge) VALUES ('matrisdokument', 'Matrisdokument', 'regler', 'it_chef', true) RETURNING id)
		INSERT INTO document_versions (document_id, number, markdown, html, sha256, effective_date, published_at, published_by, created_by)
		SELECT d.id, 1, 'Text', '<p>Text</p>', repeat('a', 64), '2024-01-01', now(), p.id, p.id FROM d, (SELECT min(id) AS id FROM people) p`); err != nil {
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
	browsers := map[string]*testkit.Browser{"anonymous": h.Browser(), "requester": browsersRequester}
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
			path = strings.NewReplacer("{id}", itoa(system), "{eid}", itoa(evaluation), "{pid}", itoa(proposal)).Replace(pattern)
		}
		if strings.HasPrefix(pattern, "/arenden/") || strings.HasPrefix(pattern, "/api/v1/requests/") {
			path = strings.ReplaceAll(strings.ReplaceAll(pattern, "{id}", itoa(requestID)), "{bid}", itoa(attachmentID))
		}
		if strings.HasPrefix(pattern, "/leverantorer/") {
			path = strings.NewReplacer("{id}", itoa(supplier), "{cid}", "999999").Replace(pattern)
		}
		if strings.HasPrefix(pattern, "/api/v1/suppliers/") {
			path = strings.ReplaceAll(pattern, "{id}", itoa(supplier))
		}
		if strings.HasPrefix(pattern, "/api/v1/contracts/") {
			path = strings.ReplaceAll(pattern, "{id}", itoa(contract))
		}
		if strings.HasPrefix(pattern, "/licenser/") {
			path = strings.ReplaceAll(pattern, "{id}", itoa(licence))
		}
		if strings.HasPrefix(pattern, "/avtal/") {
			path = strings.NewReplacer("{id}", itoa(contract), "{sid}", itoa(system)).Replace(pattern)
		}
		if strings.HasPrefix(pattern, "/plattform/") {
			path = strings.ReplaceAll(pattern, "{id}", itoa(component))
		}
		if strings.HasPrefix(pattern, "/utrustning/") {
			path = strings.ReplaceAll(pattern, "{id}", itoa(equipment))
		}
		path = strings.ReplaceAll(path, "{slug}", "matrisdokument")
		path = strings.ReplaceAll(path, "{regel}", "r1")
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
			formsHaveUniqueNames(t, r+" as "+who, resp)
		}
	}
	// The forms the routes above show only with a query: every kind of
	// case, every role.
	for _, path := range []string{"/arenden/nytt?typ=inforande", "/arenden/nytt?typ=uppgradering", "/arenden/nytt?typ=oppen_kallkod",
		"/arenden/nytt?typ=egenutvecklad", "/arenden/nytt?typ=natanslutning", "/arenden/nytt?typ=driftforandring",
		"/arenden/nytt?typ=plattformsbeslut",
		"/system/" + itoa(system) + "/roller?roll=owner", "/system/" + itoa(system) + "/roller?roll=administrator",
		"/system/" + itoa(system) + "/roller?roll=operations", "/system/" + itoa(system) + "/roller?roll=administrator&q=M"} {
		resp := browsers["it_unit"].Get(path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
		formsHaveUniqueNames(t, path, resp)
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

// formsHaveUniqueNames fails when two controls of one form share a name
// (the system form once posted the row version and the product version
// under one name, and the portal read the wrong one), and when a form has
// no accessible name or shares one with another form of the page.
func formsHaveUniqueNames(t *testing.T, what string, resp testkit.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return
	}
	for _, clash := range testkit.FieldNameClashes(resp.Body) {
		t.Errorf("%s: two fields of one form share a name: %s", what, clash)
	}
	for _, problem := range testkit.FormNameProblems(resp.Body) {
		t.Errorf("%s: %s", what, problem)
	}
}
