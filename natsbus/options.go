package natsbus

import (
	"fmt"
	"log/slog"
)

// Option configures an Exporter or an Importer. Both sides of a bridge
// must agree on the prefix, the routing key and the codec.
type Option func(*config)

type config struct {
	prefix     string
	routingKey string
	codec      Codec
	logger     *slog.Logger
	capacity   int
}

func newConfig(opts []Option) (*config, error) {
	c := &config{prefix: "querybus", routingKey: "tm.event", codec: JSON[any](), capacity: 1024}
	for _, o := range opts {
		o(c)
	}
	if !validPrefix(c.prefix) {
		return nil, fmt.Errorf("natsbus: invalid subject prefix %q: non-empty tokens separated by dots, no wildcard or white space", c.prefix)
	}
	if c.codec == nil {
		return nil, fmt.Errorf("natsbus: nil codec")
	}
	if c.capacity < 1 {
		return nil, fmt.Errorf("natsbus: capacity %d: must be at least 1", c.capacity)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c, nil
}

// Prefix sets the subjects' prefix (default "querybus"): messages travel on
// <prefix>.<token>.
func Prefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// RoutingKey sets the event key whose value chooses a message's subject
// (default "tm.event").
func RoutingKey(key string) Option { return func(c *config) { c.routingKey = key } }

// WithCodec sets the codec of the messages' data. The default is JSON[any]:
// JSON that arrives as what encoding/json makes of it (map[string]any,
// float64, ...); give JSON[T] for data of one type T, or a Registry for
// several.
func WithCodec(codec Codec) Option { return func(c *config) { c.codec = codec } }

// Logger sets where the bridge logs what it counts as lost or refused
// (default slog.Default()).
func Logger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// Capacity sets the capacity of an Exporter's subscription to its bus
// (default 1024). When it is full the exporter falls behind in the bus's
// history, if the bus has one (pubsub.History), and otherwise loses
// messages, which it counts and logs (ExportStats.Gaps).
func Capacity(n int) Option { return func(c *config) { c.capacity = n } }
