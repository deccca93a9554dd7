package drive

// Optional features. A Drive may implement optional interfaces beyond Drive
// (TrashManager, ShareManager); callers find them with a type assertion. A
// decorator (a type embedding the Drive it wraps to add behaviour, such as
// publishing change events) would hide them, since embedding an interface
// promotes only that interface's methods, or claim them when the wrapped
// drive has none. Wrap builds the decorator's public face so it implements
// exactly the optional interfaces of what it wraps, as rclone's
// Features.Fill/Mask/WrapsFs do for its wrapping backends.

// Wrapper is implemented by a drive that decorates another.
type Wrapper interface {
	// Unwrap returns the wrapped drive.
	Unwrap() Drive
}

// Features are the optional interfaces a drive implements; nil means not.
type Features struct {
	Trash TrashManager
	Share ShareManager
}

// FeaturesOf reports the optional interfaces d implements.
func FeaturesOf(d Drive) Features {
	var f Features
	f.Trash, _ = d.(TrashManager)
	f.Share, _ = d.(ShareManager)
	return f
}

// Names lists the optional interfaces present, for messages and tests.
func (f Features) Names() []string {
	var n []string
	if f.Trash != nil {
		n = append(n, "TrashManager")
	}
	if f.Share != nil {
		n = append(n, "ShareManager")
	}
	return n
}

// Wrap returns outer, a decorator of inner, as a Drive that implements
// exactly the optional interfaces inner implements, and Wrapper (Unwrap
// returns inner). Drive methods go to outer. An optional method goes to
// outer when outer implements that interface itself (a decorator that
// intercepts Restore, say), else straight to inner. An optional interface
// inner lacks is absent from the result even when outer has it.
//
// Adding an optional interface to this package means adding it to
// Features and to the combinations below; TestWrapKeepsFeatures checks
// every combination.
func Wrap(outer, inner Drive) Drive {
	in, out := FeaturesOf(inner), FeaturesOf(outer)
	if out.Trash != nil && in.Trash != nil {
		in.Trash = out.Trash
	}
	if out.Share != nil && in.Share != nil {
		in.Share = out.Share
	}
	b := base{Drive: outer, inner: inner}
	switch {
	case in.Trash != nil && in.Share != nil:
		return &struct {
			base
			TrashManager
			ShareManager
		}{b, in.Trash, in.Share}
	case in.Trash != nil:
		return &struct {
			base
			TrashManager
		}{b, in.Trash}
	case in.Share != nil:
		return &struct {
			base
			ShareManager
		}{b, in.Share}
	default:
		return &b
	}
}

// base is a wrapped drive without optional features.
type base struct {
	Drive
	inner Drive
}

// Unwrap returns the wrapped drive.
func (b *base) Unwrap() Drive { return b.inner }
