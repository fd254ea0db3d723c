package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// The tests in this file hold docs/openapi.yaml to what a linter checks
// without running the service: every example conforms to its schema, and
// every component is used. (Redocly CLI's recommended rules check the same
// and more; it is an npm tool: the README says how to run it by hand.)

// exampleUse says whether an example stands for a request, a response or
// neither (a schema's own example): readOnly and writeOnly properties are
// judged by it, as the kin-openapi validator does for real messages.
type exampleUse int

const (
	exampleOfSchema exampleUse = iota
	exampleOfRequest
	exampleOfResponse
)

// exampleSite is one example in the document: where it is (a JSON pointer
// into the file), its value, and the schema it must conform to.
type exampleSite struct {
	ptr    string
	value  any
	schema *openapi3.Schema
	use    exampleUse
}

// exampleWalker collects the examples of a loaded document, place by place.
// OpenAPI puts examples in media types (example, examples), parameters and
// headers (example, examples), schemas (example, examples) and
// components.examples (used through $ref from the others).
type exampleWalker struct {
	doc   *openapi3.T
	sites []exampleSite
	// refs: the components.examples an examples map refers to.
	refs map[string]bool
	errs []string
}

func (w *exampleWalker) fail(format string, args ...any) {
	w.errs = append(w.errs, fmt.Sprintf(format, args...))
}

func (w *exampleWalker) add(ptr string, value any, schema *openapi3.SchemaRef, use exampleUse) {
	if schema == nil || schema.Value == nil {
		w.fail("%s: an example without a schema to check it against", ptr)
		return
	}
	w.sites = append(w.sites, exampleSite{ptr, value, schema.Value, use})
}

// examples takes an example and an examples map that share one schema.
func (w *exampleWalker) examples(ptr string, example any, examples openapi3.Examples, schema *openapi3.SchemaRef, use exampleUse) {
	if example != nil {
		w.add(ptr+"/example", example, schema, use)
	}
	for _, name := range slices.Sorted(maps.Keys(examples)) {
		ex := examples[name]
		p := ptr + "/examples/" + pointerToken(name)
		if ex == nil || ex.Value == nil {
			w.fail("%s: unresolved example", p)
			continue
		}
		if ex.Value.ExternalValue != "" {
			w.fail("%s: externalValue %q cannot be checked; write the value in the document", p, ex.Value.ExternalValue)
			continue
		}
		if name, ok := strings.CutPrefix(ex.Ref, "#/components/examples/"); ok {
			w.refs["/components/examples/"+name] = true
		}
		w.add(p, ex.Value.Value, schema, use)
	}
}

func (w *exampleWalker) content(ptr string, content openapi3.Content, use exampleUse) {
	for _, mt := range slices.Sorted(maps.Keys(content)) {
		m := content[mt]
		p := ptr + "/" + pointerToken(mt)
		w.examples(p, m.Example, m.Examples, m.Schema, use)
		for _, enc := range slices.Sorted(maps.Keys(m.Encoding)) {
			for _, h := range slices.Sorted(maps.Keys(m.Encoding[enc].Headers)) {
				w.header(p+"/encoding/"+pointerToken(enc)+"/headers/"+pointerToken(h), m.Encoding[enc].Headers[h])
			}
		}
	}
}

// parameter, header, response and requestBody skip a $ref: the component
// it names is walked where it is defined.
func (w *exampleWalker) parameter(ptr string, p *openapi3.ParameterRef) {
	if p.Ref != "" || p.Value == nil {
		return
	}
	w.examples(ptr, p.Value.Example, p.Value.Examples, p.Value.Schema, exampleOfRequest)
	w.content(ptr+"/content", p.Value.Content, exampleOfRequest)
}

func (w *exampleWalker) header(ptr string, h *openapi3.HeaderRef) {
	if h.Ref != "" || h.Value == nil {
		return
	}
	w.examples(ptr, h.Value.Example, h.Value.Examples, h.Value.Schema, exampleOfResponse)
	w.content(ptr+"/content", h.Value.Content, exampleOfResponse)
}

func (w *exampleWalker) response(ptr string, r *openapi3.ResponseRef) {
	if r.Ref != "" || r.Value == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(r.Value.Headers)) {
		w.header(ptr+"/headers/"+pointerToken(name), r.Value.Headers[name])
	}
	w.content(ptr+"/content", r.Value.Content, exampleOfResponse)
}

