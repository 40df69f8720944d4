// Package auditchain verifies the audit log's hash chain (R14).
//
// Every audit row has a digest of its content and, at commit, a place in
// the chain: hash = sha256(previous hash || digest || seq as 8 bytes,
// big-endian), starting from 32 zero bytes. PostgreSQL computes both
// (migrations/00016_audit_chain.sql); this package recomputes them
// independently, so that a verifier does not trust the database's own
// functions. Because the database owner could recompute a whole chain, the
// head is anchored outside the database every day; Verifier checks the
// chain against such anchors as well as against itself.
package auditchain

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"mime/quotedprintable"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Genesis is the hash before the first row.
var Genesis = make([]byte, sha256.Size)

// Row is one audit row as stored.
type Row struct {
	ID           int64
	At           time.Time
	ActorID      *int64
	Action       string
	ObjectType   string
	ObjectID     string
	Changes      string // the jsonb's text as PostgreSQL prints it
	RequestID    string
	Seq          *int64 // nil: never sealed into the chain
	Digest       []byte
	PrevHash     []byte
	Hash         []byte
	Pseudonymous bool // the payload was replaced under the retention plan
}

// Digest is the sha256 of the row's canonical content, version 1: each
// field as <octet length>:<text>; after a version tag.
func Digest(r *Row) [sha256.Size]byte {
	var b bytes.Buffer
	b.Grow(64 + len(r.Action) + len(r.ObjectType) + len(r.ObjectID) + len(r.Changes) + len(r.RequestID))
	b.WriteString("itportal-audit-v1;")
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte(';')
	}
	field(strconv.FormatInt(r.ID, 10))
	field(strconv.FormatInt(r.At.UnixMicro(), 10))
	if r.ActorID != nil {
		field(strconv.FormatInt(*r.ActorID, 10))
	} else {
		field("")
	}
	field(r.Action)
	field(r.ObjectType)
	field(r.ObjectID)
	field(r.Changes)
	field(r.RequestID)
	return sha256.Sum256(b.Bytes())
}

// Link is the hash of row seq given the previous hash and its digest.
func Link(prev, digest []byte, seq int64) [sha256.Size]byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(digest)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(seq))
	h.Write(n[:])
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// Anchor is a chain head recorded outside the database: the hash the row
// with sequence number Seq had when it was anchored.
type Anchor struct {
	Seq    int64
	Hash   []byte
	Source string // where it was read, for the report
}

func (a Anchor) String() string {
	return fmt.Sprintf("seq=%d hash=%s", a.Seq, hex.EncodeToString(a.Hash))
}

var (
	seqRe  = regexp.MustCompile(`"?\bseq"?\s*[=:]\s*"?(\d+)`)
	hashRe = regexp.MustCompile(`"?\bhash"?\s*[=:]\s*"?([0-9a-fA-F]{64})\b`)
)

// ParseAnchors reads anchors from the portal's log (JSON or text) or from
// anchor mails, as text or as saved messages (quoted-printable): every line
// that names both a seq and a 64-digit hash. Other lines are skipped; a
// line naming a malformed hash is an error.
func ParseAnchors(r io.Reader, source string) ([]Anchor, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(data, []byte("=3D")) { // a mail as sent: undo quoted-printable
		if dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(data))); err == nil {
			data = dec
		}
	}
	var out []Anchor
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		s := seqRe.FindStringSubmatch(text)
		if s == nil || !strings.Contains(text, "hash") {
			continue
		}
		h := hashRe.FindStringSubmatch(text)
		if h == nil {
			return nil, fmt.Errorf("%s:%d: a line with seq and hash, but the hash is not 64 hexadecimal digits", source, line)
		}
		seq, err := strconv.ParseInt(s[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: seq: %w", source, line, err)
		}
		sum, _ := hex.DecodeString(h[1])
		out = append(out, Anchor{Seq: seq, Hash: sum, Source: fmt.Sprintf("%s:%d", source, line)})
	}
	return out, sc.Err()
}

// ParseAnchor reads one anchor written as SEQ:HASH.
func ParseAnchor(s string) (Anchor, error) {
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return Anchor{}, fmt.Errorf("anchor %q: want SEQ:HASH", s)
	}
	seq, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || seq < 1 {
		return Anchor{}, fmt.Errorf("anchor %q: the sequence number must be a positive whole number", s)
	}
	sum, err := hex.DecodeString(s[i+1:])
	if err != nil || len(sum) != sha256.Size {
		return Anchor{}, fmt.Errorf("anchor %q: the hash must be 64 hexadecimal digits", s)
	}
	return Anchor{Seq: seq, Hash: sum, Source: "command line"}, nil
}

// Problem is one finding, at the row where the chain stops holding.
type Problem struct {
	Seq    int64 // the chain position concerned (0 when the row has none)
	ID     int64 // the row's id, when there is a row
	Reason string
}

func (p Problem) String() string {
	switch {
	case p.ID != 0 && p.Seq != 0:
		return fmt.Sprintf("seq %d (audit row id %d): %s", p.Seq, p.ID, p.Reason)
	case p.ID != 0:
		return fmt.Sprintf("audit row id %d: %s", p.ID, p.Reason)
	default:
		return fmt.Sprintf("seq %d: %s", p.Seq, p.Reason)
	}
}

// Head is the chain's head as the database keeps it.
type Head struct {
	Seq  int64
	Hash []byte
}

