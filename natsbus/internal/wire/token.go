package wire

import "encoding/base64"

// Reserved is the subject token of messages without a routing value
// (no routing key, several values for it, or a value too long for a
// subject). No value encodes to it: an escaped value is "~" followed by
// base64url, which never contains '~'.
const Reserved = "~~"

// MaxTokenValue is the longest routing value that gets a token of its own
// (its escaped form is at most 4/3 of it, plus one byte): far below NATS's
// 4 KiB control line, with room for the prefix.
const MaxTokenValue = 512

// Token returns the subject token of a routing value: the value itself if it
// is made only of A-Z, a-z, 0-9, '_' and '-' (and is not empty), otherwise
// "~" and the value's base64url encoding without padding; Reserved if
// the value is longer than MaxTokenValue. The encoding is injective on the
// values it does not reserve: a plain token has no '~', an escaped one
// starts with it and base64url is injective.
func Token(value string) string {
	if len(value) > MaxTokenValue {
		return Reserved
	}
	if plain(value) {
		return value
	}
	return "~" + base64.RawURLEncoding.EncodeToString([]byte(value))
}

func plain(value string) bool {
	if value == "" {
		return false
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// RoutingToken returns the token of the subject a message with events
// travels on, for routing key key: the token of its one value, or
// Reserved.
func RoutingToken(events map[string][]string, key string) string {
	vals := events[key]
	if len(vals) != 1 {
		return Reserved
	}
	return Token(vals[0])
}
