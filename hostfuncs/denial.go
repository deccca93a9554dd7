package hostfuncs

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
)

// Every refusal of a plugin's call is audited. The mutating handlers write
// their own record (allowed or not); invoke writes one for any other call
// refused with a *PermissionError, unless the handler already did.

type auditMarkKey struct{}

// auditMark records that a call wrote its audit record.
type auditMark struct{ done atomic.Bool }

// withAuditMark returns ctx carrying a fresh mark for one call.
func withAuditMark(ctx context.Context) (context.Context, *auditMark) {
	m := &auditMark{}
	return context.WithValue(ctx, auditMarkKey{}, m), m
}

// markAudited notes that the call of ctx has been audited.
func markAudited(ctx context.Context) {
	if m, ok := ctx.Value(auditMarkKey{}).(*auditMark); ok {
		m.done.Store(true)
	}
}

// auditDenial writes the record of host function fn refused with err (a
// *PermissionError): what was asked (path, subject, file id) and the
// capability that is missing.
func (e *Env) auditDenial(ctx context.Context, fn string, err error) {
	rec := AuditRecord{Op: fn}
	var pe *PermissionError
	if errors.As(err, &pe) {
		_, what, _ := strings.Cut(pe.Capability, ":")
		switch {
		case pe.Path != "":
			rec.Paths, rec.FileIDs = []string{pe.Path}, nonEmpty(what)
		case strings.HasPrefix(what, "/"):
			rec.Paths = []string{what}
		case strings.HasPrefix(pe.Capability, "drive."):
			rec.FileIDs = nonEmpty(what)
		default:
			rec.Target = what // a subject, a function, a share
		}
	}
	e.audit(ctx, rec, err)
}
