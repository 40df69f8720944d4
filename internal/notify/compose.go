package notify

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"itportal/internal/jobs/jobargs"
	"itportal/internal/portal"
	"itportal/internal/postgres"
	"itportal/web/components"
)

// Each kind of notice is composed from the database as it is now. A notice
// about something that no longer exists composes nothing.

// RoleChange composes a role change (IT-enheten and the new and previous
// administrator) or a register import (IT-enheten).
func (n *Notifier) RoleChange(ctx context.Context, a jobargs.RoleChangeNotice) ([]Message, error) {
	to, err := n.itUnit(ctx)
	if err != nil {
		return nil, err
	}
	if a.SystemID == 0 {
		return messages(to, "Registret har importerats", n.link("/system"), "En import har ändrat "+components.CountOf(a.Imported, components.Systems)+" i registret."), nil
	}
	f, ok, err := n.store.RoleChange(ctx, a.SystemID)
	if err != nil || !ok {
		return nil, err
	}
	return messages(append(to, f.Holders...), "Rollerna för "+f.SystemName+" har ändrats", n.link("/system/"+strconv.FormatInt(a.SystemID, 10)),
		"Rollfördelningen för systemet "+f.SystemName+" har ändrats i IT-portalen.",
		"Öppna systemets sida för att se vem som är systemägare, systemförvaltare och driftsansvarig från vilket datum."), nil
}

// stepText is what a step did to a case, as the mail says it.
var stepText = map[string]string{
	jobargs.StepSubmitted: "har skickats in", jobargs.StepTakenUp: "handläggs nu", jobargs.StepCompletionRequested: "behöver kompletteras",
	jobargs.StepCompletionAnswered: "har kompletterats", jobargs.StepWithdrawn: "har återkallats", jobargs.StepDecided: "är beslutat",
	jobargs.StepCommented: "har en ny kommentar",
}

// audience resolves who a case notice goes to.
func (n *Notifier) audience(ctx context.Context, who []string, author int64) ([]Recipient, error) {
	var to []Recipient
	for _, w := range who {
		switch w {
		case "requester":
			r, ok, err := n.store.Person(ctx, author)
			if err != nil {
				return nil, err
			}
			if ok {
				to = append(to, r)
			}
		case "it_unit":
			rs, err := n.itUnit(ctx)
			if err != nil {
				return nil, err
			}
			to = append(to, rs...)
		case "it_head", "it_head_deputy":
			rs, err := n.store.PeopleWithRoles(ctx, w)
			if err != nil {
				return nil, err
			}
			to = append(to, rs...)
		}
	}
	return to, nil
}

// CaseStep composes a step of a case for its audience.
func (n *Notifier) CaseStep(ctx context.Context, a jobargs.CaseStepNotice) ([]Message, error) {
	c, ok, err := n.store.Case(ctx, a.RequestID)
	if err != nil || !ok {
		return nil, err
	}
	to, err := n.audience(ctx, a.Audience, c.AuthorID)
	if err != nil {
		return nil, err
	}
	what := stepText[a.Step]
	if what == "" {
		what = "har ändrats"
	}
	if slices.Contains(a.Audience, jobargs.AudienceAffectedSystems) {
		affected, err := n.incidentMessages(ctx, a.RequestID, c, to)
		if err != nil {
			return nil, err
		}
		return append(messages(to, strings.TrimSpace("Ärende "+c.Number+" "+what+": "+c.Title), n.link("/arenden/"+strconv.FormatInt(a.RequestID, 10)),
			portal.RequestKind(c.Kind).Label()+": "+c.Title, "Ärendet "+what+". Status: "+portal.RequestState(c.State).Label()+"."), affected...), nil
	}
	return messages(to, strings.TrimSpace("Ärende "+c.Number+" "+what+": "+c.Title), n.link("/arenden/"+strconv.FormatInt(a.RequestID, 10)),
		portal.RequestKind(c.Kind).Label()+": "+c.Title, "Ärendet "+what+". Status: "+portal.RequestState(c.State).Label()+"."), nil
}

