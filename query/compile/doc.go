// Package compile turns a query's syntax tree (package grammar) into a tree of closures.
//
// Everything that can be decided once is decided by Compile: operands are read and checked
// (numbers into exact decimals, DATE and TIME operands into instants, with calendar checks),
// each operator/operand pairing is checked, and each condition gets a closure specialised for
// its operator and operand type that captures the already-typed operand. Matching therefore
// does no parsing of the query, no type assertion and no allocation. The closures of the
// commonest conditions, `tag = 'string'` (and conjunctions of them) and comparisons with an
// integer of at most 18 digits, hold the bytes of their tags and operands in their own block
// of memory: a server that matches many distinct queries finds most of them out of the cache,
// and each further block a closure refers to is one more cache miss.
//
// Values are read at match time by allocation-free readers: LeadingDecimal reads the leading
// number of a value for an exact decimal comparison at any size and precision (no math/big),
// and ParseInstant reads an RFC 3339 timestamp or a date (no time.Parse).
package compile
