// Package layout holds the page frame every page is rendered in.
package layout

// Page is the view model of the frame around every page.
type Page struct {
	Title      string    // the page's own title; the site name is appended
	Stylesheet string    // hashed URL of the style sheet
	Favicon    string    // hashed URL of the SVG icon (/favicon.ico is the fallback)
	Mark       string    // hashed URL of the municipality's mark in the header
	Contact    string    // IT-enheten's e-mail address, in the footer
	Script     string    // hashed URL of htmx (progressive enhancement only)
	FileCheck  string    // hashed URL of the file fields' size check (progressive enhancement only)
	Nav        []NavItem // main navigation, only the pages that exist and the viewer may use
	RequestID  string
	User       *User  // nil when nobody is signed in
	Flash      string // a one-time notice
	FlashKind  string // its kind: "info"; anything else is a success
	Back       *Link  // the way back from a detail page; nil on other pages
}

// Link is a link with its text.
type Link struct {
	Label string
	Href  string
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
