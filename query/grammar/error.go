package grammar

import (
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"
)

// Error is a rejected query: where it went wrong and what was found and expected there.
type Error struct {
	Pos Position
	Msg string
}

// Error prints line:column: msg.
func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Column, e.Msg) }

func errorAt(pos lexer.Position, msg string) *Error { return &Error{Pos: Position(pos), Msg: msg} }
