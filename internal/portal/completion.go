package portal

import (
	"net/url"
	"slices"
	"strings"
)

// A komplettering asks the requester for specific facts: IT-enheten ticks
// which of the case's fields must be completed or changed, and the
// requester answers by changing exactly those; the rest of the submitted
// content stays as it was sent.

// CompletionFinancing is the item that asks for the financing as a whole:
// how it is financed, whether it is confirmed and the decision behind it.
const CompletionFinancing = "financing"

// CompletionItem is one thing IT-enheten may ask to be completed: one
// field of the case, or the financing (several fields) as one.
type CompletionItem struct {
	Name   string
	Label  string
	Fields []string // the fields it opens for the answer, in form order
}

// CompletionItemsOf lists what may be asked of a case of kind, in form
// order. The department is not among them: a case belongs to the
// department that sent it.
func CompletionItemsOf(kind RequestKind) []CompletionItem {
	var out []CompletionItem
	var financing *CompletionItem
	for _, fd := range FieldsOf(kind) {
		switch {
		case fd.Kind == FieldDepartment:
		case fd.Section == SectionFinancing:
			if financing == nil {
				out = append(out, CompletionItem{Name: CompletionFinancing, Label: "Finansiering (4.5): hur kostnaden finansieras, om finansieringen är bekräftad och beslutet om den"})
				financing = &out[len(out)-1]
			}
			financing.Fields = append(financing.Fields, fd.Name)
		default:
			out = append(out, CompletionItem{Name: fd.Name, Label: fd.Label, Fields: []string{fd.Name}})
		}
	}
	return out
}

// CompletionFields turns the items ticked (by name) into the fields the
// answer may change, in form order. An item the kind does not have is
// refused with a Swedish message.
func CompletionFields(kind RequestKind, items []string) ([]string, error) {
	known := CompletionItemsOf(kind)
	for _, it := range items {
		if !slices.ContainsFunc(known, func(c CompletionItem) bool { return c.Name == it }) {
			return nil, Invalid("Välj bland ärendets uppgifter.", map[string]string{"fields": "Välj bland ärendets uppgifter."})
		}
	}
	out := []string{}
	for _, c := range known {
		if slices.Contains(items, c.Name) {
			out = append(out, c.Fields...)
		}
	}
	return out, nil
}

// CompletionLabels names the asked fields as IT-enheten ticked them: the
// financing once, other fields by their labels.
func CompletionLabels(kind RequestKind, fields []string) []string {
	var out []string
	for _, c := range CompletionItemsOf(kind) {
		if slices.ContainsFunc(c.Fields, func(f string) bool { return slices.Contains(fields, f) }) {
			out = append(out, c.Label)
		}
	}
	return out
}

// FinancingAsked reports whether the asked fields include the financing.
func FinancingAsked(fields []string) bool { return slices.Contains(fields, "financing_confirmed") }

// FieldChange is one field an answer changed, as the case's history shows
// it ("" when empty).
type FieldChange struct {
	Field  string
	Label  string
	Before string
	After  string
}

// Describe is the change in one line: "Label: före → efter".
func (c FieldChange) Describe() string {
	return c.Label + ": " + orNotGiven(c.Before) + " → " + orNotGiven(c.After)
}

func orNotGiven(s string) string {
	if s == "" {
		return "Ej angivet"
	}
	return s
}

// AnswerCompletion applies the requester's answer to a case of kind whose
// content is cur and for which the fields asked were asked. values are the
// posted fields: an asked field that is given replaces its value (a
// yes/no field is given as "ja" or "nej"); an asked field left out keeps
// its value; a field that was not asked may only be given unchanged, and
// otherwise the whole answer is refused with a Conflict. The result is
// checked as a submission is, and when the financing was asked and is now
// confirmed, the decision behind it must be recorded: who decided, its
// reference, and its date (not in the future). It returns the new content
// and the changes, or the field errors (Invalid).
func AnswerCompletion(kind RequestKind, asked []string, cur RequestFields, values url.Values) (RequestFields, []FieldChange, error) {
	next := cur
	errs := map[string]string{}
	for _, fd := range FieldsOf(kind) {
		vs, given := values[fd.Name]
		if !given {
			continue
		}
		v := ""
		if len(vs) > 0 {
			v = vs[0]
		}
		if !slices.Contains(asked, fd.Name) {
			probe := cur
			if fd.Kind == FieldCheck {
				*fd.check(&probe) = v == "ja"
			} else if fd.parse(&probe, v) != "" {
				return cur, nil, frozen(fd)
			}
			probe.Validate(kind, false) // trims, as a saved value is trimmed
			if fd.Value(probe) != fd.Value(cur) {
				return cur, nil, frozen(fd)
			}
			continue
		}
		if fd.Kind == FieldCheck && v != "ja" && v != "nej" {
			errs[fd.Name] = "Välj ja eller nej."
			continue
		}
		if msg := fd.parse(&next, v); msg != "" {
			errs[fd.Name] = msg
		}
	}
	for name, msg := range next.Validate(kind, true) {
		if slices.Contains(asked, name) && errs[name] == "" {
			errs[name] = msg
		}
	}
	if FinancingAsked(asked) && next.FinancingConfirmed {
		for name, msg := range next.financingDecisionErrors() {
			if errs[name] == "" {
				errs[name] = msg
			}
		}
	}
	if len(errs) > 0 {
		return cur, nil, Invalid("Kompletteringen behöver rättas.", errs)
	}
	var changes []FieldChange
	for _, fd := range FieldsOf(kind) {
		if !slices.Contains(asked, fd.Name) || fd.Value(next) == fd.Value(cur) {
			continue
		}
		changes = append(changes, FieldChange{Field: fd.Name, Label: fd.Label, Before: fd.Shown(cur), After: fd.Shown(next)})
	}
	return next, changes, nil
}

func frozen(fd RequestField) error {
	return Conflict("Bara de uppgifter som IT-enheten har begärt kan ändras. ”" + fd.Label + "” har inte begärts och ändras inte.")
}

// financingDecisionErrors checks the record of a confirmed financing: who
// decided, the decision's reference, and its date, which has passed.
func (f RequestFields) financingDecisionErrors() map[string]string {
	errs := map[string]string{}
	if strings.TrimSpace(f.FinancingDecidedBy) == "" {
		errs["financing_decided_by"] = "Ange vem som beslutade om finansieringen, till exempel nämnden eller förvaltningschefen."
	}
	if strings.TrimSpace(f.FinancingReference) == "" {
		errs["financing_reference"] = "Ange beslutets referens, till exempel nämndbeslutets diarienummer."
	}
	switch {
	case f.FinancingDecidedOn == nil:
		errs["financing_decided_on"] = "Ange vilket datum finansieringen beslutades."
	case DateOf(*f.FinancingDecidedOn).After(Today()):
		errs["financing_decided_on"] = "Datumet kan inte vara i framtiden."
	}
	return errs
}
