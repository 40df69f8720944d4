package components

import "strconv"

// Count is a number with its noun in the right Swedish form: "1 avvikelse",
// "2 avvikelser", "0 ärenden". one is the singular, many the plural (the
// same word for nouns like "system" and "medarbetare"). Every count shown
// to people goes through it, so no page says "1 avvikelser".
func Count(n int, one, many string) string {
	if n == 1 || n == -1 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}

// The nouns the portal counts most, in their two forms.
var (
	Breaches   = [2]string{"avvikelse", "avvikelser"}
	Systems    = [2]string{"system", "system"}
	Cases      = [2]string{"ärende", "ärenden"}
	People     = [2]string{"person", "personer"}
	Employees  = [2]string{"medarbetare", "medarbetare"}
	Rows       = [2]string{"rad", "rader"}
	Days       = [2]string{"dag", "dagar"}
	Months     = [2]string{"månad", "månader"}
	Comments   = [2]string{"kommentar", "kommentarer"}
	Proposals  = [2]string{"förslag", "förslag"}
	Notices    = [2]string{"avisering", "aviseringar"}
	Minutes    = [2]string{"minut", "minuter"}
	Seconds    = [2]string{"sekund", "sekunder"}
	Attachment = [2]string{"bilaga", "bilagor"}
	Passages   = [2]string{"stycke", "stycken"}
)

// CountOf is Count with one of the nouns above: CountOf(2, Cases) is
// "2 ärenden".
func CountOf(n int, noun [2]string) string { return Count(n, noun[0], noun[1]) }
