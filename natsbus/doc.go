// Package natsbus carries the messages of a querybus bus (a *pubsub.Server)
// over NATS, so that subscribers in other processes and on other machines
// receive them with their own queries, as if they had been published
// locally.
//
// An Exporter sends to NATS every message published on a bus whose events
// match its query; an Importer publishes into its bus every message on NATS
// that its query matches. Both ride on one *nats.Conn of the caller's.
//
// # Subjects
//
// A message travels on the subject <prefix>.<token> (prefix "querybus" by
// default), the token derived from the value of its routing key (tm.event
// by default) by an encoding that is injective and always yields a valid,
// short NATS token: values made only of A-Z, a-z, 0-9, '_' and '-' pass
// unchanged, any other value is "~" followed by its base64url encoding, and
// a message without the routing key, with several values for it, or with a
// value too long for a subject, goes to the reserved token "~~". An
// importer subscribes only to the subjects its query can match (from the
// query's index terms on the routing key, and always the reserved token),
// or to <prefix>.> when its query says nothing about the routing key; it
// evaluates its query on every message it receives: subjects only narrow
// what travels.
//
// # The envelope
//
// The events and the data travel in the payload, in a versioned envelope
// (its byte layout is documented in internal/wire); NATS headers carry
// nothing. The data is encoded by a Codec: JSON of one declared type
// (JSON[T]), or a Registry of named types for a bus that carries several.
//
// An envelope carries one or more messages of one exporter for one
// subject: when messages come faster than the exporter sends them, those
// at hand travel together (up to 256 messages, and 64 KiB or the server's
// maximum payload), so that a burst costs NATS, and a JetStream stream, one
// message per batch rather than per message. Nothing waits to fill a batch:
// a lone message goes at once. ExportStats.Payloads counts the NATS
// messages.
package natsbus
