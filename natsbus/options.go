package natsbus

import (
	"fmt"
	"log/slog"
	"time"
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
	stream     string // JetStream mode
	durable    string
	ackWait    time.Duration
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

// JetStream makes the bridge go through the JetStream stream of that name,
// over the subjects <prefix>.>: created (file storage) if it does not exist.
// An exporter then publishes each message with a Nats-Msg-Id of its origin
// and sequence number (so that the stream stores it once however often it
// is sent) and retries until the stream has it; an importer reads it
// through a durable consumer (Durable), acknowledging each message once it
// is in its bus. Without JetStream the bridge is core NATS: at most once.
func JetStream(stream string) Option { return func(c *config) { c.stream = stream } }

// Durable names an importer's JetStream consumer, which keeps its position
// on the server: an importer made again with the same name (after a
// restart) goes on where the last one stopped. Required with JetStream for
// Import. A new consumer starts with the messages published after it.
func Durable(name string) Option { return func(c *config) { c.durable = name } }

// AckWait sets how long the JetStream server waits for an importer's
// acknowledgement of a message before it delivers the message again
// (default 30 s): the time a message lost on its way to an importer (a
// connection dropped, a server restarted) takes to come again.
func AckWait(d time.Duration) Option { return func(c *config) { c.ackWait = d } }

// Capacity sets the capacity of an Exporter's subscription to its bus
// (default 1024). When it is full the exporter falls behind in the bus's
// history, if the bus has one (pubsub.History), and otherwise loses
// messages, which it counts and logs (ExportStats.Gaps).
func Capacity(n int) Option { return func(c *config) { c.capacity = n } }
