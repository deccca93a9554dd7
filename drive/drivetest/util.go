package drivetest

import (
	"bytes"
	"io"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func readAll(rc io.ReadCloser) ([]byte, error) {
	defer rc.Close()
	return io.ReadAll(rc)
}
