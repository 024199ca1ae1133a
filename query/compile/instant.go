package compile

import "time"

// Instant is a point in time: seconds since the Unix epoch (UTC) and
// nanoseconds within that second. It is what date and time values and
// operands are compared as; the zero value is the Unix epoch.
type Instant struct {
	sec  int64 // seconds since 1970-01-01T00:00:00Z
	nsec int32 // in [0, 999999999]
}

// Cmp compares a and b and returns -1 if a is before b, 0 if they are the
// same instant and +1 if a is after b.
func (a Instant) Cmp(b Instant) int {
	switch {
	case a.sec < b.sec:
		return -1
	case a.sec > b.sec:
		return +1
	case a.nsec < b.nsec:
		return -1
	case a.nsec > b.nsec:
		return +1
	}
	return 0
}

// Time returns a as a time.Time in UTC, for messages and tests.
func (a Instant) Time() time.Time {
	return time.Unix(a.sec, int64(a.nsec)).UTC()
}

// ParseTimestamp reads s as a whole as an RFC 3339 timestamp with a zone,
// YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm), without allocating. It accepts
// exactly what the RFC 3339 reader of package time accepts, and gives the
// same instant:
//
//   - the date is a valid day of the proleptic Gregorian calendar, year 0000
//     to 9999; the hour is 00 to 23, the minute and the second 00 to 59 (no
//     hour 24, no leap second 60);
//   - the fraction is a dot and one or more digits, any number of them; the
//     digits after the ninth are ignored (truncated, not rounded);
//   - the zone is Z or a sign, an hour 00 to 23, a colon and a minute 00 to
//     59 (-00:00 is UTC);
//   - T and Z are upper case.
//
// It is stricter than time.Parse(time.RFC3339Nano, s) where that one accepts
// text that is not RFC 3339 (the cases Go meant to reject, golang/go#54580):
// a one-digit hour (2021-11-23T2:04:19Z), a comma before the fraction
// (2021-11-23T22:04:19,5Z), and a zone offset hour of 24 or minute of 60
// (+24:00, +01:60).
func ParseTimestamp(s string) (Instant, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return Instant{}, false
	}
	days, ok := instParseDate(s[:10])
	if !ok {
		return Instant{}, false
	}
	hour, ok1 := instNum2(s[11:13], 23)
	min, ok2 := instNum2(s[14:16], 59)
	sec, ok3 := instNum2(s[17:19], 59)
	if !ok1 || !ok2 || !ok3 {
		return Instant{}, false
	}
	rest := s[19:]

	var nsec int32
	if len(rest) >= 2 && rest[0] == '.' && decDigit(rest[1]) {
		n := 1
		scale := int32(1e9)
		for n < len(rest) && decDigit(rest[n]) {
			if n <= 9 {
				scale /= 10
				nsec += int32(rest[n]-'0') * scale
			}
			n++
		}
		rest = rest[n:]
	}

	var offset int64
	switch {
	case rest == "Z":
	case len(rest) == len("-07:00") && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		hh, ok1 := instNum2(rest[1:3], 23)
		mm, ok2 := instNum2(rest[4:6], 59)
		if !ok1 || !ok2 {
			return Instant{}, false
		}
		offset = int64(hh*3600 + mm*60)
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return Instant{}, false
	}
	return Instant{
		sec:  days*86400 + int64(hour*3600+min*60+sec) - offset,
		nsec: nsec,
	}, true
}

// ParseDate reads s as a whole as a date YYYY-MM-DD, a valid day of the
// proleptic Gregorian calendar (2021-02-30 and 2021-02-29 are not), year
// 0000 to 9999, and returns midnight UTC of that day. It accepts exactly
// what time.Parse("2006-01-02", s) accepts and gives the same instant.
func ParseDate(s string) (Instant, bool) {
	if len(s) != len("2006-01-02") {
		return Instant{}, false
	}
	days, ok := instParseDate(s)
	if !ok {
		return Instant{}, false
	}
	return Instant{sec: days * 86400}, true
}

// ParseInstant reads an event value as a whole as a date or a time: an RFC
// 3339 timestamp as ParseTimestamp reads it, or a date YYYY-MM-DD as
// ParseDate reads it (midnight UTC). It reports false for anything else.
func ParseInstant(s string) (Instant, bool) {
	if len(s) == len("2006-01-02") {
		return ParseDate(s)
	}
	return ParseTimestamp(s)
}

// instParseDate reads the ten bytes YYYY-MM-DD of s and returns the day
// as a number of days since 1970-01-01.
func instParseDate(s string) (int64, bool) {
	if s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y1, ok1 := instNum2(s[0:2], 99)
	y2, ok2 := instNum2(s[2:4], 99)
	month, ok3 := instNum2(s[5:7], 12)
	day, ok4 := instNum2(s[8:10], 31)
	if !ok1 || !ok2 || !ok3 || !ok4 || month < 1 || day < 1 {
		return 0, false
	}
	year := y1*100 + y2
	if day > instDaysIn(year, month) {
		return 0, false
	}
	return instDaysFromCivil(int64(year), int64(month), int64(day)), true
}

// instNum2 reads two ASCII digits of s as a number at most max.
func instNum2(s string, max int) (int, bool) {
	if !decDigit(s[0]) || !decDigit(s[1]) {
		return 0, false
	}
	n := int(s[0]-'0')*10 + int(s[1]-'0')
	return n, n <= max
}

// instDaysIn returns the number of days of a month (1 to 12) of a year of
// the proleptic Gregorian calendar.
func instDaysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// instDaysFromCivil returns the number of days from 1970-01-01 to the given
// day of the proleptic Gregorian calendar (negative before it). It is
// Howard Hinnant's days_from_civil: years are counted from March, so that
// the leap day ends a year, in eras of 400 years (146097 days).
func instDaysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era-- // floor division
	}
	yoe := y - era*400 // [0, 399]
	mp := (m + 9) % 12 // March = 0, ..., February = 11
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return era*146097 + doe - 719468
}
