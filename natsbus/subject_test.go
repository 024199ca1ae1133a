package natsbus

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidPrefix(t *testing.T) {
	for _, p := range []string{"querybus", "a.b", "my-app.events"} {
		assert.True(t, validPrefix(p), p)
	}
	for _, p := range []string{"", ".", "a.", ".a", "a..b", "a.*", "a.>", "a b"} {
		assert.False(t, validPrefix(p), p)
	}
}
