package natsbus

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// A Codec encodes the data of the messages a bus carries for the wire, and
// decodes it back into a value of the same Go type. It must be safe for
// concurrent use.
type Codec interface {
	// Encode returns the name of data's type and data's encoding, or an
	// error if it cannot encode data.
	Encode(data any) (typeName string, b []byte, err error)
	// Decode returns the value Encode encoded as typeName and b. It must
	// not keep b, or anything that shares its memory, after it returns: b
	// is part of a payload that carries other messages too.
	Decode(typeName string, b []byte) (any, error)
}

// JSON returns the codec of a bus that carries data of one type T, as JSON
// (encoding/json). Data of another type is an error to encode. The type's
// name on the wire is T's (reflect's String, e.g. "main.Tx"), so that an
// importer refuses data of another type rather than misreading it. For an
// interface type T (JSON[any], the default codec), the name is the data's
// dynamic type, for information only: any name is accepted, and the data
// arrives as what encoding/json makes of it in a T.
func JSON[T any]() Codec {
	t := reflect.TypeFor[T]()
	return jsonCodec[T]{name: t.String(), anyName: t.Kind() == reflect.Interface}
}

type jsonCodec[T any] struct {
	name    string
	anyName bool
}

func (c jsonCodec[T]) Encode(data any) (string, []byte, error) {
	v, ok := data.(T)
	if !ok && !(c.anyName && data == nil) {
		return "", nil, fmt.Errorf("natsbus: JSON codec of %s given %T", c.name, data)
	}
	b, err := json.Marshal(v)
	if c.anyName {
		if data == nil {
			return "<nil>", b, err
		}
		return reflect.TypeOf(data).String(), b, err
	}
	return c.name, b, err
}

func (c jsonCodec[T]) Decode(typeName string, b []byte) (any, error) {
	if typeName != c.name && !c.anyName {
		return nil, fmt.Errorf("natsbus: JSON codec of %s given data of type %q", c.name, typeName)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("natsbus: decoding %s: %w", c.name, err)
	}
	return v, nil
}

// Registry is the codec of a bus that carries several Go types (several
// typed views of one *pubsub.Server): each registered type travels as JSON
// under the name it was registered with, and arrives as a value of that
// type. Data of a type not registered is an error to encode, and a name not
// registered an error to decode. Register every type on both sides before
// Export and Import; a Registry is then safe for concurrent use.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]reflect.Type
	byType map[reflect.Type]string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byName: map[string]reflect.Type{}, byType: map[reflect.Type]string{}}
}

// Register registers T under name in r. It returns an error if the name or
// the type is already registered, or the name is empty.
func Register[T any](r *Registry, name string) error {
	t := reflect.TypeFor[T]()
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "" {
		return fmt.Errorf("natsbus: Register %s: empty name", t)
	}
	if old, dup := r.byName[name]; dup {
		return fmt.Errorf("natsbus: Register %s: name %q is %s's", t, name, old)
	}
	if old, dup := r.byType[t]; dup {
		return fmt.Errorf("natsbus: Register %s as %q: registered as %q", t, name, old)
	}
	r.byName[name], r.byType[t] = t, name
	return nil
}

// Encode implements Codec.
func (r *Registry) Encode(data any) (string, []byte, error) {
	r.mu.RLock()
	name, ok := r.byType[reflect.TypeOf(data)]
	r.mu.RUnlock()
	if !ok {
		return "", nil, fmt.Errorf("natsbus: type %T not registered", data)
	}
	b, err := json.Marshal(data)
	return name, b, err
}

// Decode implements Codec.
func (r *Registry) Decode(typeName string, b []byte) (any, error) {
	r.mu.RLock()
	t, ok := r.byName[typeName]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("natsbus: type name %q not registered", typeName)
	}
	v := reflect.New(t)
	if err := json.Unmarshal(b, v.Interface()); err != nil {
		return nil, fmt.Errorf("natsbus: decoding %s: %w", typeName, err)
	}
	return v.Elem().Interface(), nil
}
