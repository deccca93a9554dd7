package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

func init() {
	register(&command{name: "version", usage: "", summary: "print the version and build information (--json for a script)", run: runVersion})
}

// buildVersion is what `wasmdrive version` prints.
type buildVersion struct {
	Module    string `json:"module"`
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"`
	Time      string `json:"time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go"`
}

// readVersion reads the module version and the VCS stamp from the build.
func readVersion() buildVersion {
	v := buildVersion{Module: "github.com/wasmdrive/wasmdrive", Version: "(devel)"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.GoVersion = bi.GoVersion
	if bi.Main.Path != "" {
		v.Module = bi.Main.Path
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func runVersion(_ context.Context, env *cliEnv, args []string) error {
	if len(args) != 0 {
		return errUsage
	}
	v := readVersion()
	if env.JSON {
		return writeJSON(env.Stdout, v)
	}
	fmt.Fprintf(env.Stdout, "wasmdrive %s (%s)\n", v.Version, v.Module)
	if v.Revision != "" {
		mod := ""
		if v.Modified {
			mod = ", modified"
		}
		fmt.Fprintf(env.Stdout, "revision %s %s%s\n", v.Revision, v.Time, mod)
	}
	fmt.Fprintf(env.Stdout, "built with %s\n", v.GoVersion)
	return nil
}