func (w *exampleWalker) requestBody(ptr string, rb *openapi3.RequestBodyRef) {
	if rb.Ref != "" || rb.Value == nil {
		return
	}
	w.content(ptr+"/content", rb.Value.Content, exampleOfRequest)
}

func (w *exampleWalker) pathItem(ptr string, item *openapi3.PathItem) {
	for i, p := range item.Parameters {
		w.parameter(ptr+"/parameters/"+strconv.Itoa(i), p)
	}
	if _, ok := item.Extensions[extMethodNotAllowed]; ok {
		content, err := methodNotAllowedContent(w.doc, item)
		if err != nil {
			w.fail("%s: %v", ptr, err)
		}
		w.content(ptr+"/"+extMethodNotAllowed, content, exampleOfResponse)
	}
	ops := item.Operations()
	for _, method := range slices.Sorted(maps.Keys(ops)) {
		op := ops[method]
		p := ptr + "/" + strings.ToLower(method)
		if len(op.Callbacks) > 0 {
			w.fail("%s: callbacks are not walked for examples; teach exampleWalker", p)
		}
		for i, param := range op.Parameters {
			w.parameter(p+"/parameters/"+strconv.Itoa(i), param)
		}
		if op.RequestBody != nil {
			w.requestBody(p+"/requestBody", op.RequestBody)
		}
		if op.Responses == nil {
			continue
		}
		for code, r := range op.Responses.Map() {
			w.response(p+"/responses/"+pointerToken(code), r)
		}
	}
}

// walk collects every example of the document.
func (w *exampleWalker) walk() {
	doc := w.doc
	if len(doc.Webhooks) > 0 {
		w.fail("webhooks are not walked for examples; teach exampleWalker")
	}
	for path, item := range doc.Paths.Map() {
		w.pathItem("/paths/"+pointerToken(path), item)
	}
	if c := doc.Components; c != nil {
		for name, p := range c.Parameters {
			w.parameter("/components/parameters/"+pointerToken(name), p)
		}
		for name, h := range c.Headers {
			w.header("/components/headers/"+pointerToken(name), h)
		}
		for name, rb := range c.RequestBodies {
			w.requestBody("/components/requestBodies/"+pointerToken(name), rb)
		}
		for name, r := range c.Responses {
			w.response("/components/responses/"+pointerToken(name), r)
		}
		if len(c.Callbacks) > 0 {
			w.fail("components.callbacks are not walked for examples; teach exampleWalker")
		}
	}
	// Every schema, components first, so a shared schema's examples are
	// reported where the schema is defined.
	err := doc.WalkSchemas(func(ptr string, s *openapi3.SchemaRef) error {
		if s.Value.Example != nil {
			w.add(ptr+"/example", s.Value.Example, s, exampleOfSchema)
		}
		for i, v := range s.Value.Examples {
			w.add(ptr+"/examples/"+strconv.Itoa(i), v, s, exampleOfSchema)
		}
		return nil
	})
	if err != nil {
		w.fail("walk the schemas: %v", err)
	}
}

// check validates one example as kin-openapi validates a real message of
// an OpenAPI 3.1 document: JSON Schema 2020-12, every error reported.
func (s exampleSite) check() error {
	opts := []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()}
	switch s.use {
	case exampleOfRequest:
		opts = append(opts, openapi3.VisitAsRequest())
	case exampleOfResponse:
		opts = append(opts, openapi3.VisitAsResponse())
	}
	return s.schema.VisitJSON(s.value, opts...)
}

