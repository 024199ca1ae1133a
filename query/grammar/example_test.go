package grammar_test

import (
	"errors"
	"fmt"

	"github.com/querybus/querybus/query/grammar"
)

func ExampleParse() {
	q, err := grammar.Parse("tm.event='Tx'AND (tx.height>=5 OR ((NOT tx.hash EXISTS)))")
	if err != nil {
		panic(err)
	}
	fmt.Println(q.String())

	_, err = grammar.Parse("tx.height >")
	fmt.Println(err)
	var perr *grammar.Error
	if errors.As(err, &perr) {
		fmt.Println("offset", perr.Pos.Offset)
	}

	_, err = grammar.Parse("tm.event = 'Tx' and tx.height = 5")
	fmt.Println(err)
	// Output:
	// tm.event = 'Tx' AND (tx.height >= 5 OR NOT tx.hash EXISTS)
	// 1:12: unexpected end of query, expected a number, DATE or TIME after ">"
	// offset 11
	// 1:17: unexpected "and": keywords are upper case, did you mean AND?
}
