package natsx

import "strings"

// RedactURL hides the credentials in a NATS URL, or a comma-separated list
// of them, before it is printed or wrapped into an error:
// nats://u:secret@host:4222 becomes nats://u:***@host:4222 and a token
// (nats://token@host) becomes ***. Text without credentials is unchanged.
func RedactURL(u string) string {
	parts := strings.Split(u, ",")
	for i, p := range parts {
		parts[i] = redactOne(p)
	}
	return strings.Join(parts, ",")
}

func redactOne(u string) string {
	start := 0
	if i := strings.Index(u, "://"); i >= 0 {
		start = i + 3
	}
	end := len(u)
	if i := strings.IndexAny(u[start:], "/?#"); i >= 0 {
		end = start + i
	}
	at := strings.LastIndex(u[start:end], "@")
	if at < 0 {
		return u
	}
	info := u[start : start+at]
	hidden := "***"
	if user, _, ok := strings.Cut(info, ":"); ok {
		hidden = user + ":***"
	}
	return u[:start] + hidden + u[start+at:]
}
