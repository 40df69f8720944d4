// Package web holds the user interface: templ layouts, components and pages
// (view models in, HTML out) and the static assets, all embedded.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// Assets serves the embedded static files under content-hashed URLs
// (/static/site.3f2a91c0.css), so they can be cached for a year and a new
// release is never hidden by a stale cache.
type Assets struct {
	byURL  map[string]asset // hashed URL path → asset
	byName map[string]string
}

type asset struct {
	body        []byte
	contentType string
}

// NewAssets reads and hashes every embedded static file.
func NewAssets() (*Assets, error) {
	a := &Assets{byURL: map[string]asset{}, byName: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		ct := mime.TypeByExtension(ext)
		if ext == ".ico" { // not in every system's MIME table
			ct = "image/x-icon"
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.byURL[hashed] = asset{body: body, contentType: ct}
		a.byName[name] = hashed
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read static assets: %w", err)
	}
	return a, nil
}

// Path returns the hashed URL of the static file name (e.g. "css/site.css").
// An unknown name is a programming error and yields a URL that 404s.
func (a *Assets) Path(name string) string {
	if p, ok := a.byName[name]; ok {
		return p
	}
	return "/static/missing/" + name
}

// Has reports whether urlPath is a hashed static file.
func (a *Assets) Has(urlPath string) bool {
	_, ok := a.byURL[urlPath]
	return ok
}

// File serves the static file name at a fixed address that browsers ask
// for by themselves (/favicon.ico), cached for a day since the address
// does not change with the content.
func (a *Assets) File(name string) http.HandlerFunc {
	f, ok := a.byURL[a.byName[name]]
	return func(w http.ResponseWriter, r *http.Request) {
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(f.body)
	}
}

// ServeHTTP serves a hashed static file with a long cache lifetime.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(f.body)
}
