package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

// callFlags are the flags shared by the commands that call a plugin entry
// (run, trigger): --entry and --input.
type callFlags struct {
	entry, input *string
}

func addCallFlags(fs *flag.FlagSet) *callFlags {
	return &callFlags{
		entry: fs.String("entry", "", "entry point (default: the manifest's entry)"),
		input: fs.String("input", "", "input JSON (- reads stdin)"),
	}
}

// parse parses args (flags anywhere) and returns the one plugin argument
// and the decoded --input (nil when not given).
func (c *callFlags) parse(fs *flag.FlagSet, args []string) (string, json.RawMessage, error) {
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return "", nil, err
	}
	if len(rest) != 1 {
		return "", nil, errUsage
	}
	var in json.RawMessage
	if *c.input != "" {
		if in, err = decodeJSONArg(*c.input, os.Stdin); err != nil {
			return "", nil, fmt.Errorf("--input: %w", err)
		}
	}
	return rest[0], in, nil
}
