// Package deploy has no code of its own: its test checks the Kubernetes
// manifests under docs/deploy/kubernetes. Every document is decoded strictly
// into the Kubernetes API types (CloudNativePG's resources against the JSON
// Schemas in testdata), and the operational rules the portal depends on are
// asserted: probes, the security context, shutdown timing, the Service's
// ports, the configuration variables, the image and the backups.
//
// It is a module of its own (itportal/internal/deploy, replacing itportal
// with the repository's root), so that the API modules only these checks
// need stay out of the application's go.mod; `make test` runs it.
package deploy
