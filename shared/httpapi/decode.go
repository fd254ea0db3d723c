package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/paysessions/paysessions/shared/session"
)

// decodeJSON reads the request body into dst: JSON only (a Content-Type,
// when sent, must be application/json), one object, no unknown fields, no
// trailing data, at most MaxBodyBytes. An empty body is accepted only when
// allowEmpty. Errors name the field at fault, never echo a value.
func decodeJSON(r *http.Request, dst any, allowEmpty bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return session.Errorf(session.EUNSUPPORTED, session.ReasonUnsupportedMedia, "The request body must be application/json.")
		}
	}
	if r.Body == nil {
		if allowEmpty {
			return nil
		}
		return malformed("The request body is empty; a JSON object is required.")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if isTooLarge(err) {
			return tooLarge()
		}
		return malformed("The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return nil
		}
		return malformed("The request body is empty; a JSON object is required.")
	}
	if t := bytes.TrimSpace(body); t[0] != '{' {
		return malformed("The request body must be a JSON object.")
	}
	// encoding/json would quietly turn invalid bytes into U+FFFD and store
	// altered values: refuse them instead.
	if !utf8.Valid(body) {
		return malformed("The request body must be UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("The request body has data after the JSON object.")
	}
	return nil
}

func malformed(msg string) error {
	return session.Errorf(session.EINVALID, session.ReasonMalformedJSON, "%s", msg)
}

// decodeError turns a decoder error into a client-safe one.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return malformed("The request body has a value of the wrong type.")
		}
		return session.Invalid(field, "%s must be of type %s.", field, jsonType(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("The request body is not valid JSON.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := session.Invalid(field, "%q is not a field of this request.", field)
		if session.LooksLikeCardNumber(field) {
			e = session.Invalid("", "The request body has an unknown field.")
		}
		return e
	default:
		return malformed("The request body is not valid JSON.")
	}
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "integer"
	case "float32", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	default:
		return kind
	}
}
