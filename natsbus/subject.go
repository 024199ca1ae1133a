package natsbus

import "strings"

// validPrefix reports whether prefix can start a subject: non-empty tokens
// separated by dots, no wildcard, no white space.
func validPrefix(prefix string) bool {
	if prefix == "" {
		return false
	}
	for _, t := range strings.Split(prefix, ".") {
		if t == "" || strings.ContainsAny(t, "*> \t\r\n\f\v") {
			return false
		}
	}
	return true
}
