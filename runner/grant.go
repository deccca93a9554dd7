package runner

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wasmdrive/wasmdrive/hostfuncs"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// Grant is a capability set (see hostfuncs.Grant).
type Grant = hostfuncs.Grant

// functionGroups are the group names a Grant's Functions may hold besides
// host function names.
var functionGroups = []string{"*", "drive", "drive.read", "drive.write", "drive.delete", "drive.share", "drive.request", "local", "kv", "emit"}

// validateGrant checks the shape of a grant: known function names and
// groups, absolute clean drive and local paths, valid subject patterns.
func validateGrant(g *Grant) error {
	var errs []string
	for _, f := range g.Functions {
		if !slices.Contains(functionGroups, f) && !slices.Contains(abi.Functions, f) {
			errs = append(errs, fmt.Sprintf("functions: %q is not a host function or group (groups: %s)", f, strings.Join(functionGroups, ", ")))
		}
	}
	for op, ps := range map[string][]string{"read": g.Drive.Read, "write": g.Drive.Write, "delete": g.Drive.Delete, "share": g.Drive.Share} {
		for _, p := range ps {
			if _, err := hostfuncs.CleanDrivePath(p); err != nil {
				errs = append(errs, fmt.Sprintf("drive.%s: %v", op, err))
			}
		}
	}
	for op, ps := range map[string][]string{"read": g.Local.Read, "write": g.Local.Write} {
		for _, p := range ps {
			if !filepath.IsAbs(p) {
				errs = append(errs, fmt.Sprintf("local.%s: %q must be an absolute path", op, p))
			}
		}
	}
	for _, s := range g.Emit {
		if err := ValidSubject(s); err != nil {
			errs = append(errs, "emit: "+err.Error())
		}
	}
	if len(errs) > 0 {
		slices.Sort(errs)
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// EffectiveGrant returns what a plugin may do, from what its manifest
// declares (capabilities) and the operator's plugins.enabled.NAME.grants.
// The rule (README, "Grants"):
//   - nil operator grants: the manifest's grant as declared;
//   - each section the operator leaves out (functions, drive.read,
//     drive.write, drive.delete, drive.share, local.read, local.write,
//     emit) keeps what the manifest declares;
//   - each section the operator sets narrows the manifest's to what both
//     allow (paths within each other's prefixes, subject patterns both
//     match, functions in both); an empty list takes that section away;
//   - the kv functions (the plugin's own state) and the core functions
//     (log, progress, config, now, sleep, run info) stay when declared;
//   - grants.extend, a grant of the same shape, is added after narrowing:
//     the only way to give a plugin more than it declares.
func EffectiveGrant(m *Manifest, operator map[string]any) (Grant, error) {
	if operator == nil {
		return m.Capabilities, nil
	}
	narrow := make(map[string]any, len(operator))
	for k, v := range operator {
		if k != "extend" {
			narrow[k] = v
		}
	}
	g, err := decodeGrant(m, narrow, "plugins.enabled."+m.Name+".grants")
	if err != nil {
		return Grant{}, err
	}
	asked := m.Capabilities
	keep := func(set bool, dst *[]string, declared []string) {
		if !set {
			*dst = declared
		}
	}
	drive, _ := narrow["drive"].(map[string]any)
	local, _ := narrow["local"].(map[string]any)
	has := func(m map[string]any, k string) bool { _, ok := m[k]; return ok }
	keep(has(narrow, "functions"), &g.Functions, asked.Functions)
	keep(has(drive, "read"), &g.Drive.Read, asked.Drive.Read)
	keep(has(drive, "write"), &g.Drive.Write, asked.Drive.Write)
	keep(has(drive, "delete"), &g.Drive.Delete, asked.Drive.Delete)
	keep(has(drive, "share"), &g.Drive.Share, asked.Drive.Share)
	keep(has(local, "read"), &g.Local.Read, asked.Local.Read)
	keep(has(local, "write"), &g.Local.Write, asked.Local.Write)
	keep(has(narrow, "emit"), &g.Emit, asked.Emit)
	out := hostfuncs.Intersect(asked, g)
	for _, fn := range []string{abi.FnKVGet, abi.FnKVPut, abi.FnKVDelete, abi.FnKVList} {
		if asked.AllowsFunction(fn) && !out.AllowsFunction(fn) {
			out.Functions = append(out.Functions, fn)
		}
	}
	if ext, ok := operator["extend"]; ok {
		em, isMap := ext.(map[string]any)
		if !isMap {
			return Grant{}, &ManifestError{Plugin: m.Name, Field: "plugins.enabled." + m.Name + ".grants.extend", Reason: "must be a grant (functions, drive, local, emit)"}
		}
		e, err := decodeGrant(m, em, "plugins.enabled."+m.Name+".grants.extend")
		if err != nil {
			return Grant{}, err
		}
		out = union(out, e)
	}
	return out, nil
}

// decodeGrant decodes and validates one operator grant; field names it in errors.
func decodeGrant(m *Manifest, raw map[string]any, field string) (Grant, error) {
	b, err := json.Marshal(raw)
	if err != nil {
		return Grant{}, fmt.Errorf("plugin %s: %s: %w", m.Name, field, err)
	}
	var g Grant
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return Grant{}, &ManifestError{Plugin: m.Name, Field: field, Reason: err.Error()}
	}
	if err := validateGrant(&g); err != nil {
		return Grant{}, &ManifestError{Plugin: m.Name, Field: field, Reason: err.Error()}
	}
	return g, nil
}

// union adds b's functions, paths and subjects to a's.
func union(a, b Grant) Grant {
	add := func(dst []string, src []string) []string {
		for _, s := range src {
			if !slices.Contains(dst, s) {
				dst = append(dst, s)
			}
		}
		return dst
	}
	a.Functions = add(a.Functions, b.Functions)
	a.Drive.Read = add(a.Drive.Read, b.Drive.Read)
	a.Drive.Write = add(a.Drive.Write, b.Drive.Write)
	a.Drive.Delete = add(a.Drive.Delete, b.Drive.Delete)
	a.Drive.Share = add(a.Drive.Share, b.Drive.Share)
	a.Local.Read = add(a.Local.Read, b.Local.Read)
	a.Local.Write = add(a.Local.Write, b.Local.Write)
	a.Emit = add(a.Emit, b.Emit)
	return a
}