// TestOpenAPIExamplesMatchTheirSchemas: "Example value must conform to the
// schema" (Redocly's no-invalid-media-type-examples and its parameter and
// schema twins). Every example in the file is found twice, independently:
// in the loaded document, where its schema is known, and in the file's
// YAML tree, so an example in a place the walk does not know (a header, an
// extension, a new kind of object) fails the test instead of going
// unchecked. kin-openapi's own doc.Validate checks media-type, parameter
// and schema examples, but stops at the first failure and skips header
// examples and extensions.
func TestOpenAPIExamplesMatchTheirSchemas(t *testing.T) {
	doc := loadSpec(t)
	w := &exampleWalker{doc: doc, refs: map[string]bool{}}
	w.walk()
	for _, e := range w.errs {
		t.Error(e)
	}
	found := map[string]bool{}
	for _, s := range w.sites {
		if found[s.ptr] {
			t.Errorf("%s: walked twice", s.ptr)
		}
		found[s.ptr] = true
		if err := s.check(); err != nil {
			t.Errorf("%s does not conform to its schema:\n%v", s.ptr, err)
		}
	}
	for ptr := range w.refs {
		found[ptr] = true
	}

	inFile := map[string]bool{}
	for _, ptr := range fileExamples(loadYAML(t)) {
		inFile[ptr] = true
	}
	for _, ptr := range slices.Sorted(maps.Keys(inFile)) {
		if !found[ptr] {
			t.Errorf("%s: an example that was not checked against a schema", ptr)
		}
	}
	for _, ptr := range slices.Sorted(maps.Keys(found)) {
		if !inFile[ptr] {
			t.Errorf("%s: checked, but the file has no example there (the walk and the file disagree)", ptr)
		}
	}
	if len(w.sites) == 0 {
		t.Fatal("no examples found; the walk is broken")
	}
	t.Logf("%d examples checked against their schemas", len(w.sites))
}

// TestOpenAPIComponentsAreUsed: every component is used (Redocly's
// no-unused-components), so the document cannot keep a description of
// something the service no longer answers. A component is used when a
// $ref outside components reaches it, directly or through components it
// reaches; a security scheme when a security requirement names it. A $ref
// inside an extension (x-...) does not count, as for the linter: tools do
// not read extensions.
func TestOpenAPIComponentsAreUsed(t *testing.T) {
	root := loadYAML(t)
	var components *yaml.Node
	used := map[string]bool{} // "kind/name"
	var queue []string
	use := func(ref string) {
		rest, ok := strings.CutPrefix(ref, "#/components/")
		if !ok {
			t.Errorf("$ref %q: only references to this document's components are expected", ref)
			return
		}
		kind, name, _ := strings.Cut(rest, "/")
		name, _, _ = strings.Cut(name, "/")
		key := kind + "/" + unescapePointerToken(name)
		if !used[key] {
			used[key] = true
			queue = append(queue, key)
		}
	}
	var scan func(n *yaml.Node, names bool, top bool)
	scan = func(n *yaml.Node, names bool, top bool) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				scan(c, false, n.Kind == yaml.DocumentNode)
			}
		case yaml.AliasNode:
			scan(n.Alias, names, top)
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i].Value, n.Content[i+1]
				switch {
				case names:
					scan(v, false, false)
				case strings.HasPrefix(k, "x-"):
				case top && k == "components":
					components = v
				case k == "examples" && v.Kind == yaml.MappingNode:
					// Example Objects: a $ref uses a component; a value is data.
					for j := 0; j+1 < len(v.Content); j += 2 {
						ex := v.Content[j+1]
						for m := 0; m+1 < len(ex.Content); m += 2 {
							if ex.Content[m].Value == "$ref" {
								use(ex.Content[m+1].Value)
							}
						}
					}
				case dataKeys[k]:
				case k == "$ref" && v.Kind == yaml.ScalarNode:
					use(v.Value)
				case k == "security" && v.Kind == yaml.SequenceNode:
					for _, req := range v.Content {
						for j := 0; j+1 < len(req.Content); j += 2 {
							use("#/components/securitySchemes/" + pointerToken(req.Content[j].Value))
						}
					}
				default:
					scan(v, nameMapKeys[k], false)
				}
			}
		}
	}
	scan(root, false, false)
	defined := map[string]*yaml.Node{}
	if components != nil {
		for i := 0; i+1 < len(components.Content); i += 2 {
			kind := components.Content[i+1]
			for j := 0; j+1 < len(kind.Content); j += 2 {
				defined[components.Content[i].Value+"/"+kind.Content[j].Value] = kind.Content[j+1]
			}
		}
	}
	for len(queue) > 0 {
		key := queue[0]
		queue = queue[1:]
		n, ok := defined[key]
		if !ok {
			t.Errorf("$ref to #/components/%s, which the document does not define", key)
			continue
		}
		scan(n, false, false)
	}
	for _, key := range slices.Sorted(maps.Keys(defined)) {
		if !used[key] {
			t.Errorf("components.%s is never used: use it where it belongs, or remove it", strings.Replace(key, "/", ".", 1))
		}
	}
	if len(defined) == 0 {
		t.Fatal("no components found; the scan is broken")
	}
}

