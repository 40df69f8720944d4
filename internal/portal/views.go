package portal

import (
	"strings"
	"unicode/utf8"
)

// Saved views: a person's named filter of a list. The lists a view may
// be of, by their path.
const (
	ViewListSystems  = "system"  // the register, /system
	ViewListRequests = "arenden" // a list of cases, /arenden
)

// MaxSavedViews is how many views one person may keep.
const MaxSavedViews = 20

// MaxViewName is the longest name of a saved view, in characters.
const MaxViewName = 60

// SavedViewName trims a view's name and checks it: 1–60 characters, no
// control characters. The error is Invalid on the field "namn".
func SavedViewName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", Invalid("Ge vyn ett namn.", map[string]string{"namn": "Ange ett namn på vyn."})
	case n > MaxViewName:
		return "", Invalid("Namnet är för långt.", map[string]string{"namn": "Namnet får vara högst 60 tecken."})
	}
	if strings.IndexFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return "", Invalid("Namnet innehåller otillåtna tecken.", map[string]string{"namn": "Namnet får inte innehålla radbrytningar eller styrtecken."})
	}
	return name, nil
}
