package termesc

import "testing"

func TestString(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "report.txt", "report.txt"},
		{"unicode", "报告 ünï 🎉.txt", "报告 ünï 🎉.txt"},
		{"empty", "", ""},
		{"backslash kept", `a\b`, `a\b`},
		{"osc title", "a\x1b]0;pwned\x07b", `a\x1b]0;pwned\ab`},
		{"csi colour", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"carriage return", "ok.txt\rrun succeeded", `ok.txt\rrun succeeded`},
		{"newline forges a line", "a\nb.txt 1234", `a\nb.txt 1234`},
		{"tab", "a\tb", `a\tb`},
		{"nul and del", "a\x00b\x7f", `a\x00b\x7f`},
		{"c1 csi", "a\u009b31m", `a\u009b31m`},
		{"bidi override", "cod\u202egnp.exe", `cod\u202egnp.exe`},
		{"bidi isolate", "\u2066x\u2069", `\u2066x\u2069`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"invalid utf-8", "a\xff\xfeb", `a\xff\xfeb`},
		{"zero width joiner kept", "👩\u200d💻", "👩\u200d💻"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := String(tc.in); got != tc.want {
				t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestStrings(t *testing.T) {
	in := []string{"a", "b\r"}
	got := Strings(in)
	if got[0] != "a" || got[1] != `b\r` || in[1] != "b\r" {
		t.Fatalf("Strings = %q (input %q)", got, in)
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"build failed:\n\tmain.go:3: x", "build failed:\n\tmain.go:3: x"},
		{"a\r\nb\x1b[2J", `a\r` + "\n" + `b\x1b[2J`},
		{"plain", "plain"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