// nameMapKeys are the keys whose value maps names to objects (properties,
// status codes, media types...), so a key inside is a name, never a
// keyword: a property may be called "example" or "$ref".
var nameMapKeys = map[string]bool{
	"paths": true, "webhooks": true, "schemas": true, "responses": true,
	"parameters": true, "requestBodies": true, "headers": true, "securitySchemes": true,
	"links": true, "callbacks": true, "pathItems": true, "content": true, "encoding": true,
	"properties": true, "patternProperties": true, "dependentSchemas": true, "dependentRequired": true, "$defs": true,
	"variables": true, "mapping": true, "scopes": true,
}

// dataKeys hold values, not OpenAPI objects: nothing inside is an example
// or a $ref.
var dataKeys = map[string]bool{"example": true, "examples": true, "default": true, "const": true, "enum": true}

// fileExamples is the JSON pointer of every example in the YAML tree: each
// example, each entry of an examples map (Example Objects, or $refs to
// them) and each item of a schema's examples list. components.examples
// entries are examples too (checked where they are referred to).
func fileExamples(root *yaml.Node) []string {
	var out []string
	var scan func(n *yaml.Node, ptr string, names bool)
	scan = func(n *yaml.Node, ptr string, names bool) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				scan(c, ptr, false)
			}
		case yaml.AliasNode:
			scan(n.Alias, ptr, names)
		case yaml.SequenceNode:
			for i, c := range n.Content {
				scan(c, ptr+"/"+strconv.Itoa(i), false)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i].Value, n.Content[i+1]
				p := ptr + "/" + pointerToken(k)
				switch {
				case names:
					scan(v, p, false)
				case p == "/components":
					// A map of kinds, each a map of names; components.examples
					// are examples, checked where they are referred to.
					for j := 0; j+1 < len(v.Content); j += 2 {
						kind, m := v.Content[j].Value, v.Content[j+1]
						if kind != "examples" {
							scan(m, p+"/"+pointerToken(kind), true)
							continue
						}
						for e := 0; e+1 < len(m.Content); e += 2 {
							out = append(out, p+"/examples/"+pointerToken(m.Content[e].Value))
						}
					}
				case k == "example":
					out = append(out, p)
				case k == "examples" && v.Kind == yaml.SequenceNode:
					for j := range v.Content {
						out = append(out, p+"/"+strconv.Itoa(j))
					}
				case k == "examples" && v.Kind == yaml.MappingNode:
					for j := 0; j+1 < len(v.Content); j += 2 {
						out = append(out, p+"/"+pointerToken(v.Content[j].Value))
					}
				case dataKeys[k]:
				default:
					scan(v, p, nameMapKeys[k])
				}
			}
		}
	}
	scan(root, "", false)
	return out
}

// loadYAML is the document's YAML tree, as the file has it.
func loadYAML(t *testing.T) *yaml.Node {
	t.Helper()
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatalf("%s: %v", specPath, err)
	}
	return &root
}

// pointerToken escapes a JSON pointer reference token (RFC 6901).
func pointerToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func unescapePointerToken(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}

// reasonsFile declares the machine-readable codes clients see in error
// bodies: the string constants named Reason... (session.ReasonValidation...).
// It is this repository's shared/session/errors.go, reached from this
// package's folder (where go test runs) as specPath reaches docs/.
var reasonsFile = filepath.Join("..", "..", "shared", "session", "errors.go")

