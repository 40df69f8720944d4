package portal

import (
	"regexp"
	"strings"
	"time"
)

// DocumentKinds are the kinds of governing document.
var DocumentKinds = []Choice{
	{Value: "riktlinje", Label: "Riktlinje"}, {Value: "regler", Label: "Regler"}, {Value: "rutin", Label: "Rutin"},
	{Value: "it_infrastruktur", Label: "Fastställd IT-infrastruktur"},
}

// FixedBy are who fixes (fastställer) a governing document.
var FixedBy = []Choice{
	{Value: "kommunstyrelsen", Label: "Kommunstyrelsen"}, {Value: "kommunchefen", Label: "Kommunchefen"},
	{Value: "it_chef", Label: "Chef för IT-enheten"},
}

// DocumentFields are a governing document's own fields.
type DocumentFields struct {
	Title           string
	Slug            string
	Kind            string
	FixedBy         string
	AudienceAll     bool
	DepartmentIDs   []int64 // the audience when not all staff
	MustAcknowledge bool
	BlocksUse       bool
}

var slugRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Slug makes a URL name from a Swedish title: "Regler för IT-säkerhet" →
// "regler-for-it-sakerhet".
func Slug(title string) string {
	r := strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", "ü", "u", "Å", "a", "Ä", "a", "Ö", "o", "É", "e")
	s := strings.ToLower(r.Replace(title))
	var b strings.Builder
	dash := false
	for _, c := range s {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) > 80 {
		out = strings.TrimSuffix(out[:80], "-")
	}
	return out
}

// Validate checks the fields and returns Swedish messages per form field.
func (f *DocumentFields) Validate() map[string]string {
	errs := map[string]string{}
	f.Title = strings.TrimSpace(f.Title)
	f.Slug = strings.TrimSpace(f.Slug)
	if f.Slug == "" {
		f.Slug = Slug(f.Title)
	}
	switch {
	case f.Title == "":
		errs["title"] = "Ange dokumentets titel."
	case len([]rune(f.Title)) > 200 || strings.ContainsRune(f.Title, 0):
		errs["title"] = "Högst 200 tecken."
	}
	if !slugRe.MatchString(f.Slug) || len(f.Slug) > 80 {
		errs["slug"] = "Adressnamnet får bara ha små bokstäver a–z, siffror och bindestreck."
	}
	if !validChoice(DocumentKinds, f.Kind) {
		errs["kind"] = "Välj typ av dokument."
	}
	if !validChoice(FixedBy, f.FixedBy) {
		errs["fixed_by"] = "Välj vem som fastställer dokumentet."
	}
	if !f.AudienceAll && len(f.DepartmentIDs) == 0 {
		errs["audience"] = "Välj alla anställda eller minst en förvaltning."
	}
	if f.BlocksUse && !f.MustAcknowledge {
		errs["blocks_use"] = "Ett dokument som spärrar portalen måste också kvitteras."
	}
	return errs
}

// VersionFields are what an administrator writes for a new version.
type VersionFields struct {
	Markdown      string
	EffectiveDate time.Time
	DecisionRef   string
	Summary       string
	RequiresReack bool
}
