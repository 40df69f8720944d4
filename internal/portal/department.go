package portal

import (
	"strings"
	"unicode/utf8"
)

// Department is a förvaltning: an administrative department that owns systems.
type Department struct {
	ID        int64  `db:"id"`
	Name      string `db:"name"`
	ShortName string `db:"short_name"`
	Active    bool   `db:"active"`
}

// Validate checks a department's name and short name.
func (d *Department) Validate() map[string]string {
	errs := map[string]string{}
	d.Name, d.ShortName = strings.TrimSpace(d.Name), strings.TrimSpace(d.ShortName)
	switch {
	case d.Name == "":
		errs["name"] = "Ange förvaltningens namn."
	case utf8.RuneCountInString(d.Name) > 200:
		errs["name"] = "Namnet får vara högst 200 tecken."
	}
	switch {
	case d.ShortName == "":
		errs["short_name"] = "Ange en förkortning, till exempel SOC."
	case utf8.RuneCountInString(d.ShortName) > 20:
		errs["short_name"] = "Förkortningen får vara högst 20 tecken."
	}
	return errs
}