// Report is the outcome of a verification.
type Report struct {
	Rows           int64
	LastSeq        int64
	LastHash       []byte
	AnchorsChecked int
	Pseudonymised  int64
	Problems       []Problem // in chain order; at most maxProblems
	MoreProblems   int64     // beyond those listed
}

// OK says whether the chain holds.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// FirstBroken is the first problem in chain order, if any.
func (r Report) FirstBroken() *Problem {
	if len(r.Problems) == 0 {
		return nil
	}
	return &r.Problems[0]
}

const maxProblems = 100

// Verifier checks rows fed in chain order (by seq, unsealed rows last).
type Verifier struct {
	anchors   map[int64]Anchor
	anchorMax int64
	running   []byte // the recomputed hash of the last row
	expect    int64  // the next seq
	report    Report
	pseudo    map[int64]int64 // pseudonymised row id → its seq, until the chain records the act
}

// NewVerifier returns a verifier that also checks the given anchors.
func NewVerifier(anchors []Anchor) *Verifier {
	v := &Verifier{anchors: map[int64]Anchor{}, running: Genesis, expect: 1, pseudo: map[int64]int64{}}
	for _, a := range anchors {
		v.anchors[a.Seq] = a
		v.anchorMax = max(v.anchorMax, a.Seq)
	}
	return v
}

func (v *Verifier) problem(p Problem) {
	if len(v.report.Problems) < maxProblems {
		v.report.Problems = append(v.report.Problems, p)
	} else {
		v.report.MoreProblems++
	}
}

// Add checks the next row.
func (v *Verifier) Add(r *Row) {
	v.report.Rows++
	if r.Seq == nil {
		v.problem(Problem{ID: r.ID, Reason: "the row is not part of the chain (written past the chain's triggers)"})
		return
	}
	seq := *r.Seq
	if seq != v.expect {
		if seq > v.expect {
			v.problem(Problem{Seq: v.expect, ID: r.ID, Reason: fmt.Sprintf("rows %d–%d of the chain are missing (deleted or renumbered); the next row has seq %d", v.expect, seq-1, seq)})
		} else {
			v.problem(Problem{Seq: seq, ID: r.ID, Reason: fmt.Sprintf("seq %d appears out of order (expected %d)", seq, v.expect)})
		}
	}
	if !bytes.Equal(r.PrevHash, v.running) {
		v.problem(Problem{Seq: seq, ID: r.ID, Reason: "its previous-row hash does not match the row before it (a row was removed, inserted, reordered or rewritten)"})
	}
	d := Digest(r)
	if !bytes.Equal(d[:], r.Digest) {
		if r.Pseudonymous {
			v.report.Pseudonymised++
			v.pseudo[r.ID] = seq
		} else {
			v.problem(Problem{Seq: seq, ID: r.ID, Reason: "its content does not match its digest (the row was changed after it was written)"})
		}
	} else if r.Pseudonymous {
		v.report.Pseudonymised++
		v.pseudo[r.ID] = seq
	}
	link := Link(v.running, r.Digest, seq)
	if !bytes.Equal(link[:], r.Hash) {
		v.problem(Problem{Seq: seq, ID: r.ID, Reason: "its hash does not match its digest and the previous hash"})
	}
	if a, ok := v.anchors[seq]; ok {
		v.report.AnchorsChecked++
		if !bytes.Equal(link[:], a.Hash) {
			v.problem(Problem{Seq: seq, ID: r.ID, Reason: fmt.Sprintf("the chain up to here differs from the anchor %s (%s): rows at or before it were changed and the chain recomputed", a, a.Source)})
		}
	}
	if r.Action == "audit.pseudonymised" && r.ObjectType == "audit_log" {
		if id, err := strconv.ParseInt(r.ObjectID, 10, 64); err == nil {
			delete(v.pseudo, id)
		}
	}
	v.running = link[:]
	v.expect = seq + 1
	v.report.LastSeq = seq
	v.report.LastHash = r.Hash
}

// Finish compares the end of the chain with the database's head and the
// anchors beyond it, and returns the report with problems in chain order.
func (v *Verifier) Finish(head Head) Report {
	for id, seq := range v.pseudo {
		v.problem(Problem{Seq: seq, ID: id, Reason: "its payload was replaced but the chain has no record of a pseudonymisation of it"})
	}
	last := v.expect - 1
	if head.Seq != last || (last > 0 && !bytes.Equal(head.Hash, v.running)) {
		v.problem(Problem{Seq: last + 1, Reason: fmt.Sprintf("the chain ends at seq %d but its head says seq %d: rows at the end were removed or the head was changed", last, head.Seq)})
	}
	if v.anchorMax > last {
		a := v.anchors[v.anchorMax]
		v.report.AnchorsChecked++
		v.problem(Problem{Seq: last + 1, Reason: fmt.Sprintf("the chain ends at seq %d but the anchor %s (%s) names a later row: rows at the end were removed", last, a, a.Source)})
	}
	sortProblems(v.report.Problems)
	return v.report
}

func sortProblems(ps []Problem) {
	// Rows outside the chain (seq 0) come after every chained row.
	key := func(p Problem) int64 {
		if p.Seq == 0 {
			return math.MaxInt64
		}
		return p.Seq
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return cmp.Compare(key(a), key(b)) })
}
