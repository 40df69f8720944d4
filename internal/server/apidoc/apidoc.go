// Package apidoc holds the API's OpenAPI 3.1 description.
package apidoc

import _ "embed"

// OpenAPI is the document served at /api/v1/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte
