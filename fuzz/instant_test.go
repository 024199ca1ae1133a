package fuzz

import (
	"regexp"
	"testing"
	"time"

	"github.com/querybus/querybus/query/compile"
)

// goQuirk matches the timestamps that time.Parse(time.RFC3339Nano, s) accepts although they
// are not RFC 3339, and that compile.ParseTimestamp documents it rejects (golang/go#54580):
// a one-digit hour, a comma before the fraction, a zone offset hour of 24 or minute of 60.
// The groups are the hour, the separator before the fraction, and the zone's hour and minute.
var goQuirk = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T([0-9]{1,2}):[0-9]{2}:[0-9]{2}(?:([.,])[0-9]+)?(?:Z|[+-]([0-9]{2}):([0-9]{2}))$`)

// isGoQuirk reports whether s shows one of the documented quirks of time.Parse.
func isGoQuirk(s string) bool {
	m := goQuirk.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	return len(m[1]) == 1 || m[2] == "," || m[3] == "24" || m[4] == "60"
}

// references are instants an accepted value is compared with, to check Instant.Cmp.
var references = func() []time.Time {
	var ts []time.Time
	for _, s := range []string{
		"0000-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00Z",
		"2021-11-23T00:00:00Z", "2021-11-23T22:04:19Z", "2021-11-23T22:04:19.5Z", "9999-12-31T23:59:59.999999999Z",
	} {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		ts = append(ts, t)
	}
	return ts
}()

// FuzzInstant checks compile.ParseDate, ParseTimestamp and ParseInstant against time.Parse:
//
//   - ParseDate(s) accepts exactly what time.Parse("2006-01-02", s) accepts;
//   - ParseTimestamp(s) accepts exactly what time.Parse(time.RFC3339Nano, s) accepts, but
//     for the documented quirks of time.Parse, which it rejects;
//   - ParseInstant(s) is ParseDate(s) or ParseTimestamp(s), whichever accepts it;
//   - an accepted text gives the instant time.Parse gives (Instant.Time), and Instant.Cmp
//     orders it against other instants as time.Time.Compare does.
func FuzzInstant(f *testing.F) {
	for _, s := range []string{
		"2021-11-23", "2021-02-28", "2021-02-29", "2020-02-29", "1900-02-29", "2000-02-29",
		"2021-02-30", "2021-04-31", "2021-13-01", "2021-00-01", "2021-01-00", "0000-01-01",
		"9999-12-31", "2021-1-01", "2021-01-1", "21-01-01", "+021-01-01", "-021-01-01", "2021/01/01",
		"2021-11-23T22:04:19Z", "2021-11-23T22:04:19.5-09:00", "2021-11-23T23:04:19+01:00",
		"2021-11-23T22:04:19.123456789Z", "2021-11-23T22:04:19.1234567891234Z",
		"2021-11-23T22:04:19.999999999999Z", "2021-11-23T22:04:19-00:00", "2021-11-23T22:04:19+23:59",
		"2021-11-23T22:04:19", "2021-11-23T22:04:19.Z", "2021-11-23T22:04:19.5",
		"2021-11-23t22:04:19Z", "2021-11-23T22:04:19z", "2021-11-23 22:04:19Z",
		"2021-11-23T24:00:00Z", "2021-11-23T23:60:00Z", "2021-11-23T23:59:60Z",
		"2021-11-23T2:04:19Z", "2021-11-23T22:04:19,5Z", "2021-11-23T22:04:19+24:00",
		"2021-11-23T22:04:19+01:60", "2021-11-23T22:04:19+1:00", "2021-11-23T22:04:19+0100",
		"2021-11-23T22:04:19+01:00:00", "2021-11-23T22:4:19Z", "2021-11-23T22:04:9Z",
		"0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2021-11-23T22:04:19Z ",
		" 2021-11-23", "2021-11-23T22:04:19.5+01:00", "1969-12-31T23:59:59.999999999Z", "",
		"2021-11-23T", "2021-11-23T22:04:19ZZ", "２０２１-11-23",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		date, okDate := compile.ParseDate(s)
		dt, errDate := time.Parse("2006-01-02", s)
		if okDate != (errDate == nil) {
			t.Fatalf("ParseDate(%q) ok = %v, time.Parse(\"2006-01-02\") error = %v", s, okDate, errDate)
		}
		if okDate {
			checkInstant(t, "ParseDate", s, date, dt)
		}

		ts, okTS := compile.ParseTimestamp(s)
		tt, errTS := time.Parse(time.RFC3339Nano, s)
		quirk := isGoQuirk(s)
		switch {
		case quirk && okTS:
			t.Fatalf("ParseTimestamp(%q) accepts it, but instant.go documents it rejects this quirk of time.Parse", s)
		case quirk && errTS == nil:
			// Documented: time.Parse accepts it, ParseTimestamp does not.
		case okTS != (errTS == nil):
			t.Fatalf("ParseTimestamp(%q) ok = %v, time.Parse(time.RFC3339Nano) error = %v", s, okTS, errTS)
		case okTS:
			checkInstant(t, "ParseTimestamp", s, ts, tt)
		}

		in, okIn := compile.ParseInstant(s)
		if okDate && okTS {
			t.Fatalf("%q is both a date and a timestamp", s)
		}
		switch {
		case okIn != (okDate || okTS):
			t.Fatalf("ParseInstant(%q) ok = %v, ParseDate ok = %v, ParseTimestamp ok = %v", s, okIn, okDate, okTS)
		case okDate && in != date:
			t.Fatalf("ParseInstant(%q) = %v, ParseDate = %v", s, in.Time(), date.Time())
		case okTS && in != ts:
			t.Fatalf("ParseInstant(%q) = %v, ParseTimestamp = %v", s, in.Time(), ts.Time())
		}
	})
}

// checkInstant checks that got, read from s by the function fn, is the instant want.
func checkInstant(t *testing.T, fn, s string, got compile.Instant, want time.Time) {
	t.Helper()
	if !got.Time().Equal(want) {
		t.Fatalf("%s(%q) = %v, time.Parse gives %v", fn, s, got.Time().Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
	}
	for _, ref := range references {
		r, ok := compile.ParseTimestamp(ref.Format(time.RFC3339Nano))
		if !ok {
			t.Fatalf("ParseTimestamp(%q) rejects a reference instant", ref.Format(time.RFC3339Nano))
		}
		if c, w := got.Cmp(r), want.Compare(ref); c != w {
			t.Fatalf("%s(%q).Cmp(%v) = %d, time.Time.Compare = %d", fn, s, ref, c, w)
		}
		if c, w := r.Cmp(got), ref.Compare(want); c != w {
			t.Fatalf("reference %v .Cmp(%s(%q)) = %d, time.Time.Compare = %d", ref, fn, s, c, w)
		}
	}
}
