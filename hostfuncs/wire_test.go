package hostfuncs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wasmdrive/wasmdrive/drive"
	"github.com/wasmdrive/wasmdrive/sdk/abi"
)

// The wire types: sdk/abi (a leaf package plugins compile) mirrors the
// drive types by JSON shape. These tests keep the two in agreement: every
// field of a drive type that crosses the plugin boundary has an abi field
// of the same JSON name and a compatible kind, and a fully populated value
// survives the host's real conversion (so a new field that is not
// converted, or a renamed tag, fails here).

// wirePair is a host-side type and the abi type plugins see for it.
type wirePair struct {
	name       string
	host, wire reflect.Type
	// hidden are the JSON names of host fields deliberately not exposed to
	// plugins, each with the reason.
	hidden map[string]string
	// elsewhere are the JSON names of fields both types have that the
	// pair's conversion leaves to its caller, each with the reason: they
	// are checked for agreement but not in the round trip.
	elsewhere map[string]string
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

var wirePairs = []wirePair{
	{name: "File", host: typeOf[drive.File](), wire: typeOf[abi.File]()},
	{name: "DriveInfo", host: typeOf[drive.DriveInfo](), wire: typeOf[abi.DriveInfo]()},
	{name: "SpaceInfo", host: typeOf[drive.SpaceInfo](), wire: typeOf[abi.SpaceInfo]()},
	{name: "ListResult", host: typeOf[drive.ListResult](), wire: typeOf[abi.ListResult]()},
	{name: "CreateResult", host: typeOf[drive.CreateResult](), wire: typeOf[abi.CreateResult]()},
	{name: "MoveResult", host: typeOf[drive.MoveResult](), wire: typeOf[abi.MoveResult]()},
	{name: "UploadResult", host: typeOf[drive.UploadResult](), wire: typeOf[abi.UploadResult]()},
	{name: "DownloadURL", host: typeOf[drive.DownloadURL](), wire: typeOf[abi.DownloadURL]()},
	{name: "Share", host: typeOf[drive.Share](), wire: typeOf[abi.Share]()},
	{name: "ShareList", host: typeOf[drive.ShareList](), wire: typeOf[abi.ShareList]()},
	{name: "ShareRequest", host: typeOf[drive.ShareRequest](), wire: typeOf[abi.ShareRequest]()},
	{name: "Error/DriveError", host: typeOf[drive.Error](), wire: typeOf[abi.DriveError]()},
	{name: "BatchRequest/BatchItem", host: typeOf[drive.BatchRequest](), wire: typeOf[abi.BatchItem]()},
	{name: "BatchResult/BatchItemResult", host: typeOf[drive.BatchResult](), wire: typeOf[abi.BatchItemResult](),
		elsewhere: map[string]string{"id": "driveBatch answers the item's id from the request (the plugin's id or its index), not the drive's echo"}},
	{name: "ListOptions/ListRequest", host: typeOf[drive.ListOptions](), wire: typeOf[abi.ListRequest]()},
	{name: "SearchOptions/SearchRequest", host: typeOf[drive.SearchOptions](), wire: typeOf[abi.SearchRequest]()},
	{name: "UploadRequest", host: typeOf[drive.UploadRequest](), wire: typeOf[abi.UploadRequest](),
		hidden: map[string]string{
			"size":              "the host takes it from the local file (stat)",
			"resume":            "the host keeps upload sessions itself, under the plugin's resume_key",
			"local_modified_at": "the host takes it from the local file's mtime",
		},
		elsewhere: map[string]string{
			"parent_file_id": "uploadOne resolves it from parent_file_id or parent_path (parentCache)",
			"name":           "uploadOne defaults it to the local file's base name",
		}},
	{name: "UploadResult/UploadItemResult", host: typeOf[drive.UploadResult](), wire: typeOf[abi.UploadItemResult]()},
	{name: "uploadItemResult/UploadItemResult", host: typeOf[uploadItemResult](), wire: typeOf[abi.UploadItemResult]()},
}

// jsonFields returns t's fields by JSON name, without those encoding/json
// skips.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// compatible reports why a host field's type does not decode into the wire
// field's type ("" when it does).
func compatible(host, wire reflect.Type) string {
	if host == wire {
		return ""
	}
	if host.Kind() != wire.Kind() {
		return fmt.Sprintf("kind %s vs %s", host, wire)
	}
	switch host.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return compatible(host.Elem(), wire.Elem())
	case reflect.Map:
		if why := compatible(host.Key(), wire.Key()); why != "" {
			return why
		}
		return compatible(host.Elem(), wire.Elem())
	case reflect.Struct:
		if host == timeType || wire == timeType {
			return fmt.Sprintf("%s vs %s", host, wire)
		}
		return disagreement(host, wire, nil)
	}
	return ""
}

