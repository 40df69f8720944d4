package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"itportal/internal/portal"
)

// Request body limits. Small by default, for everyone; the routes that take
// uploads raise it (acceptUpload) for whoever got past their checks.
const (
	defaultBodyLimit = 64 << 10 // 64 KiB: every form of the portal fits
)

// routes is the one place that says which routes exist and who may reach
// them. Reading it alone tells the portal's surface.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	s.router = r
	r.Use(
		// HEAD is answered as GET without the body (RFC 9110), everywhere.
		middleware.GetHead,
		s.requestID,
		s.accessLog,
		s.recoverPanic,
		s.securityHeaders,
		s.crossOriginProtection(),
		s.guardBody,
		s.rejectBadInput,
		s.timeout,
	)

	// Anonymous, without a session: health and static files.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/static/*", s.static)
	// Browsers ask for /favicon.ico by themselves; pages name the SVG icon.
	r.Get("/favicon.ico", s.assets.File("img/favicon.ico"))

	// The JSON API: an API token (Authorization: Bearer) with the route's
	// scope, or a session as for the pages. Read-only.
	r.Get("/api/v1/openapi.json", s.openAPI)
	r.Group(func(r chi.Router) {
		r.Use(s.apiAuth)
		r.With(s.needScope(portal.ScopeRegisterRead)).Get("/api/v1/systems", s.apiSystems)
		r.With(s.needScope(portal.ScopeRegisterRead)).Get("/api/v1/systems/{id}", s.apiSystem)
		r.With(s.needScope(portal.ScopeRegisterRead)).Get("/api/v1/licences", s.apiLicences)
		r.With(s.needScope(portal.ScopeRequestsRead)).Get("/api/v1/requests", s.apiRequests)
		r.With(s.needScope(portal.ScopeRequestsRead)).Get("/api/v1/requests/{id}", s.apiRequest)
		r.With(s.needScope(portal.ScopeAcknowledgementsRead)).Get("/api/v1/acknowledgements", s.apiAcknowledgements)
		r.With(s.needScope(portal.ScopeRegisterRead)).Get("/api/v1/suppliers", s.apiSuppliers)
		r.With(s.needScope(portal.ScopeRegisterRead)).Get("/api/v1/suppliers/{id}", s.apiSupplierOne)
		r.With(s.needScope(portal.ScopeRegisterRead)).Get("/api/v1/contracts", s.apiContracts)
		r.With(s.needScope(portal.ScopeRegisterRead)).Get("/api/v1/contracts/{id}", s.apiContractOne)
		r.With(s.needScope(portal.ScopeRegisterRead)).Get("/api/v1/platform-components", s.apiPlatformComponents)
	})

	// Everything else has a session (loaded from PostgreSQL on every request).
	// A form body is parsed only once it is known whose it is.
	r.Group(func(r chi.Router) {
		r.Use(s.sessions.Manager.LoadAndSave, s.loadActor, s.readForm)

		// Anonymous: the sign-in flow and the accessibility statement.
		r.Get("/tillganglighet", s.accessibilityStatement)
		// The user guide: for everyone, signed in or not (no secrets in it).
		r.Get("/hjalp", s.help)
		r.Get("/auth/login", s.login)
		r.Get("/auth/callback", s.callback)
		r.Post("/auth/logout", s.logout)
		r.Get("/utloggad", s.signedOut)

		// Every signed-in employee (medarbetare).
		r.Group(func(r chi.Router) {
			// The gate: a document that must be acknowledged first (R9, R10).
			r.Use(s.requireSignIn, s.acknowledgementGate)
			r.Get("/", s.home)
			r.Get("/min-sida", s.myPage)
			// Saved views: everyone's own (checked in the service).
			r.Get("/vyer", s.savedViews)
			r.Post("/vyer", s.saveView)
			r.Post("/vyer/{id}/ta-bort", s.deleteView)

			// The register: everyone reads; edits are checked per object
			// in the service (IT-enheten, or the system's administrator).
			r.Get("/system", s.listSystems)
			r.Get("/system/export.csv", s.exportSystems("csv"))
			r.Get("/system/export.xlsx", s.exportSystems("xlsx"))
			r.Get("/rollfordelning", s.rollfordelning(""))
			r.Get("/rollfordelning.csv", s.rollfordelning("csv"))
			r.Get("/rollfordelning.xlsx", s.rollfordelning("xlsx"))
			r.Get("/mina-system", s.mySystems)
			r.Get("/personer/{id}", s.showPersonRoles)

			r.Get("/system/{id}", s.showSystem)
			r.Get("/system/{id}/historik", s.systemHistory)
			r.Get("/system/{id}/redigera", s.editSystemForm)
			r.Post("/system/{id}/redigera", s.updateSystem)
			// Evaluations (R12): everyone reads them; the form is the
			// system's administrator's and IT-enheten's (checked in the service).
			r.Get("/system/{id}/utvardering", s.evaluationForm)
			r.Post("/system/{id}/utvardering", s.saveEvaluation)
			r.Get("/system/{id}/utvardering/{eid}", s.showEvaluation)
			// Processing records (PUB): everyone reads, the details marked
			// confidential only IT-enheten, the owner and the administrator;
			// IT-enheten saves and the administrator proposes (in the service).
			r.Get("/system/{id}/personuppgifter", s.showProcessing)
			r.Get("/system/{id}/personuppgifter/redigera", s.editProcessingForm)
			r.Post("/system/{id}/personuppgifter/redigera", s.saveProcessing)
			r.Get("/personuppgifter/register", s.processingRegister(""))
			r.Get("/personuppgifter/register.csv", s.processingRegister("csv"))
			r.Get("/personuppgifter/register.xlsx", s.processingRegister("xlsx"))

			// Follow-up of acknowledgements: IT-enheten and administrators
			// all departments, managers their staff (checked in the service).
			r.Get("/efterlevnad/kvittenser", s.followUp)
			r.Get("/efterlevnad/kvittenser.csv", s.followUpExport("csv"))
			r.Get("/efterlevnad/kvittenser.xlsx", s.followUpExport("xlsx"))
			r.Get("/efterlevnad/bevis.csv", s.evidence)
			r.Post(bulkStaffPath, s.remindStaff)
			// The compliance board: everyone sees their own department's
			// breaches, IT-enheten's side every department (in the service).
			// /efterlevnad/kvittenser above is a static route: {regel} never
			// shadows it.
			r.Get("/efterlevnad", s.complianceBoard)
			r.Get("/efterlevnad/{regel}", s.complianceRule)
			r.Get("/efterlevnad/{regel}/avvikelser.csv", s.complianceRuleExport("csv"))
			r.Get("/efterlevnad/{regel}/avvikelser.xlsx", s.complianceRuleExport("xlsx"))

			// Governing documents: everyone reads and acknowledges.
			r.Get("/styrdokument", s.listDocuments)
			r.Get("/styrdokument/{slug}", s.showDocument)
			r.Get("/styrdokument/{slug}/kvittera", s.acknowledgeForm)
			r.Post("/styrdokument/{slug}/kvittera", s.acknowledge)

			// Cases: everyone submits and reads submitted cases; drafts,
			// steps, decisions and files are checked per case in the service.
			r.Get("/arenden", s.listRequests)
			r.Get("/arenden/nytt", s.newRequestForm)
			r.Post("/arenden/nytt", s.createRequest)
			r.Get("/arenden/{id}", s.showRequest)
			r.Get("/arenden/{id}/redigera", s.editRequestForm)
			r.Post("/arenden/{id}/redigera", s.updateRequest)
			r.Get("/arenden/{id}/skicka", s.reviewRequest)
			r.Post("/arenden/{id}/skicka", s.submitRequest)
			r.Post("/arenden/{id}/steg", s.actOnRequest)
			r.Post("/arenden/{id}/beslut", s.decideRequest)
			r.Post("/arenden/{id}/handlaggare", s.assignRequest)
			r.Post("/arenden/{id}/kommentar", s.commentRequest)
			r.Post("/arenden/{id}/diarienummer", s.setDiarienummer)
			// Who may attach to the case is checked before the file is read.
			r.With(s.acceptUpload).Post("/arenden/{id}/bilagor", s.uploadAttachment)
			r.Get("/arenden/{id}/bilagor/{bid}", s.downloadAttachment)
			r.Get("/arenden/{id}/utskrift", s.printRequest)

			// The ersättare's stand-in periods: the IT head and administrators.
			r.Group(func(r chi.Router) {
				r.Use(s.require(portal.CanSetStandIn))
				r.Get("/ersattare", s.standIns)
				r.Post("/ersattare", s.setStandIn)
				r.Post("/ersattare/{id}/avsluta", s.endStandIn)
			})

			// Suppliers and contracts: everyone reads (public records).
			r.Get("/leverantorer", s.listSuppliers)
			r.Get("/leverantorer/{id}", s.showSupplier)
			r.Get("/leverantorer/{id}/utskrift", s.printSupplier)
			r.Get("/leverantorer/{id}/system.csv", s.exportSupplierSystems("csv"))
			r.Get("/leverantorer/{id}/system.xlsx", s.exportSupplierSystems("xlsx"))
			r.Get("/avtal", s.listContracts)
			r.Get("/avtal/{id}", s.showContract)
			// IT-enheten, its head and administrators keep them.
			r.Group(func(r chi.Router) {
				r.Use(s.require(portal.CanManageSuppliers))
				r.Get("/leverantorer/ny", s.newSupplierForm)
				r.Post("/leverantorer/ny", s.createSupplier)
				r.Get("/leverantorer/{id}/redigera", s.editSupplierForm)
				r.Post("/leverantorer/{id}/redigera", s.updateSupplier)
				r.Post("/leverantorer/{id}/kontakter", s.addContact)
				r.Post("/leverantorer/{id}/kontakter/{cid}/ta-bort", s.removeContact)
				r.Get("/avtal/nytt", s.newContractForm)
				r.Post("/avtal/nytt", s.createContract)
				r.Get("/avtal/{id}/redigera", s.editContractForm)
				r.Post("/avtal/{id}/redigera", s.updateContract)
				r.Post("/avtal/{id}/system", s.addContractSystem)
				r.Post("/avtal/{id}/system/{sid}/ta-bort", s.removeContractSystem)
				// Free-text suppliers linked to the supplier register.
				r.Get(supplierMatchPath, s.supplierMatching)
				r.Get(supplierMatchPath+"/granska", s.supplierMatchForm)
				r.Post(supplierMatchPath, s.linkSupplierText)
			})

			// The fixed IT infrastructure (4.5): everyone reads; the IT head
			// records earlier decisions (new ones are cases); IT-enheten and
			// administrators say which components a system runs on.
			r.Get("/plattform", s.listPlatform)
			r.Get("/plattform/avveckling", s.phasedOutSystems)
			r.Get("/plattform/export.csv", s.exportPlatform("csv"))
			r.Get("/plattform/export.xlsx", s.exportPlatform("xlsx"))
			r.Get("/plattform/{id}", s.showPlatformComponent)
			r.Group(func(r chi.Router) {
				r.Use(s.require(portal.CanFixPlatform))
				r.Get("/plattform/ny", s.newPlatformForm)
				r.Post("/plattform/ny", s.createPlatformComponent)
			})
			r.Group(func(r chi.Router) {
				r.Use(s.require(portal.CanLinkPlatform))
				r.Get("/system/{id}/plattform", s.systemPlatformForm)
				r.Post("/system/{id}/plattform", s.updateSystemPlatform)
			})

			// Equipment rented to departments: everyone reads what the
			// service's scope gives them (IT-enheten all, a manager their
			// department, everyone what they use).
			r.Get("/utrustning", s.listEquipment)
			r.Get("/utrustning/export.csv", s.exportEquipment("csv"))
			r.Get("/utrustning/export.xlsx", s.exportEquipment("xlsx"))
			r.Get("/utrustning/prislista", s.priceList)
			r.Get("/utrustning/debitering", s.chargeReport(false))
			r.Get("/utrustning/debitering/utskrift", s.chargeReport(true))
			r.Get("/utrustning/debitering.csv", s.exportCharge("csv"))
			r.Get("/utrustning/debitering.xlsx", s.exportCharge("xlsx"))
			r.Get("/utrustning/{id}", s.showEquipment)
			// IT-enheten and its head keep the inventory.
			r.Group(func(r chi.Router) {
				r.Use(s.require(portal.CanManageEquipment))
				r.Get("/utrustning/ny", s.newEquipmentForm)
				r.Post("/utrustning/ny", s.createEquipment)
				r.Get("/utrustning/{id}/redigera", s.editEquipmentForm)
				r.Post("/utrustning/{id}/redigera", s.updateEquipment)
				r.Post("/utrustning/{id}/hyr", s.rentEquipment)
				r.Post("/utrustning/{id}/aterlamna", s.returnEquipment)
				r.Post("/utrustning/{id}/skrota", s.scrapEquipment)
				r.Post("/utrustning/prislista", s.addPrice)
				r.Post("/utrustning/debitering/stang", s.closeMonth)
			})

			// Licences: everyone reads; IT-enheten, its head and
			// administrators keep them and import their counts.
			r.Get("/licenser", s.listLicences)
			r.Get("/licenser.csv", s.exportLicences("csv"))
			r.Get("/licenser.xlsx", s.exportLicences("xlsx"))
			r.Get("/licenser/{id}", s.showLicence)
			r.Group(func(r chi.Router) {
				r.Use(s.require(portal.CanManageLicences))
				r.Get("/licenser/ny", s.newLicenceForm)
				r.Post("/licenser/ny", s.createLicence)
				r.Get("/licenser/{id}/redigera", s.editLicenceForm)
				r.Post("/licenser/{id}/redigera", s.updateLicence)
				r.Post("/licenser/{id}/ta-bort", s.removeLicence)
				r.Get("/licenser/import", s.licenceImportForm)
				r.With(s.acceptUpload).Post("/licenser/import", s.licenceImportUpload)
				r.Post("/licenser/import/bekrafta", s.licenceImportCommit)
			})

			// IT-enheten (and its head) keep the register.
			r.Group(func(r chi.Router) {
				r.Use(s.require(portal.CanManageRegister))
				r.Get("/system/import", s.importForm)
				r.With(s.acceptUpload).Post("/system/import", s.importUpload)
				r.Post("/system/import/bekrafta", s.importCommit)
				r.Get("/system/import/granska", s.importPreview)
				r.Get("/system/ny", s.newSystemForm)
				r.Post("/system/ny", s.createSystem)
				r.Post(bulkOperationsPath, s.changeOperationsBulk)
				r.Get("/system/{id}/roller", s.roleForm)
				r.Post("/system/{id}/roller", s.changeRole)
				// A system administrator's proposal of guarded facts.
				r.Post("/system/{id}/forslag/{pid}/bekrafta", s.decideProposal(true))
				r.Post("/system/{id}/forslag/{pid}/avsla", s.decideProposal(false))
				r.Post("/system/{id}/personuppgifter/forslag/{pid}/bekrafta", s.decideProcessingProposal(true))
				r.Post("/system/{id}/personuppgifter/forslag/{pid}/avsla", s.decideProcessingProposal(false))
				r.Post("/personer/{id}/overlamna", s.handOver)
				r.Get(personSuggestPath, s.personSuggestions)
				r.Post("/efterlevnad/r3/avisera", s.renotify)
				r.Post("/system/{id}/utvarderingsintervall", s.setEvaluationInterval)
				r.Get("/utvarderingar", s.evaluationOverview)
				r.Post(bulkOverduePath, s.remindOverdue)
				r.Get("/utvarderingar.csv", s.evaluationExport("csv"))
				r.Get("/utvarderingar.xlsx", s.evaluationExport("xlsx"))
			})

			// Administrators.
			r.Group(func(r chi.Router) {
				r.Use(s.require(portal.CanAdminister))
				if s.cfg.Dev {
					// Everyone's mail, as the outbox keeps it without SMTP.
					r.Get("/dev/utkorg", s.devOutbox)
				}
				r.Get("/admin/personer", s.listPeople)
				r.Get("/admin/personer/{id}", s.showPerson)
				r.Post("/admin/personer/{id}/avsluta-sessioner", s.endSessions)
				r.Post("/admin/personer/{id}/koppla", s.linkIdentity)
				r.Get("/admin/forvaltningar", s.listDepartments)
				r.Post("/admin/forvaltningar", s.createDepartment)
				r.Get("/admin/forvaltningar/{id}", s.editDepartment)
				r.Post("/admin/forvaltningar/{id}", s.updateDepartment)
				r.Get("/admin/jobb", s.adminJobs)
				r.Post("/admin/jobb/{id}/forsok-igen", s.retryJob)
				r.Get("/admin/personal/import", s.staffImportForm)
				r.With(s.acceptUpload).Post("/admin/personal/import", s.staffImportUpload)
				r.Post("/admin/personal/import/bekrafta", s.staffImportCommit)
				r.Get("/admin/styrdokument", s.adminDocuments)
				r.Post("/admin/styrdokument", s.createDocument)
				r.Get("/admin/styrdokument/{slug}", s.editDocument)
				r.Post("/admin/styrdokument/{slug}", s.updateDocument)
				r.Get("/admin/styrdokument/{slug}/version", s.versionForm)
				r.Post("/admin/styrdokument/{slug}/version", s.saveVersion)
				r.Post("/admin/styrdokument/{slug}/publicera", s.publishVersion)
				r.Get("/admin/api-nycklar", s.listTokens)
				r.Post("/admin/api-nycklar", s.createToken)
				r.Post("/admin/api-nycklar/{id}/aterkalla", s.revokeToken)
			})
		})
	})
	// Unknown paths get the 404 page, in the signed-in frame when signed in.
	withSession := func(h http.HandlerFunc) http.HandlerFunc {
		return s.sessions.Manager.LoadAndSave(s.loadActor(h)).ServeHTTP
	}
	r.NotFound(withSession(s.notFound))
	r.MethodNotAllowed(withSession(s.methodNotAllowed))

	return r
}