// CommentAudience is the audience whose comments a comment notice tells:
// "requester" or "it_unit".
func CommentAudience(a jobargs.CaseStepNotice) string {
	if len(a.Audience) > 0 && a.Audience[0] == "requester" {
		return "requester"
	}
	return "it_unit"
}

// ClaimComments claims the comments a comment notice tells in this run of
// job jobID (postgres.NotificationService.ClaimComments): once the first
// is window old, and within the rate of comment mails about the case's
// requester's cases (CommentRate). A case that is gone claims nothing.
func (n *Notifier) ClaimComments(ctx context.Context, jobID int64, a jobargs.CaseStepNotice, window time.Duration) (postgres.CommentClaim, error) {
	c, ok, err := n.store.Case(ctx, a.RequestID)
	if err != nil || !ok {
		return postgres.CommentClaim{}, err
	}
	aud := CommentAudience(a)
	key := "comments:" + aud + ":" + strconv.FormatInt(c.AuthorID, 10)
	return n.store.ClaimComments(ctx, jobID, a.RequestID, aud, window, key, CommentRate)
}

// FinishComments records what the run told and completes the job unless
// more comments came in (see postgres.NotificationService.FinishComments).
func (n *Notifier) FinishComments(ctx context.Context, jobID int64, a jobargs.CaseStepNotice, claim postgres.CommentClaim, complete func(postgres.Tx) error) (bool, error) {
	return n.store.FinishComments(ctx, jobID, a.RequestID, CommentAudience(a), claim.To, complete)
}

// commentsListed is how many comments one mail quotes; the rest are
// counted.
const commentsListed = 20

// Comments composes one mail per recipient listing the claimed comments.
func (n *Notifier) Comments(ctx context.Context, a jobargs.CaseStepNotice, claim postgres.CommentClaim) ([]Message, error) {
	if len(claim.Comments) == 0 {
		return nil, nil
	}
	c, ok, err := n.store.Case(ctx, a.RequestID)
	if err != nil || !ok {
		return nil, err
	}
	to, err := n.audience(ctx, []string{CommentAudience(a)}, c.AuthorID)
	if err != nil {
		return nil, err
	}
	count := len(claim.Comments)
	what := "har en ny kommentar"
	if count > 1 {
		what = "har " + components.Count(count, "ny kommentar", "nya kommentarer")
	}
	lines := []string{portal.RequestKind(c.Kind).Label() + ": " + c.Title}
	for i, cm := range claim.Comments {
		if i == commentsListed {
			lines = append(lines, fmt.Sprintf("… och %d kommentarer till. Läs alla i ärendet.", count-commentsListed))
			break
		}
		text := strings.Join(strings.Fields(cm.Text), " ")
		if r := []rune(text); len(r) > 300 {
			text = string(r[:300]) + "…"
		}
		author := cm.Author
		if author == "" {
			author = "Okänd"
		}
		lines = append(lines, author+", "+cm.At.In(portal.Stockholm).Format("2006-01-02 15:04")+": "+text)
	}
	lines = append(lines, "Status: "+portal.RequestState(c.State).Label()+".")
	msgs := messages(to, strings.TrimSpace("Ärende "+c.Number+" "+what+": "+c.Title), n.link("/arenden/"+strconv.FormatInt(a.RequestID, 10)), lines...)
	for i := range msgs {
		msgs[i].Part = "c" + strconv.FormatInt(claim.To, 10)
	}
	return msgs, nil
}

// Acknowledge composes the request to read and acknowledge a new version.
func (n *Notifier) Acknowledge(ctx context.Context, a jobargs.AcknowledgeNotice) ([]Message, error) {
	v, ok, err := n.store.DocumentVersion(ctx, a.VersionID)
	if err != nil || !ok {
		return nil, err
	}
	rs, err := n.store.Persons(ctx, a.PersonIDs)
	if err != nil {
		return nil, err
	}
	return messages(rs, fmt.Sprintf("Att kvittera: %s, version %d", v.Title, v.Number), n.link("/styrdokument/"+v.Slug+"/kvittera"),
		fmt.Sprintf("%s har en ny version (%d) som du behöver läsa och kvittera.", v.Title, v.Number)), nil
}