// disagreement lists the host fields of host that wire lacks or types
// differently ("" when they agree).
func disagreement(host, wire reflect.Type, hidden map[string]string) string {
	hf, wf := jsonFields(host), jsonFields(wire)
	var why []string
	for name, f := range hf {
		if _, ok := hidden[name]; ok {
			continue
		}
		w, ok := wf[name]
		if !ok {
			why = append(why, fmt.Sprintf("%s.%s (json %q) has no counterpart in %s", host, f.Name, name, wire))
			continue
		}
		if d := compatible(f.Type, w.Type); d != "" {
			why = append(why, fmt.Sprintf("%s.%s (json %q): %s", host, f.Name, name, d))
		}
	}
	return strings.Join(why, "; ")
}

// TestWireTypesAgree checks, for each pair, that every host field that
// crosses the boundary has an abi field with the same JSON name and a
// compatible type, and that the allowlist of hidden fields is not stale.
func TestWireTypesAgree(t *testing.T) {
	for _, p := range wirePairs {
		t.Run(p.name, func(t *testing.T) {
			if d := disagreement(p.host, p.wire, p.hidden); d != "" {
				t.Error(d)
			}
			hf, wf := jsonFields(p.host), jsonFields(p.wire)
			for name, reason := range p.elsewhere {
				if reason == "" {
					t.Errorf("elsewhere %q has no reason", name)
				}
				if _, ok := hf[name]; !ok {
					t.Errorf("elsewhere %q is not a field of %s: drop it from the list", name, p.host)
				}
			}
			for name, reason := range p.hidden {
				if reason == "" {
					t.Errorf("hidden %q has no reason", name)
				}
				if _, ok := hf[name]; !ok {
					t.Errorf("hidden %q is not a field of %s: drop it from the allowlist", name, p.host)
				}
				if _, ok := wf[name]; ok {
					t.Errorf("hidden %q is a field of %s: it crosses the boundary, drop it from the allowlist", name, p.wire)
				}
			}
		})
	}
}

// fill sets every exported field reachable from v to a distinct non-zero
// value (n counts up).
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fill(v.Index(i), n)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, n)
		fill(e, n)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(time.Unix(1_700_000_000+int64(*n), int64(*n)*1000+7).UTC()))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	}
}

// filled returns a T with every field set.
func filled[T any]() T {
	var x T
	n := 0
	fill(reflect.ValueOf(&x).Elem(), &n)
	return x
}

// asJSON is v's JSON form as generic values.
func asJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// sameWire checks that every crossing field of host (a value of p.host)
// reads the same in wire (a value of p.wire), by JSON name.
func sameWire(t *testing.T, p wirePair, host, wire any) {
	t.Helper()
	hm, wm := asJSON(t, host), asJSON(t, wire)
	for name := range jsonFields(p.host) {
		if _, ok := p.hidden[name]; ok {
			continue
		}
		if _, ok := p.elsewhere[name]; ok {
			continue
		}
		hv, ok := hm[name]
		if !ok {
			t.Errorf("%s: %q is zero on the host side: the conversion drops it (or the filled value lacks it)", p.name, name)
			continue
		}
		if !reflect.DeepEqual(hv, wm[name]) {
			t.Errorf("%s: %q is %v on the host but %v in the plugin's value: the conversion drops or changes it", p.name, name, hv, wm[name])
		}
	}
}

// viaEnvelope sends res as the host answers it (encodeEnvelope) and decodes
// the result as a plugin does into a new W.
func viaEnvelope[W any](t *testing.T, res any) *W {
	t.Helper()
	var buf bytes.Buffer
	encodeEnvelope(&buf, res, nil)
	var env abi.Envelope
	if err := json.Unmarshal(buf.Bytes(), &env); err != nil {
		t.Fatalf("envelope %s: %v", buf.Bytes(), err)
	}
	var w W
	if err := json.Unmarshal(env.Result, &w); err != nil {
		t.Fatalf("result %s: %v", env.Result, err)
	}
	return &w
}

func pairNamed(t *testing.T, name string) wirePair {
	for _, p := range wirePairs {
		if p.name == name {
			return p
		}
	}
	t.Fatalf("no wire pair %q", name)
	return wirePair{}
}

// roundTrip is one conversion of a filled value across the boundary.
type roundTrip struct {
	pair string
	// run converts a filled value and returns (host value, wire value).
	run func(t *testing.T) (host, wire any)
}

func resultTrip[H, W any](pair string) roundTrip {
	return roundTrip{pair, func(t *testing.T) (any, any) {
		h := filled[H]()
		return &h, viaEnvelope[W](t, &h)
	}}
}

