// Package conformance replays the requests of public Open API clients
// against the embedded drive (drive/local), each test naming the client
// file whose request shapes it follows. It has no code outside its tests.
//
// The suite was meant to drive github.com/tickstep/aliyunpan-api itself;
// the Go module proxy does not serve that module ("This module version is
// not available"), so the tests send byte-for-byte the bodies its
// aliyunpan_open/openapi/*.go build (every struct field, zero values
// included, since it marshals whole structs) and read the answers into
// the same field names. alist_test.go replays alist's aliyundrive_open
// driver and opendal_test.go OpenDAL's aliyun_drive service the same way
// (wire_test.go sends hand-built bodies and headers byte for byte).
package conformance
