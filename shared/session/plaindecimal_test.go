package session

// plainDecimal writes a JSON number literal's exact value in plain decimal,
// as NumberLooksLikeCardNumber judges it (decimalForm, then writePlain), for
// the tests: the service itself reads a literal's parts once. In plain decimal:
// no sign, no exponent, no leading zeros but one before the point, no
// trailing zeros after it, no point without a fraction. A literal with a
// byte no JSON number holds, and one beyond float64's range (refused as
// such), is returned as it is. Its callers pass number tokens a JSON
// decoder has already read; text with no digit before its exponent ("",
// "-", ".", "e5"), which is no JSON number either, reads "0".
func plainDecimal(lit string) string {
	digits, point, ok := decimalForm(lit)
	switch {
	case !ok:
		return lit
	case digits == "":
		return "0"
	case point > 310 || point < -330:
		// Beyond float64's range (such numbers are refused as out of
		// range): nothing to write out.
		return lit
	}
	return writePlain(digits, point)
}