// serviceReasons are the codes reasonsFile declares, each once: two
// constants may name one code (an alias kept for a rename).
func serviceReasons(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), reasonsFile, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("%s: %s is not a string literal; read it here", reasonsFile, name.Name)
					continue
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, v)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s declares no Reason constants; the parse is broken", reasonsFile)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// schemaCodes is the enum a schema allows, through allOf and $ref.
func schemaCodes(s *openapi3.SchemaRef) []string {
	if s == nil || s.Value == nil {
		return nil
	}
	var out []string
	for _, v := range s.Value.Enum {
		if str, ok := v.(string); ok {
			out = append(out, str)
		}
	}
	for _, sub := range s.Value.AllOf {
		out = append(out, schemaCodes(sub)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestOpenAPIErrorCodesAreTheService: the description says errors carry
// "a machine-readable `code`", and document 001's notifications "the same
// machine-readable codes as the problem details' `code`". A client
// generator makes its error-code type from the schemas' enums, so both
// error shapes enumerate exactly the codes shared/session/errors.go
// declares (a new code added there without the document fails here, not
// in a client), and every response that narrows the codes it carries
// (code: {enum: [...]} or {const: ...}) names only codes the service has.
func TestOpenAPIErrorCodesAreTheService(t *testing.T) {
	want := serviceReasons(t)
	doc := loadSpec(t)
	for _, shape := range []string{"Problem", "Notification"} {
		s := doc.Components.Schemas[shape]
		if s == nil || s.Value == nil {
			t.Errorf("components.schemas.%s is missing", shape)
			continue
		}
		if got := schemaCodes(s.Value.Properties["code"]); !slices.Equal(got, want) {
			t.Errorf("components.schemas.%s.code enumerates %v; want the codes of %s %v", shape, got, reasonsFile, want)
		}
	}
	known := map[string]bool{}
	for _, c := range want {
		known[c] = true
	}
	walkMappings(loadYAML(t), "", func(k string, v *yaml.Node, p string) bool {
		if dataKeys[k] {
			return false
		}
		if k == "code" && v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				var vals []*yaml.Node
				switch v.Content[j].Value {
				case "enum":
					vals = v.Content[j+1].Content
				case "const":
					vals = []*yaml.Node{v.Content[j+1]}
				}
				for _, c := range vals {
					if !known[c.Value] {
						t.Errorf("%s: code %q is not a code of %s", p, c.Value, reasonsFile)
					}
				}
			}
		}
		return true
	})
}

// gatewaysOwnAnswers are API Gateway's own answers, each a status and its
// {"message": …} text, which the documents must describe.
var gatewaysOwnAnswers = []struct {
	status  int
	message string
}{
	{http.StatusNotFound, "Not Found"},
	{http.StatusBadRequest, "Bad Request"},
	{http.StatusTooManyRequests, "Too Many Requests"},
	{http.StatusRequestEntityTooLarge, "Request Entity Too Large"},
	{http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large"},
	// The local servers' own, as the 431 is: README's Errors table, "408
	// | on the local servers (`make run`, `make start-api`), a request
	// whose body is not all in within 10 s of its head".
	{http.StatusRequestTimeout, "Request Timeout"},
	{http.StatusInternalServerError, "Internal Server Error"},
	{http.StatusServiceUnavailable, "Service Unavailable"},
}

// TestOpenAPIDescribesAPIGatewaysOwnAnswers: a client of the documented
// paths also gets API Gateway's own answers, which no operation's schema
// describes (they carry a message and no code). The README's words: "Over
// its limit a route answers API Gateway's own `429 {"message":"Too Many
// Requests"}`"; "A body over 10 MB is `413 {"message":"Request Entity Too
// Large"}` ...; a function error, a crash, a timeout ... are `500
// {"message":"Internal Server Error"}`; past the 30 s integration timeout
// `503 {"message":"Service Unavailable"}`" (make start-api answers the last
// three as AWS does). A client generated from the document must learn them
// from it: info.description quotes each with its status.
func TestOpenAPIDescribesAPIGatewaysOwnAnswers(t *testing.T) {
	doc := loadSpec(t)
	desc := strings.Join(strings.Fields(doc.Info.Description), " ")
	for _, a := range gatewaysOwnAnswers {
		if a.message != http.StatusText(a.status) {
			t.Fatalf("%d: %q is not its status text", a.status, a.message)
		}
		want := fmt.Sprintf("%d `{\"message\":\"%s\"}`", a.status, a.message)
		if !strings.Contains(desc, want) {
			t.Errorf("info.description does not quote API Gateway's own answer %s", want)
		}
	}
}

// TestOpenAPIDescriptionNamesItsProseHeaders: the exchange tests let an
// answer carry a header no response declares when it is one of
// proseHeaders, "on every answer of the paths and said so once, in
// info.description". That exemption holds only while the description does
// say so: a client generated from the document learns such a header from
// there alone (Apigw-Requestid, which API Gateway adds to every answer on
// AWS and make start-api adds as it does, was exempted but named nowhere
// in the document).
func TestOpenAPIDescriptionNamesItsProseHeaders(t *testing.T) {
	doc := loadSpec(t)
	desc := strings.ToLower(doc.Info.Description)
	for _, name := range proseHeaders {
		if !strings.Contains(desc, "`"+strings.ToLower(name)) {
			t.Errorf("info.description does not name %s; the exchange tests let every answer carry it undeclared (proseHeaders)", name)
		}
	}
}

// walkMappings calls visit with each key and value of every mapping in n
// (whatever its depth, through sequences), and the value's JSON pointer
// (ptr is n's); visit says whether to walk into the value.
func walkMappings(n *yaml.Node, ptr string, visit func(k string, v *yaml.Node, ptr string) bool) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			walkMappings(c, ptr+"/"+strconv.Itoa(i), visit)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			p := ptr + "/" + pointerToken(k)
			if visit(k, v, p) {
				walkMappings(v, p, visit)
			}
		}
	}
}

