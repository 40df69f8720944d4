package portal

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseOrgNumber checks a Swedish organisation number and returns it in
// the form it is stored and shown in, NNNNNN-NNNN. It accepts ten digits
// with or without the hyphen, and the twelve-digit form with the century
// prefix 16 that Skatteverket and Bolagsverket use for legal entities
// (16NNNNNNNNNN, 16NNNNNN-NNNN); spaces around and inside are ignored.
// The last digit is a Luhn check digit over the other nine. A sole
// trader's number is their personal identity number, which passes the same
// check, so the third digit is not required to be 2 or more. When the
// number is refused, the second result is the Swedish reason.
func ParseOrgNumber(s string) (string, string) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "", "Ange organisationsnumret, till exempel 556677-8899."
	}
	hyphen := strings.IndexByte(s, '-')
	if hyphen >= 0 {
		if strings.Count(s, "-") > 1 || len(s)-hyphen != 5 {
			return "", "Skriv organisationsnumret som NNNNNN-NNNN, till exempel 556677-8899."
		}
		s = s[:hyphen] + s[hyphen+1:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", "Organisationsnumret får bara innehålla siffror och ett bindestreck, till exempel 556677-8899."
		}
	}
	switch len(s) {
	case 10:
	case 12:
		if !strings.HasPrefix(s, "16") {
			return "", "Ett organisationsnummer med tolv siffror börjar med 16, till exempel 165566778899."
		}
		s = s[2:]
	default:
		return "", "Ett organisationsnummer har tio siffror, till exempel 556677-8899."
	}
	if luhnDigit(s[:9]) != s[9] {
		return "", "Organisationsnumret stämmer inte: kontrollsiffran (den sista) är fel. Kontrollera numret."
	}
	return s[:6] + "-" + s[6:], ""
}

// luhnDigit is the check digit of the digits (Luhn, weights 2,1,2,1…).
func luhnDigit(digits string) byte {
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// companySuffixes are the words at the end of a name that say only the
// company form: "Visma AB", "Visma Aktiebolag" and "VISMA" are one supplier.
var companySuffixes = map[string]bool{"ab": true, "aktiebolag": true, "(publ)": true, "publ": true, "ab.": true}

// NormaliseSupplierName is the form two supplier names are compared in to
// find duplicates: letters in lower case, runs of white space as one space,
// and the company form at the end ("AB", "Aktiebolag", "(publ)") left out.
// A name that is nothing but a company form is kept as it is.
func NormaliseSupplierName(name string) string {
	words := strings.Fields(strings.ToLower(name))
	for len(words) > 1 && companySuffixes[strings.TrimRight(words[len(words)-1], ",")] {
		words = words[:len(words)-1]
	}
	if len(words) > 0 {
		words[len(words)-1] = strings.TrimRight(words[len(words)-1], ",")
	}
	return strings.Join(words, " ")
}

// TextProblem is what is wrong with a text field, or "" (checkText).
func TextProblem(v string, max int, multiline bool) string { return checkText(v, max, multiline) }

// checkText reports what is wrong with a text field, or "": characters that
// are not allowed (invalid UTF-8, NUL and other control characters except
// line breaks and tabs in multi-line fields) or too many of them.
func checkText(v string, max int, multiline bool) string {
	if !utf8.ValidString(v) {
		return "Texten innehåller tecken som inte är tillåtna."
	}
	for _, r := range v {
		if r == 0 || (unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))) {
			return "Texten innehåller tecken som inte är tillåtna."
		}
	}
	if utf8.RuneCountInString(v) > max {
		return "Texten får vara högst " + strconv.Itoa(max) + " tecken."
	}
	return ""
}

// SupplierFields are what the form says about a supplier.
type SupplierFields struct {
	Name      string
	OrgNumber string // as typed; Validate stores the normalised form
	Notes     string
}

// Validate checks the fields, normalises the organisation number and
// returns Swedish messages per field.
func (f *SupplierFields) Validate() map[string]string {
	errs := map[string]string{}
	f.Name = strings.Join(strings.Fields(f.Name), " ")
	if m := checkText(f.Name, 200, false); m != "" {
		errs["name"] = m
	} else if f.Name == "" {
		errs["name"] = "Ange leverantörens namn."
	}
	if m := checkText(f.OrgNumber, 40, false); m != "" {
		errs["org_number"] = m
	} else if n, msg := ParseOrgNumber(f.OrgNumber); msg != "" {
		errs["org_number"] = msg
	} else {
		f.OrgNumber = n
	}
	if m := checkText(f.Notes, 5000, true); m != "" {
		errs["notes"] = m
	}
	return errs
}

// ContactFields are one contact person at a supplier.
type ContactFields struct {
	Role  string // what they are contacted about: "Support", "Avtal", "Säkerhetsincident"
	Name  string
	Email string
	Phone string
}

// Validate checks a contact and returns Swedish messages per field.
func (c *ContactFields) Validate() map[string]string {
	errs := map[string]string{}
	c.Role, c.Name = strings.TrimSpace(c.Role), strings.TrimSpace(c.Name)
	c.Email, c.Phone = strings.TrimSpace(c.Email), strings.TrimSpace(c.Phone)
	if m := checkText(c.Role, 100, false); m != "" {
		errs["contact_role"] = m
	} else if c.Role == "" {
		errs["contact_role"] = "Ange vad kontakten gäller, till exempel Support eller Säkerhetsincident."
	}
	if m := checkText(c.Name, 200, false); m != "" {
		errs["contact_name"] = m
	} else if c.Name == "" {
		errs["contact_name"] = "Ange kontaktens namn."
	}
	if c.Email == "" && c.Phone == "" {
		errs["contact_email"] = "Ange en e-postadress eller ett telefonnummer."
	}
	if c.Email != "" && !ValidEmail(c.Email) {
		errs["contact_email"] = "Ange en giltig e-postadress, till exempel support@leverantor.se."
	}
	if c.Phone != "" && !validPhone(c.Phone) {
		errs["contact_phone"] = "Ange telefonnumret med siffror, till exempel 0520-65 90 00 eller +46 520 65 90 00."
	}
	return errs
}

// validPhone accepts 5–20 digits with spaces, hyphens, parentheses and a
// leading plus.
func validPhone(s string) bool {
	if len(s) > 30 {
		return false
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '(' || r == ')':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20
}

// CanManageSuppliers reports whether the actor may create and change
// suppliers and contracts: IT-enheten, its head and administrators.
// Everyone signed in reads them (a public authority's contracts are public
// records).
func CanManageSuppliers(a *Actor) bool { return a.HasAny(RoleITUnit, RoleITHead, RoleAdmin) }
