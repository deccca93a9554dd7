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

// EffectiveGrant returns what a plugin may do: the intersection of what its
// manifest asks and what the operator grants (config plugins.enabled.NAME.grants).
// Nil operator grants grant everything the manifest asks.
func EffectiveGrant(m *Manifest, operator map[string]any) (Grant, error) {
	if operator == nil {
		return m.Capabilities, nil
	}
	b, err := json.Marshal(operator)
	if err != nil {
		return Grant{}, fmt.Errorf("plugin %s: operator grants: %w", m.Name, err)
	}
	var g Grant
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return Grant{}, &ManifestError{Plugin: m.Name, Field: "operator grants", Reason: err.Error()}
	}
	if err := validateGrant(&g); err != nil {
		return Grant{}, &ManifestError{Plugin: m.Name, Field: "operator grants", Reason: err.Error()}
	}
	return hostfuncs.Intersect(m.Capabilities, g), nil
}
