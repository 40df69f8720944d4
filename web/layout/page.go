// Package layout holds the page frame every page is rendered in.
package layout

// Page is the view model of the frame around every page.
type Page struct {
	Title      string    // the page's own title; the site name is appended
	Stylesheet string    // hashed URL of the style sheet
	Script     string    // hashed URL of htmx, the one script (progressive enhancement only)
	Nav        []NavItem // main navigation, only the pages that exist and the viewer may use
	RequestID  string
	User       *User  // nil when nobody is signed in
	Flash      string // a one-time notice
}

// User is the signed-in person as the frame shows them.
type User struct {
	Name string
}

// NavItem is one link of the main navigation.
type NavItem struct {
	Label   string
	Href    string
	Current bool
}
