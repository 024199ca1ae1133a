package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The program's claims, line by line: the indexer dropped during the burst
// ends with all 40 blocks, the dashboard with all 80 messages, each in
// order, and the archiver is told that 3 to 40 are gone and then receives
// the 100 the history holds.
func TestRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out strings.Builder
	require.NoError(t, run(&out))
	for _, line := range []string{
		"indexer: dropped: pubsub: subscription out of capacity",
		`level=WARN msg="pubsub: subscription cancelled: out of capacity" client=indexer`,
		"indexer: 40 blocks, 0 out of order, Err <nil>",
		"dashboard: 80 messages, 0 out of order, last seq 80, Err <nil>",
		"archiver: pubsub: history truncated: resume after 2, but the history holds 41 to 140",
		"archiver: messages 3 to 40 are lost; accepting that, resuming after 40",
		"archiver: 100 messages, seq 41 to 140, Err <nil>",
	} {
		assert.Contains(t, out.String(), line)
	}
}
