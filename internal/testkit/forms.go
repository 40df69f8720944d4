package testkit

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// A form control as a browser sees it.
type control struct {
	name, kind, value string
	checked           bool
}

// forms returns each form of page (by its action) with its named controls
// in document order.
func forms(page string) (actions []string, controls map[string][]control) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil, nil
	}
	controls = map[string][]control{}
	var walk func(n *html.Node, form string)
	walk = func(n *html.Node, form string) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "form":
				form = attr(n, "action") + "#" + strconv.Itoa(len(actions))
				actions = append(actions, form)
			case "input", "select", "textarea", "button":
				if name := attr(n, "name"); name != "" && form != "" {
					c := control{name: name, kind: n.Data}
					switch n.Data {
					case "input":
						c.kind, c.value = strings.ToLower(attr(n, "type")), attr(n, "value")
						if c.kind == "" {
							c.kind = "text"
						}
						_, c.checked = attrOK(n, "checked")
					case "button":
						c.kind = "submit"
						if t := strings.ToLower(attr(n, "type")); t != "" {
							c.kind = t
						}
						c.value = attr(n, "value")
					case "textarea":
						c.value = strings.TrimPrefix(text(n), "\n")
					case "select":
						c.value = selected(n)
					}
					controls[form] = append(controls[form], c)
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch, form)
		}
	}
	walk(doc, "")
	return actions, controls
}

// FieldNameClashes lists, per form of page, the names that two different
// controls share. A group of radio buttons, of checkboxes or of submit
// buttons shares a name by design; any other repeat means one value is
// read in place of another.
func FieldNameClashes(page string) []string {
	actions, controls := forms(page)
	var out []string
	for _, form := range actions {
		kinds := map[string][]string{}
		for _, c := range controls[form] {
			kinds[c.name] = append(kinds[c.name], c.kind)
		}
		for name, ks := range kinds {
			if len(ks) < 2 {
				continue
			}
			group := ks[0] == "radio" || ks[0] == "checkbox" || ks[0] == "submit"
			for _, k := range ks {
				group = group && k == ks[0]
			}
			if !group {
				action, _, _ := strings.Cut(form, "#")
				out = append(out, action+": "+name+" ("+strings.Join(ks, ", ")+")")
			}
		}
	}
	sort.Strings(out)
	return out
}

// FormValues returns what a browser submits from the form of page whose
// action is action, unchanged: text and hidden fields, checked boxes and
// radios, each select's chosen option, textareas; no submit button.
func FormValues(page, action string) (url.Values, bool) {
	actions, controls := forms(page)
	for _, form := range actions {
		if a, _, _ := strings.Cut(form, "#"); a != action {
			continue
		}
		v := url.Values{}
		for _, c := range controls[form] {
			switch c.kind {
			case "submit", "button", "reset", "image", "file":
			case "checkbox", "radio":
				if c.checked {
					v.Add(c.name, c.value)
				}
			default:
				v.Add(c.name, c.value)
			}
		}
		return v, true
	}
	return nil, false
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string { v, _ := attrOK(n, key); return v }

func text(n *html.Node) string {
	var b strings.Builder
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.Type == html.TextNode {
			b.WriteString(ch.Data)
		}
	}
	return b.String()
}

// selected is the value a select submits: its selected option, else its
// first.
func selected(n *html.Node) string {
	var first, chosen *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type == html.ElementNode && ch.Data == "option" {
				if first == nil {
					first = ch
				}
				if _, ok := attrOK(ch, "selected"); ok && chosen == nil {
					chosen = ch
				}
			}
			walk(ch)
		}
	}
	walk(n)
	if chosen == nil {
		chosen = first
	}
	if chosen == nil {
		return ""
	}
	if v, ok := attrOK(chosen, "value"); ok {
		return v
	}
	return strings.TrimSpace(text(chosen))
}

// FormNameProblems lists the forms of page that have no accessible name
// (aria-label or aria-labelledby; a checker reports a form landmark without
// one) and the names two forms share (a screen reader's list of landmarks
// could not tell them apart).
func FormNameProblems(page string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{"the page does not parse"}
	}
	var out []string
	seen := map[string]bool{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "form" {
			name := attr(n, "aria-label")
			if id := attr(n, "aria-labelledby"); id != "" {
				name = "#" + id
			}
			switch {
			case strings.TrimSpace(name) == "":
				out = append(out, "a form without a name: "+attr(n, "action"))
			case seen[name]:
				out = append(out, "two forms named "+name)
			}
			seen[name] = true
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(doc)
	return out
}
