package query_test

import (
	"errors"
	"fmt"

	"github.com/querybus/querybus/query"
)

func ExampleNew() {
	q, err := query.New(`tm.event='Tx'AND (transfer.amount>1000 OR NOT(tx.height<5))`)
	if err != nil {
		fmt.Println(err)
		return
	}
	// String is the canonical form: one space around operators and keywords, parentheses
	// only where precedence needs them.
	fmt.Println(q.String())
	// Output:
	// tm.event = 'Tx' AND (transfer.amount > 1000 OR NOT tx.height < 5)
}

func ExampleValidate() {
	err := query.Validate("tm.event = 'Tx' AND\ntx.height >")
	fmt.Println(err)

	var qerr *query.Error
	if errors.As(err, &qerr) {
		fmt.Printf("offset %d, line %d, column %d\n", qerr.Offset, qerr.Line, qerr.Column)
	}

	fmt.Println(query.Validate(`block.time < 'yesterday'`))
	fmt.Println(query.Validate(`tm.event = 'Tx' and tx.height > 5`))
	fmt.Println(query.Validate(`tm.event = 'Tx'`))
	// Output:
	// 2:12: unexpected end of query, expected a number, DATE or TIME after ">"
	// offset 31, line 2, column 12
	// 1:14: operator < compares numbers, dates and times, not a string: 'yesterday'
	// 1:17: unexpected "and": keywords are upper case, did you mean AND?
	// <nil>
}

func ExampleQuery_Matches() {
	q := query.MustCompile(`transfer.amount > 1000 AND block.time >= DATE 2021-11-23`)

	events := map[string][]string{
		"tm.event":        {"Tx"},
		"transfer.amount": {"500stake", "99999999999999999999.5stake"},
		"block.time":      {"2021-11-23T00:30:00+01:00"},
	}
	ok, _ := q.Matches(events)
	fmt.Println(ok) // 2021-11-22T23:30:00Z is before the DATE, midnight UTC

	events["block.time"] = []string{"2021-11-23T01:30:00+01:00"}
	ok, _ = q.Matches(events)
	fmt.Println(ok)

	// A query never matches an empty event set, except All.
	notTx := query.MustCompile(`NOT tm.event = 'Tx'`)
	ok, _ = notTx.Matches(nil)
	fmt.Println(ok)
	ok, _ = query.All.Matches(nil)
	fmt.Println(ok)
	// Output:
	// false
	// true
	// false
	// true
}

func ExampleMustCompile() {
	defer func() {
		err := recover().(*query.Error)
		fmt.Println("panic:", err)
	}()
	q := query.MustCompile(`rewards EXISTS`)
	fmt.Println(q)
	query.MustCompile(`a CONTAINS 5`)
	// Output:
	// rewards EXISTS
	// panic: 1:12: CONTAINS takes a string, not a number: 5
}