// TestReadmeErrorTableNamesAPIGatewaysOwnAnswers: README's "Errors" table
// is where a client developer codes error handling from, and API Gateway's
// own answers reach a client of every path as the service's do. README
// (Throttling): "Over its limit a route answers API Gateway's own `429
// {"message":"Too Many Requests"}` without invoking the function; clients
// should retry with back-off"; (make start-api) "`413 {"message":"Request
// Entity Too Large"}` on any path", "`500 {"message":"Internal Server
// Error"}`; past the 30 s integration timeout `503 {"message":"Service
// Unavailable"}`". Each must be a row of the table, as the 404, 400 and
// 431 are, not only a sentence elsewhere.
func TestReadmeErrorTableNamesAPIGatewaysOwnAnswers(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "\n### Errors\n")
	if start < 0 {
		t.Fatal(`README has no "### Errors" section`)
	}
	section := readme[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var rows []string
	for line := range strings.SplitSeq(section, "\n") {
		if strings.HasPrefix(line, "| ") {
			rows = append(rows, line)
		}
	}
	for _, a := range gatewaysOwnAnswers {
		prefix := fmt.Sprintf("| %d |", a.status)
		body := fmt.Sprintf("`{\"message\":\"%s\"}`", a.message)
		if !slices.ContainsFunc(rows, func(r string) bool { return strings.HasPrefix(r, prefix) && strings.Contains(r, body) }) {
			t.Errorf("README's Errors table has no %d row naming API Gateway's own %s", a.status, body)
		}
	}
}

