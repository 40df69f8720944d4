// Package migrations holds the database schema as numbered goose SQL files,
// embedded so that the binary carries its own schema.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
