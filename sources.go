// Package wasmdrive carries the sources of the built-in plugins inside the
// binary, so that one installed with `go install` (away from any checkout)
// can build them with nothing but the Go toolchain. Package runner unpacks
// them into the build cache when no checkout is at hand.
//
// go:embed cannot reach parent folders, which is why this package sits at
// the module root. Only what the plugins' builds read is embedded: the
// plugin packages and their manifests, the packages they share under
// plugins/internal, the sdk, and the module's go.mod and go.sum.
package wasmdrive

import "embed"

// BuiltinSources is a copy of the module tree reduced to what building the
// built-in plugins (backup, archive, cleanup) needs, with its paths as in
// the repository (go.mod, sdk/..., plugins/backup/...). Test files come
// along (embed patterns cannot exclude them); unpacking skips them.
//
//go:embed go.mod go.sum
//go:embed sdk/*.go sdk/abi/*.go
//go:embed plugins/backup/*.go plugins/backup/plugin.yaml
//go:embed plugins/archive/*.go plugins/archive/plugin.yaml
//go:embed plugins/cleanup/*.go plugins/cleanup/plugin.yaml
//go:embed plugins/internal/*/*.go
var BuiltinSources embed.FS
