package hostfuncs

import (
	"path"
	"path/filepath"
	"slices"
)

// Intersect returns the capabilities both asked and granted allow: the
// effective grant of a plugin whose manifest asks for asked under an
// operator grant granted. Prefix lists keep, for each pair, the deeper of
// two nested prefixes (asking "/" under a grant of "/backup" yields
// "/backup"); subject patterns intersect token by token.
func Intersect(asked, granted Grant) Grant {
	return Grant{
		Functions: intersectFunctions(asked.Functions, granted.Functions),
		Drive: DriveGrant{
			Read:   intersectPrefixes(asked.Drive.Read, granted.Drive.Read, drivePathClean),
			Write:  intersectPrefixes(asked.Drive.Write, granted.Drive.Write, drivePathClean),
			Delete: intersectPrefixes(asked.Drive.Delete, granted.Drive.Delete, drivePathClean),
			Share:  intersectPrefixes(asked.Drive.Share, granted.Drive.Share, drivePathClean),
		},
		Local: LocalGrant{
			Read:  intersectPrefixes(asked.Local.Read, granted.Local.Read, localPathClean),
			Write: intersectPrefixes(asked.Local.Write, granted.Local.Write, localPathClean),
		},
		Emit: intersectPatterns(asked.Emit, granted.Emit),
	}
}

func intersectFunctions(asked, granted []string) []string {
	g := Grant{Functions: granted}
	var out []string
	for _, e := range asked {
		m := members(e)
		all := true
		for _, fn := range m {
			if !g.AllowsFunction(fn) {
				all = false
				break
			}
		}
		if all {
			out = appendUnique(out, e)
			continue
		}
		for _, fn := range m {
			if g.AllowsFunction(fn) && !slices.Contains(core, fn) {
				out = appendUnique(out, fn)
			}
		}
	}
	// An asked name may be covered by a granted group and vice versa; the
	// loop above handled asked ⊆ granted. Granted names inside an asked group
	// were added through members. Nothing else can be in both.
	return out
}

type cleaner func(string) (string, bool)

func drivePathClean(p string) (string, bool) {
	c, err := CleanDrivePath(p)
	return c, err == nil
}

func localPathClean(p string) (string, bool) {
	if !filepath.IsAbs(p) {
		return "", false
	}
	return filepath.Clean(p), true
}

func intersectPrefixes(asked, granted []string, clean cleaner) []string {
	var out []string
	for _, a := range asked {
		ca, ok := clean(a)
		if !ok {
			continue
		}
		for _, g := range granted {
			cg, ok := clean(g)
			if !ok {
				continue
			}
			switch {
			case within(ca, cg):
				out = appendUnique(out, ca)
			case within(cg, ca):
				out = appendUnique(out, cg)
			}
		}
	}
	return out
}

// within compares clean absolute paths of either kind.
func within(p, root string) bool {
	if filepath.Separator != '/' {
		return localWithin(p, root)
	}
	return pathWithin(path.Clean(p), root)
}

func intersectPatterns(asked, granted []string) []string {
	var out []string
	for _, a := range asked {
		if validSubject(a, true) != nil {
			continue
		}
		for _, g := range granted {
			if validSubject(g, true) != nil {
				continue
			}
			if p, ok := intersectSubjects(a, g); ok {
				out = appendUnique(out, p)
			}
		}
	}
	return out
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
