// Package portal is the domain of IT-portalen: its vocabulary, states, rules
// and who-may-do-what predicates. It imports only the standard library.
package portal

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the edge that maps it to a status code.
type Kind int

// The error kinds. The zero value is an internal error.
const (
	KindInternal    Kind = iota
	KindNotFound         // the object does not exist or the actor may not see it
	KindForbidden        // the actor sees the object but may not do this
	KindConflict         // the object changed, or the action was already taken
	KindInvalid          // the input breaks a rule; Fields says which
	KindUnavailable      // a dependency (the database) is unreachable for now
)

// Error is a domain error with a kind and a Swedish message for the user.
type Error struct {
	Kind    Kind
	Message string            // Swedish, safe to show
	Fields  map[string]string // field name → Swedish message, for KindInvalid
	Err     error             // the underlying cause, never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// NotFound reports a missing (or invisible) object.
func NotFound(msg string) error { return &Error{Kind: KindNotFound, Message: msg} }

// Forbidden reports an action the actor may not take.
func Forbidden(msg string) error { return &Error{Kind: KindForbidden, Message: msg} }

// Conflict reports an action that collides with another change.
func Conflict(msg string) error { return &Error{Kind: KindConflict, Message: msg} }

// Invalid reports input that breaks a rule, with per-field messages.
func Invalid(msg string, fields map[string]string) error {
	return &Error{Kind: KindInvalid, Message: msg, Fields: fields}
}

// Unavailable wraps a failure of a dependency that is expected to recover.
func Unavailable(err error) error {
	return &Error{Kind: KindUnavailable, Message: "Tjänsten är tillfälligt otillgänglig.", Err: err}
}

// KindOf returns the kind of err, KindInternal when it carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// MessageOf returns the user-facing message of err, or "" when it has none.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