var roundTrips = []roundTrip{
	// Results the host answers as JSON drive values.
	resultTrip[drive.File, abi.File]("File"),
	resultTrip[drive.DriveInfo, abi.DriveInfo]("DriveInfo"),
	resultTrip[drive.SpaceInfo, abi.SpaceInfo]("SpaceInfo"),
	resultTrip[drive.ListResult, abi.ListResult]("ListResult"),
	resultTrip[drive.CreateResult, abi.CreateResult]("CreateResult"),
	resultTrip[drive.MoveResult, abi.MoveResult]("MoveResult"),
	resultTrip[drive.UploadResult, abi.UploadResult]("UploadResult"),
	resultTrip[drive.DownloadURL, abi.DownloadURL]("DownloadURL"),
	resultTrip[drive.Share, abi.Share]("Share"),
	resultTrip[drive.ShareList, abi.ShareList]("ShareList"),
	// Binary answers (abi.CallBinary) of File and ListResult.
	{"File", func(t *testing.T) (any, any) {
		h := filled[drive.File]()
		b, ok := appendBinary(nil, &h)
		if !ok {
			t.Fatal("File has no binary answer")
		}
		var w abi.File
		if err := abi.DecodeFile(b, &w); err != nil {
			t.Fatal(err)
		}
		return &h, &w
	}},
	{"ListResult", func(t *testing.T) (any, any) {
		h := filled[drive.ListResult]()
		b, ok := appendBinary(nil, &h)
		if !ok {
			t.Fatal("ListResult has no binary answer")
		}
		var w abi.ListResult
		if err := abi.DecodeList(b, &w); err != nil {
			t.Fatal(err)
		}
		return &h, &w
	}},
	// A listing projected on every field (abi.ListRequest.Fields), as JSON
	// and as a binary answer.
	{"ListResult", func(t *testing.T) (any, any) {
		h := filled[drive.ListResult]()
		return &h, viaEnvelope[abi.ListResult](t, project(&h, allFileFields()))
	}},
	{"ListResult", func(t *testing.T) (any, any) {
		h := filled[drive.ListResult]()
		b, _ := appendBinary(nil, project(&h, allFileFields()))
		var w abi.ListResult
		if err := abi.DecodeList(b, &w); err != nil {
			t.Fatal(err)
		}
		return &h, &w
	}},
	// Results the host converts by hand.
	{"Error/DriveError", func(t *testing.T) (any, any) {
		h := filled[drive.Error]()
		return &h, viaEnvelope[abi.DriveError](t, driveError(&h))
	}},
	{"BatchResult/BatchItemResult", func(t *testing.T) (any, any) {
		h := filled[drive.BatchResult]()
		var w abi.BatchItemResult
		batchItemResult(&w, h)
		return &h, viaEnvelope[abi.BatchItemResult](t, &w)
	}},
	{"UploadResult/UploadItemResult", func(t *testing.T) (any, any) {
		h := filled[drive.UploadResult]()
		return &h, viaEnvelope[abi.UploadItemResult](t, uploadItem(&h))
	}},
	{"uploadItemResult/UploadItemResult", func(t *testing.T) (any, any) {
		h := filled[uploadItemResult]()
		return &h, viaEnvelope[abi.UploadItemResult](t, &h)
	}},
	// Requests: the plugin's value, converted by the host.
	{"ShareRequest", func(t *testing.T) (any, any) {
		w := filled[abi.ShareRequest]()
		h := shareRequest(w)
		return &h, &w
	}},
	{"BatchRequest/BatchItem", func(t *testing.T) (any, any) {
		w := filled[abi.BatchItem]()
		h := batchRequest(w.ID, w)
		return &h, &w
	}},
	{"UploadRequest", func(t *testing.T) (any, any) {
		w := filled[abi.UploadRequest]()
		st, err := os.Stat(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		h := uploadRequest(w, w.ParentFileID, w.Name, st)
		return &h, &w
	}},
	{"ListOptions/ListRequest", func(t *testing.T) (any, any) {
		w := filled[abi.ListRequest]()
		h := listOptions(w)
		return &h, &w
	}},
	{"SearchOptions/SearchRequest", func(t *testing.T) (any, any) {
		w := filled[abi.SearchRequest]()
		h := searchOptions(w)
		return &h, &w
	}},
}

// allFileFields is every File field name a projection knows.
func allFileFields() []string {
	var names []string
	for name := range fileFields {
		names = append(names, name)
	}
	return names
}

// TestWireRoundTrip sends fully populated values through the host's real
// conversions (the result envelope, binary answers, projections, and the
// hand-written request and result conversions) and checks that every
// crossing field arrives unchanged.
func TestWireRoundTrip(t *testing.T) {
	for i, rt := range roundTrips {
		t.Run(fmt.Sprintf("%d-%s", i, rt.pair), func(t *testing.T) {
			p := pairNamed(t, rt.pair)
			host, wire := rt.run(t)
			sameWire(t, p, host, wire)
		})
	}
}

// TestProjectionKnowsEveryFileField checks that a listing's Fields
// projection can select every File field plugins see.
func TestProjectionKnowsEveryFileField(t *testing.T) {
	for name := range jsonFields(typeOf[abi.File]()) {
		if _, ok := fileFields[name]; !ok {
			t.Errorf("projection has no %q: add it to fileFields (project.go)", name)
		}
	}
}
