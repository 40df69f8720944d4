// Package deploy has no code of its own: its test checks the Kubernetes
// manifests under docs/deploy/kubernetes. Every document is decoded strictly
// into its API's own Go types, Kubernetes' and CloudNativePG's
// (github.com/cloudnative-pg/api), what those types cannot hold is validated
// as the operator's CRD and webhooks do, and the operational rules the
// portal depends on are asserted: probes, the security context, shutdown
// timing, the Service's ports, the configuration variables, the image, the
// database's roles and the backups.
//
// It is a module of its own (itportal/internal/deploy, replacing itportal
// with the repository's root), so that the API modules only these checks
// need stay out of the application's go.mod; `make test` runs it.
package deploy
