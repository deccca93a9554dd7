package local

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/drive/openapi"
)

// validateName checks a file or folder name: non-empty, valid UTF-8, at most
// openapi.MaxNameBytes bytes, no '/' or NUL, and not "." or "..".
func validateName(name string) error {
	switch {
	case name == "":
		return invalidName("the name is empty")
	case len(name) > openapi.MaxNameBytes:
		return invalidName("the name is %d bytes long; the limit is %d", len(name), openapi.MaxNameBytes)
	case name == "." || name == "..":
		return invalidName("%q is not a valid name", name)
	case strings.ContainsAny(name, "/\x00"):
		return invalidName("the name %q contains '/' or NUL", name)
	case !utf8.ValidString(name):
		return invalidName("the name is not valid UTF-8")
	}
	return nil
}

func invalidName(format string, args ...any) *drive.Error {
	return &drive.Error{Status: 400, Code: drive.CodeInvalidName, Message: fmt.Sprintf(format, args...)}
}

// autoRename returns the n-th alternative of name: "a.txt" -> "a(1).txt",
// "a(2).txt", ...; "archive.tar.gz" -> "archive.tar(1).gz"; a name without
// extension (or a folder) gets the suffix at the end: "photos(1)".
func autoRename(name string, isFolder bool, n int) string {
	ext := ""
	if !isFolder {
		ext = path.Ext(name)
		if ext == name {
			ext = ""
		}
	}
	return fmt.Sprintf("%s(%d)%s", strings.TrimSuffix(name, ext), n, ext)
}

// extension is the lower-case file extension without the dot ("" for none).
func extension(name string) string {
	e := path.Ext(name)
	if e == name || e == "" {
		return ""
	}
	return strings.ToLower(e[1:])
}

// categories maps file extensions to the Open API's categories.
var categories = map[string]string{}

func init() {
	for cat, exts := range map[string]string{
		"image": "jpg jpeg png gif bmp webp heic heif tif tiff svg ico raw cr2 nef arw dng livp",
		"video": "mp4 mkv avi mov wmv flv webm m4v mpg mpeg 3gp ts rmvb rm",
		"audio": "mp3 flac wav aac ogg m4a wma ape opus",
		"doc":   "txt md pdf doc docx xls xlsx ppt pptx csv rtf odt ods odp epub json xml html htm yaml yml log",
		"zip":   "zip rar 7z tar gz tgz bz2 xz zst",
		"app":   "exe apk dmg msi deb rpm ipa wasm",
	} {
		for _, e := range strings.Fields(exts) {
			categories[e] = cat
		}
	}
}

// category is the Open API category of a file name.
func category(name string) string {
	if c, ok := categories[extension(name)]; ok {
		return c
	}
	return "others"
}

// newID returns a new file, upload or share id: 16 hex digits of time
// followed by 16 random hex digits, so ids sort roughly by creation.
func newID() string {
	var b [16]byte
	now := uint64(time.Now().UnixNano())
	for i := 7; i >= 0; i-- {
		b[i] = byte(now)
		now >>= 8
	}
	if _, err := rand.Read(b[8:]); err != nil {
		panic("local drive: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// randomToken returns n random bytes in hex.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("local drive: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// splitPath turns "/a/b/" into ["a","b"]; "/" gives none.
func splitPath(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, drive.Invalid("path %q is not absolute: it must start with '/'", p)
	}
	var parts []string
	for _, s := range strings.Split(p, "/") {
		if s == "" {
			continue
		}
		if err := validateName(s); err != nil {
			return nil, err
		}
		parts = append(parts, s)
	}
	return parts, nil
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