// narrowedCodes is the error codes a response's schema names for its
// code (a problem's, or a document-001 notification's): the enum or const
// of an inline code schema beside the $ref'd shape (allOf), or every code
// when the response does not narrow them.
func narrowedCodes(s *openapi3.SchemaRef, all []string) []string {
	var out []string
	var walk func(s *openapi3.SchemaRef, depth int)
	walk = func(s *openapi3.SchemaRef, depth int) {
		if s == nil || s.Value == nil || depth > 4 {
			return
		}
		for _, sub := range s.Value.AllOf {
			if sub.Ref == "" {
				walk(sub, depth+1)
			}
		}
		if n := s.Value.Properties["notifications"]; n != nil && n.Ref == "" && n.Value != nil && n.Value.Items != nil {
			walk(n.Value.Items, depth+1)
		}
		if c := s.Value.Properties["code"]; c != nil && c.Ref == "" && c.Value != nil {
			for _, v := range c.Value.Enum {
				out = append(out, fmt.Sprint(v))
			}
			if c.Value.Const != nil {
				out = append(out, fmt.Sprint(c.Value.Const))
			}
		}
	}
	walk(s, 0)
	if len(out) == 0 {
		return all
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestOpenAPIErrorCodesEachOperationCanAnswer: a client generated from the
// document handles, per operation and status, the codes its response
// names; a code the operation can never answer is a case written for
// nothing and a reader's wrong idea of the endpoint. The rules the
// documents state:
//   - MALFORMED_JSON is a body's ("The body must be I-JSON ... (400
//     `MALFORMED_JSON`, naming the field)"): only an operation with a
//     request body.
//   - CARD_NUMBER_REFUSED is answered for the body, the Idempotency-Key
//     and document 003's X-Merchant-Id (README: "No card number is
//     accepted anywhere in a request (body strings, member names and
//     numbers, `Idempotency-Key`, the token's `merchant_id`, document
//     003's `X-Merchant-Id`)"; a card number elsewhere, in a path id or a
//     query, is refused as malformed or answered as any other value).
//   - MERCHANT_REQUIRED: "Every operation except `postSessionEvent` also
//     needs `merchant_id`" (bearerAuth), and an API key "acts for the
//     merchant whose token made it": never on postSessionEvent nor on an
//     operation only an API key reaches.
//   - PARENT_CLOSED: "a child cannot reach `AUTHORISED` or `SETTLED` under
//     a closed parent (409 `PARENT_CLOSED`)", which only a processor's
//     event moves it to.
func TestOpenAPIErrorCodesEachOperationCanAnswer(t *testing.T) {
	all := serviceReasons(t)
	doc := loadSpec(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			hasBody := op.RequestBody != nil
			takesCardHeader := slices.ContainsFunc(op.Parameters, func(p *openapi3.ParameterRef) bool {
				return p.Value != nil && p.Value.In == "header" && (p.Value.Name == "Idempotency-Key" || p.Value.Name == "X-Merchant-Id")
			})
			keyOnly := op.Security != nil && len(*op.Security) > 0 && !slices.ContainsFunc(*op.Security, func(r openapi3.SecurityRequirement) bool {
				_, ok := r["apiKeyAuth"]
				return !ok
			})
			for status, resp := range op.Responses.Map() {
				if resp.Value == nil || status[0] != '4' && status[0] != '5' {
					continue
				}
				for mt, m := range resp.Value.Content {
					for _, code := range narrowedCodes(m.Schema, all) {
						var why string
						switch {
						case code == "MALFORMED_JSON" && !hasBody:
							why = "it takes no request body"
						case code == "CARD_NUMBER_REFUSED" && !hasBody && !takesCardHeader:
							why = "it takes neither a body nor an Idempotency-Key or X-Merchant-Id"
						case code == "MERCHANT_REQUIRED" && op.OperationID == "postSessionEvent":
							why = "a processor's event needs no merchant_id"
						case code == "MERCHANT_REQUIRED" && keyOnly:
							why = "only an API key reaches it, and a key acts for its merchant"
						case code == "PARENT_CLOSED" && op.OperationID != "postSessionEvent":
							why = "only a processor's event moves money on a child"
						}
						if why != "" {
							t.Errorf("%s %s → %s (%s) names %s, which it can never answer: %s", method, path, status, mt, code, why)
						}
					}
				}
			}
		}
	}
}

// TestOpenAPIArraysNameTheirItems: every array schema says what it holds,
// as Spectral's OpenAPI ruleset (the other widely used linter beside
// Redocly CLI) demands in its array-items rule: `Schemas with "type:
// array", require a sibling "items" field`. Without it a client generator
// types the array as a list of anything. Examples and other data (enum,
// const, default, extensions) are values, not schemas, and are not read.
func TestOpenAPIArraysNameTheirItems(t *testing.T) {
	data := map[string]bool{"example": true, "examples": true, "enum": true, "const": true, "default": true}
	var found int
	var scan func(n *yaml.Node, ptr string)
	scan = func(n *yaml.Node, ptr string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				scan(c, ptr)
			}
		case yaml.AliasNode:
			scan(n.Alias, ptr)
		case yaml.SequenceNode:
			for i, c := range n.Content {
				scan(c, ptr+"/"+strconv.Itoa(i))
			}
		case yaml.MappingNode:
			isArray, hasItems := false, false
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i].Value, n.Content[i+1]
				switch {
				case k == "type" && v.Kind == yaml.ScalarNode:
					isArray = isArray || v.Value == "array"
				case k == "type" && v.Kind == yaml.SequenceNode:
					for _, c := range v.Content {
						isArray = isArray || c.Value == "array"
					}
				case k == "items" || k == "prefixItems":
					hasItems = true
				}
				if !data[k] && !strings.HasPrefix(k, "x-") {
					scan(v, ptr+"/"+pointerToken(k))
				}
			}
			if isArray {
				found++
				if !hasItems {
					t.Errorf("%s: an array schema without items; got no items; want the schema of its elements", ptr)
				}
			}
		}
	}
	scan(loadYAML(t), "")
	if found == 0 {
		t.Fatal("no array schema found; the walk is broken")
	}
}