// AckReminder composes the reminder of documents still to acknowledge.
func (n *Notifier) AckReminder(ctx context.Context, a jobargs.AckReminderNotice) ([]Message, error) {
	rs, err := n.store.Persons(ctx, a.PersonIDs)
	if err != nil {
		return nil, err
	}
	return messages(rs, "Påminnelse: styrdokument att kvittera", n.link("/min-sida"),
		"Du har styrdokument som du ännu inte har kvitterat. Du ser dem på Min sida."), nil
}

// ManagerDigest composes a manager's weekly digest.
func (n *Notifier) ManagerDigest(ctx context.Context, a jobargs.ManagerDigestNotice) ([]Message, error) {
	r, ok, err := n.store.Person(ctx, a.ManagerID)
	if err != nil || !ok {
		return nil, err
	}
	staff, err := n.store.StaffCount(ctx, a.ManagerID)
	if err != nil {
		return nil, err
	}
	return messages([]Recipient{r}, "Veckosammanställning: kvittenser i din personalgrupp", n.link("/efterlevnad/kvittenser"),
		"Någon i din personal har inte kvitterat ett styrdokument som gäller dem.",
		fmt.Sprintf("Du har %d medarbetare i IT-portalen. Se vem som har kvitterat och vem som inte har det under Uppföljning av kvittenser.", staff)), nil
}

// AuditAnchor composes the chain's head, to an address outside the
// database's reach (R14). The text is what `itportal audit verify
// --anchors` reads. Without ITPORTAL_AUDIT_ANCHOR_MAIL nothing is sent.
func (n *Notifier) AuditAnchor(ctx context.Context, a jobargs.AuditAnchorNotice) ([]Message, error) {
	f, ok, err := n.store.AuditAnchor(ctx, a.AnchorID)
	if err != nil || !ok || n.anchor == "" {
		return nil, err
	}
	at := f.At.In(portal.Stockholm)
	return messages([]Recipient{{Email: n.anchor}}, "IT-portalen: granskningsloggens kontrollsumma "+at.Format("2006-01-02"),
		n.link("/efterlevnad"),
		"Detta är granskningsloggens kontrollsumma (ankare) för "+at.Format("2006-01-02 15:04")+". Spara meddelandet: med det kan man i efterhand visa att loggen inte har ändrats.",
		"seq="+strconv.FormatInt(f.Seq, 10)+" hash="+hex.EncodeToString(f.Hash),
		"Kontroll: itportal audit verify --anchors <fil med detta meddelande>"), nil
}

// incidentMessages tell each administrator and owner of the systems a
// supplier incident records that their systems are hit, naming them.
// Those already told as IT-enheten (told) get that mail only: one mail
// per recipient and job.
func (n *Notifier) incidentMessages(ctx context.Context, requestID int64, c postgres.CaseFacts, told []Recipient) ([]Message, error) {
	list, err := n.store.IncidentRecipients(ctx, requestID)
	if err != nil {
		return nil, err
	}
	var out []Message
	for _, r := range list {
		if slices.ContainsFunc(told, func(t Recipient) bool { return t.PersonID == r.PersonID && t.PersonID != 0 }) {
			continue
		}
		out = append(out, messages([]Recipient{r.Recipient}, "Leverantörsincident "+c.Number+": "+c.Title, n.link("/arenden/"+strconv.FormatInt(requestID, 10)),
			"IT-enheten har registrerat en leverantörsincident som berör system som du är systemförvaltare eller systemägare för: "+r.Systems+".",
			"Ärende "+c.Number+": "+c.Title+". Följ ärendet i IT-portalen; IT-enheten skriver där vad som är känt och vad som görs.")...)
	}
	return out, nil
}
