package natsbus

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ensureStream returns the JetStream stream of cfg, creating it over
// <prefix>.> with file storage if it does not exist.
func ensureStream(ctx context.Context, nc *nats.Conn, cfg *config) (jetstream.JetStream, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("natsbus: JetStream: %w", err)
	}
	_, err = js.Stream(ctx, cfg.stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name:     cfg.stream,
			Subjects: []string{cfg.prefix + ".>"},
			Storage:  jetstream.FileStorage,
		})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			err = nil // made meanwhile by another bridge
		}
	}
	if err != nil {
		return nil, fmt.Errorf("natsbus: JetStream stream %q: %w", cfg.stream, err)
	}
	return js, nil
}
