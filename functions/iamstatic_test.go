package functions_test

import (
	"go/ast"
	"go/constant"
	"go/types"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"

	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/store"
)

// The module's import path, and the packages whose calls are IAM actions.
const (
	modulePath    = "github.com/paysessions/paysessions"
	dynamoPkg     = "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamoTypes   = "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	sdkServices   = "github.com/aws/aws-sdk-go-v2/service/"
	apiKeyLookup  = "(*" + modulePath + "/shared/store.Store).APIKey"
	transactWrite = "TransactWriteItems"
	transactGet   = "TransactGetItems"
)

// transactItemActions: each field of a transaction's item is authorised as
// its own action ("Using IAM with DynamoDB transactions", Amazon DynamoDB
// Developer Guide).
var transactItemActions = map[string]string{
	"TransactWriteItem.Put":            "dynamodb:PutItem",
	"TransactWriteItem.Update":         "dynamodb:UpdateItem",
	"TransactWriteItem.Delete":         "dynamodb:DeleteItem",
	"TransactWriteItem.ConditionCheck": "dynamodb:ConditionCheckItem",
	"TransactGetItem.Get":              "dynamodb:GetItem",
}

// checkMarker is the one way into a transaction's ConditionCheck items:
// store.Txn's writeAll builds one for each session in Txn.checks, which
// only Txn.Check fills (TestPoliciesAreWhatTheCodeCanReach checks that). So
// a function whose code never reaches Check sends none, though the
// transaction code it runs can build them.
const (
	checkMarker  = "(*" + modulePath + "/shared/store.Txn).Check"
	checkField   = "TransactWriteItem.ConditionCheck"
	checksHolder = modulePath + "/shared/store.Txn.checks"
)

// reached is what a function's code can do, read statically.
type reached struct {
	calls  map[string]bool // methods of *dynamodb.Client called
	others map[string]bool // calls on another AWS service's client ("kms:Decrypt")
	fields map[string]bool // transaction item fields set (TransactWriteItem.Put)
	consts map[string]bool // string constants the code holds (index names)
	funcs  map[*ssa.Function]bool
}

// reaches says whether the function named name (ssa's String) can run.
func (r reached) reaches(name string) bool {
	for fn := range r.funcs {
		if fn.String() == name {
			return true
		}
	}
	return false
}

// grants turns what the code can reach into IAM actions: a transaction
// into the actions of the item kinds the reached code builds, a Query into
// one on each index whose name the reached code holds (the table's own
// when none).
func (r reached) grants(indexes []string) []grant {
	set := map[grant]bool{}
	for call := range r.calls {
		switch call {
		case transactWrite, transactGet:
			prefix := "TransactWriteItem."
			if call == transactGet {
				prefix = "TransactGetItem."
			}
			for f := range r.fields {
				if f == checkField && !r.reaches(checkMarker) {
					continue
				}
				if strings.HasPrefix(f, prefix) {
					set[grant{transactItemActions[f], ""}] = true
				}
			}
		case "Query", "Scan":
			n := 0
			for _, ix := range indexes {
				if r.consts[ix] {
					set[grant{"dynamodb:" + call, ix}] = true
					n++
				}
			}
			if n == 0 {
				set[grant{"dynamodb:" + call, ""}] = true
			}
		default:
			set[grant{"dynamodb:" + call, ""}] = true
		}
	}
	out := slices.Collect(maps.Keys(set))
	sortGrants(out)
	return out
}

// staticProgram loads the functions and the packages of this module they
// import from source (their other dependencies from export data: their
// calls are leaves) and builds SSA. The rest of shared/ (the local
// servers, test helpers) no function imports, so none of its code is
// reachable from a function; loading it cost most of this load.
func staticProgram(t *testing.T) (*ssa.Program, []*packages.Package) {
	t.Helper()
	list := exec.Command("go", "list", "-deps", "-f", `{{if .Module}}{{if eq .Module.Path "`+modulePath+`"}}{{.ImportPath}}{{end}}{{end}}`, "./functions/...")
	list.Dir = root
	list.Stderr = os.Stderr
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var patterns []string
	for p := range strings.Lines(string(out)) {
		if p = strings.TrimSpace(p); p != "" {
			patterns = append(patterns, p)
		}
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedTypes |
			packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedTypesSizes,
		Dir: root,
	}
	if raceBuild {
		cfg.BuildFlags = []string{"-race"} // the export data this binary's build made
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("packages did not load")
	}
	prog, _ := ssautil.Packages(pkgs, ssa.InstantiateGenerics)
	prog.Build()
	return prog, pkgs
}

// routeMakers maps each route table pattern to the function literal that
// makes its handler (httpapi's routeTable), and says whether the route takes
// X-Api-Key: an auth.Rule literal with APIKey: true in the handler maker it
// calls. A route that does not take API keys never reaches the store's key
// lookup, though the authenticator it shares with the others can.
func routeMakers(t *testing.T, prog *ssa.Program, pkgs []*packages.Package) (map[string]*ssa.Function, map[string]bool) {
	t.Helper()
	var httpapiPkg *packages.Package
	for _, p := range pkgs {
		if p.PkgPath == modulePath+"/shared/httpapi" {
			httpapiPkg = p
		}
	}
	if httpapiPkg == nil {
		t.Fatal("shared/httpapi not loaded")
	}
	byPos := map[string]*ssa.Function{}
	for fn := range ssautil.AllFunctions(prog) {
		if lit, ok := fn.Syntax().(*ast.FuncLit); ok {
			byPos[prog.Fset.Position(lit.Pos()).String()] = fn
		}
	}
	// Whether a handler maker (a top-level function of httpapi) takes API keys.
	takesKeys := map[string]*bool{}
	for _, f := range httpapiPkg.Syntax {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Body == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				cl, ok := n.(*ast.CompositeLit)
				if !ok {
					return true
				}
				tv := httpapiPkg.TypesInfo.Types[cl]
				if named, ok := tv.Type.(*types.Named); !ok || named.Obj().Name() != "Rule" || named.Obj().Pkg().Path() != modulePath+"/shared/auth" {
					return true
				}
				v := false
				for _, e := range cl.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if k, _ := kv.Key.(*ast.Ident); ok && k != nil && k.Name == "APIKey" {
						c := httpapiPkg.TypesInfo.Types[kv.Value].Value
						v = c == nil || constant.BoolVal(c) // not a constant: assume it may
					}
				}
				if takesKeys[fd.Name.Name] != nil && *takesKeys[fd.Name.Name] != v {
					v = true // two rules: either may hold
				}
				takesKeys[fd.Name.Name] = &v
				return true
			})
		}
	}
	makers := map[string]*ssa.Function{}
	keys := map[string]bool{}
	for _, f := range httpapiPkg.Syntax {
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "routeTable" || len(vs.Values) != 1 {
				return true
			}
			for _, e := range vs.Values[0].(*ast.CompositeLit).Elts {
				row := e.(*ast.CompositeLit)
				if len(row.Elts) != 2 {
					t.Fatalf("routeTable row %v: want {pattern, maker}", row)
				}
				c := httpapiPkg.TypesInfo.Types[row.Elts[0]].Value
				lit, ok := row.Elts[1].(*ast.FuncLit)
				if c == nil || !ok {
					t.Fatalf("routeTable row at %v: want a constant pattern and a function literal", prog.Fset.Position(row.Pos()))
				}
				pattern := constant.StringVal(c)
				makers[pattern] = byPos[prog.Fset.Position(lit.Pos()).String()]
				// The handler maker(s) the literal calls.
				found := false
				ast.Inspect(lit.Body, func(n ast.Node) bool {
					if call, ok := n.(*ast.CallExpr); ok {
						if id, ok := call.Fun.(*ast.Ident); ok && takesKeys[id.Name] != nil {
							keys[pattern] = keys[pattern] || *takesKeys[id.Name]
							found = true
						}
					}
					return true
				})
				if !found {
					t.Errorf("routeTable %s: its maker names no function with an auth.Rule; cannot tell whether it takes API keys", pattern)
				}
			}
			return false
		})
	}
	if len(makers) == 0 {
		t.Fatal("routeTable not found in shared/httpapi")
	}
	return makers, keys
}

// reach walks every function the roots can run: static calls, every
// function or closure the code refers to (a handler made, a method value, a
// callback: whoever calls it, it can run), calls through the module's own
// interfaces, resolved to the module's types in the binary, and every
// method of a module type the code puts in an interface (another module's
// code may call it through one: sort.Sort's Less, fmt's String, an
// http.Handler, an SDK middleware). Functions of other modules are leaves;
// calls to *dynamodb.Client are recorded, those through an interface it
// implements (one of the module's, the SDK's QueryAPIClient) included, and
// the SDK's paginators and waiters as the operation they call. A call into
// the dynamodb package the test cannot map, or a method called by
// reflection, is recorded in others (it fails the test).
func reach(prog *ssa.Program, roots []*ssa.Function, impls []types.Type, client types.Type, skip map[string]bool) reached {
	r := reached{calls: map[string]bool{}, others: map[string]bool{}, fields: map[string]bool{}, consts: map[string]bool{}, funcs: map[*ssa.Function]bool{}}
	queue := slices.Clone(roots)
	add := func(fn *ssa.Function) {
		if fn != nil && !r.funcs[fn] && !skip[fn.String()] {
			r.funcs[fn] = true
			queue = append(queue, fn)
		}
	}
	for _, fn := range roots {
		r.funcs[fn] = true
	}
	var ops []*ssa.Value
	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		if fn.Pkg != nil && !strings.HasPrefix(fn.Pkg.Pkg.Path(), modulePath) {
			continue
		}
		for _, anon := range fn.AnonFuncs {
			add(anon)
		}
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				for _, op := range instr.Operands(ops[:0]) {
					switch v := (*op).(type) {
					case *ssa.Function:
						add(v)
					case *ssa.Const:
						if v.Value != nil && v.Value.Kind() == constant.String {
							r.consts[constant.StringVal(v.Value)] = true
						}
					}
				}
				if mi, ok := instr.(*ssa.MakeInterface); ok {
					t := mi.X.Type()
					base := t
					if p, ok := t.(*types.Pointer); ok {
						base = p.Elem()
					}
					if n, ok := types.Unalias(base).(*types.Named); ok && n.Obj().Pkg() != nil && strings.HasPrefix(n.Obj().Pkg().Path(), modulePath) && !moduleNamed(mi.Type()) {
						mset := prog.MethodSets.MethodSet(t)
						for i := range mset.Len() {
							add(prog.MethodValue(mset.At(i)))
						}
					}
				}
				// A value of one of the module's interfaces handed on as
				// another module's (any, fmt.Stringer): whatever module type
				// it holds may have any of its methods called there.
				var from, to types.Type
				switch v := instr.(type) {
				case *ssa.ChangeInterface:
					from, to = v.X.Type(), v.Type()
				case *ssa.TypeAssert:
					from, to = v.X.Type(), v.AssertedType
				}
				if from != nil && moduleNamed(from) && !moduleNamed(to) && types.IsInterface(to) {
					if iface, ok := from.Underlying().(*types.Interface); ok {
						for _, t := range impls {
							if types.Implements(t, iface) {
								mset := prog.MethodSets.MethodSet(t)
								for i := range mset.Len() {
									add(prog.MethodValue(mset.At(i)))
								}
							}
						}
					}
				}
				if fa, ok := instr.(*ssa.FieldAddr); ok {
					if st, ok := types.Unalias(fa.X.Type().Underlying().(*types.Pointer).Elem()).(*types.Named); ok &&
						st.Obj().Pkg() != nil && st.Obj().Pkg().Path() == dynamoTypes {
						r.fields[st.Obj().Name()+"."+st.Underlying().(*types.Struct).Field(fa.Field).Name()] = true
					}
				}
				call, ok := instr.(ssa.CallInstruction)
				if !ok {
					continue
				}
				c := call.Common()
				if c.IsInvoke() {
					// Any interface *dynamodb.Client implements may hold it.
					if iface, ok := c.Value.Type().Underlying().(*types.Interface); ok && types.Implements(client, iface) {
						r.calls[c.Method.Name()] = true
					}
					named, ok := types.Unalias(c.Value.Type()).(*types.Named)
					if !ok || named.Obj().Pkg() == nil || !strings.HasPrefix(named.Obj().Pkg().Path(), modulePath) {
						continue
					}
					iface := named.Underlying().(*types.Interface)
					for _, t := range impls {
						if types.Implements(t, iface) {
							if sel := prog.MethodSets.MethodSet(t).Lookup(c.Method.Pkg(), c.Method.Name()); sel != nil {
								add(prog.MethodValue(sel))
							}
						}
					}
					continue
				}
				callee := c.StaticCallee()
				if callee == nil {
					continue
				}
				if callee.Pkg != nil && callee.Pkg.Pkg.Path() == dynamoPkg && callee.Signature.Recv() == nil {
					if op, known := dynamoFuncs(callee.Name()); !known {
						r.others["dynamodb."+callee.Name()+" (a function of the SDK's dynamodb package this test cannot map to actions)"] = true
					} else if op != "" {
						r.calls[op] = true
					}
					continue
				}
				if callee.Pkg != nil && callee.Pkg.Pkg.Path() == "reflect" && (callee.Name() == "Method" || callee.Name() == "MethodByName") {
					r.others["reflect."+callee.Name()+" (a method called by reflection: this test cannot see which)"] = true
					continue
				}
				if recv := callee.Signature.Recv(); recv != nil {
					if p, ok := recv.Type().(*types.Pointer); ok {
						if n, ok := p.Elem().(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Name() == "Client" {
							switch path := n.Obj().Pkg().Path(); {
							case path == dynamoPkg:
								r.calls[callee.Name()] = true
								continue
							case strings.HasPrefix(path, sdkServices):
								// Another AWS service: no policy grants it.
								r.others[strings.TrimPrefix(path, sdkServices)+":"+callee.Name()] = true
								continue
							}
						}
					}
				}
				add(callee)
			}
		}
	}
	return r
}

// moduleNamed reports whether t is a named type of the module (calls
// through such an interface are resolved where they are made).
func moduleNamed(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && strings.HasPrefix(n.Obj().Pkg().Path(), modulePath)
}

// dynamoFuncs maps a top-level function of the SDK's dynamodb package the
// module calls to the operation it makes calls of ("" for none): a
// paginator or a waiter calls its client's operation through an interface
// the test does not see into. known is false for any other function.
func dynamoFuncs(name string) (op string, known bool) {
	switch name {
	case "init", "NewFromConfig", "New", "WithAPIOptions", "WithEndpointResolverV2", "WithSigV4SigningName", "WithSigV4SigningRegion":
		return "", true
	case "NewTableExistsWaiter", "NewTableNotExistsWaiter":
		return "DescribeTable", true
	}
	if op, ok := strings.CutSuffix(strings.TrimPrefix(name, "New"), "Paginator"); ok && strings.HasPrefix(name, "New") {
		return op, true
	}
	return "", false
}

// dynamoClient is *dynamodb.Client, as the loaded packages know it.
func dynamoClient(t *testing.T, pkgs []*packages.Package) types.Type {
	t.Helper()
	var found types.Type
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if d := p.Imports[dynamoPkg]; d != nil && found == nil {
			if tn, ok := d.Types.Scope().Lookup("Client").(*types.TypeName); ok {
				found = types.NewPointer(tn.Type())
			}
		}
	})
	if found == nil {
		t.Fatal("no loaded package imports " + dynamoPkg)
	}
	return found
}

// moduleTypes lists the module's named types (and pointers to them) in the
// packages a binary links: the candidates for a call through one of the
// module's interfaces.
func moduleTypes(main *packages.Package) []types.Type {
	var out []types.Type
	seen := map[string]bool{}
	var visit func(p *packages.Package)
	visit = func(p *packages.Package) {
		if seen[p.PkgPath] || !strings.HasPrefix(p.PkgPath, modulePath) {
			return
		}
		seen[p.PkgPath] = true
		if p.Types != nil {
			scope := p.Types.Scope()
			for _, name := range scope.Names() {
				if tn, ok := scope.Lookup(name).(*types.TypeName); ok && !tn.IsAlias() {
					if _, isIface := tn.Type().Underlying().(*types.Interface); !isIface {
						if n, ok := tn.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
							continue // generic types: none of the module's implements its interfaces
						}
						out = append(out, tn.Type(), types.NewPointer(tn.Type()))
					}
				}
			}
		}
		for _, imp := range p.Imports {
			visit(imp)
		}
	}
	visit(main)
	return out
}

// moduleTypesPackages lists the module's packages main links (its own
// included).
func moduleTypesPackages(main *packages.Package) []*types.Package {
	var out []*types.Package
	packages.Visit([]*packages.Package{main}, func(p *packages.Package) bool {
		return strings.HasPrefix(p.PkgPath, modulePath)
	}, func(p *packages.Package) {
		if strings.HasPrefix(p.PkgPath, modulePath) {
			out = append(out, p.Types)
		}
	})
	return out
}

// fieldWriters lists the functions that store to the struct field holder
// (package path, type and field: ".../store.Txn.checks").
func fieldWriters(prog *ssa.Program, holder string) []string {
	var out []string
	for fn := range ssautil.AllFunctions(prog) {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				fa, ok := instr.(*ssa.FieldAddr)
				if !ok {
					continue
				}
				n, ok := types.Unalias(fa.X.Type().Underlying().(*types.Pointer).Elem()).(*types.Named)
				if !ok || n.Obj().Pkg() == nil ||
					n.Obj().Pkg().Path()+"."+n.Obj().Name()+"."+n.Underlying().(*types.Struct).Field(fa.Field).Name() != holder {
					continue
				}
				for _, ref := range *fa.Referrers() {
					if st, ok := ref.(*ssa.Store); ok && st.Addr == fa && !slices.Contains(out, fn.String()) {
						out = append(out, fn.String())
					}
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestPoliciesAreWhatTheCodeCanReach reads, from the code itself, every
// DynamoDB action each function can call: from functions/<name>/main.go,
// through its route's handler maker (the route table's row) and shared/,
// to the calls on *dynamodb.Client, a transaction's items counted as the
// actions IAM authorises them as. The granted list (dynamoActions, which
// template.yaml grants exactly) must hold every one (or the call is
// AccessDenied in AWS, on a path no test may drive), and nothing else
// (least privilege: a grant no code can use). A call on any other AWS
// service's client (CloudWatch's PutMetricData, KMS) fails it too: the
// template grants the functions DynamoDB only (metrics are EMF log lines,
// the table's key is used through DynamoDB).
//
// It runs without the race detector (the Makefile's PLAIN_TESTS): it only
// reads the code, loading and type-checking it and building SSA, and starts
// no goroutine of its own (ssa's Build runs x/tools' own, none of this
// repository's code), so the detector has nothing here to find; under it
// the analysis, all of it instrumented, was the package's longest test.
func TestPoliciesAreWhatTheCodeCanReach(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	prog, pkgs := staticProgram(t)
	makers, takesKeys := routeMakers(t, prog, pkgs)
	patterns := patternConstants(t)
	def := store.TableDefinition("x")
	var indexes []string
	for _, g := range def.GlobalSecondaryIndexes {
		indexes = append(indexes, *g.IndexName)
	}
	if got := fieldWriters(prog, checksHolder); !slices.Equal(got, []string{checkMarker}) {
		t.Errorf("%s is written by %v; want only %s (checkMarker: a ConditionCheck item is counted only where Check is reached)", checksHolder, got, checkMarker)
	}
	client := dynamoClient(t, pkgs)
	mains := map[string]*packages.Package{}
	for _, p := range pkgs {
		if dir, ok := strings.CutPrefix(p.PkgPath, modulePath+"/functions/"); ok && p.Name == "main" {
			mains[dir] = p
		}
	}
	for _, dir := range functionDirs(t) {
		p := mains[dir]
		if p == nil {
			t.Errorf("functions/%s: no main package loaded", dir)
			continue
		}
		mainFn := prog.Package(p.Types).Func("main")
		// The package initialisers run too: a function a package-level
		// variable holds (a table of handlers) is reached from them. The
		// route table's makers but this function's own are skipped: its
		// binary holds them all, but main makes only its route's handler.
		roots := []*ssa.Function{mainFn}
		for _, m := range moduleTypesPackages(p) {
			roots = append(roots, prog.Package(m).Func("init"))
		}
		skip := map[string]bool{}
		pattern := mainPattern(t, dir, patterns)
		for other, maker := range makers {
			if other != pattern {
				skip[maker.String()] = true
			}
		}
		if pattern != "" {
			maker := makers[pattern]
			if maker == nil {
				t.Errorf("functions/%s: route %s has no maker in the route table", dir, pattern)
				continue
			}
			roots = append(roots, maker)
			if !takesKeys[pattern] {
				skip[apiKeyLookup] = true
			}
			// The key lookup reads APIKEY# items: a route that takes
			// X-Api-Key needs them in its GetItem's leading keys (else
			// every API-key request is AccessDenied, a 503), a bearer-only
			// route must not have them.
			if got := slices.Contains(itemKinds[dir]["dynamodb:GetItem"], kindAPIKey); got != takesKeys[pattern] {
				t.Errorf("functions/%s: itemKinds lets its GetItem read %s: %v; its route takes X-Api-Key: %v", dir, kindAPIKey, got, takesKeys[pattern])
			}
		}
		r := reach(prog, roots, moduleTypes(p), client, skip)
		for op := range r.others {
			t.Errorf("functions/%s can call %s, which no policy of the template grants", dir, op)
		}
		got := r.grants(indexes)
		want := slices.Clone(dynamoActions[dir])
		sortGrants(want)
		t.Logf("functions/%s can call %v (%d functions of the module)", dir, got, len(r.funcs))
		for _, g := range got {
			if !slices.Contains(want, g) {
				t.Errorf("functions/%s can call %v, which its policy does not grant (AccessDenied in AWS); grants %v", dir, g, want)
			}
		}
		for _, g := range want {
			if !slices.Contains(got, g) {
				t.Errorf("functions/%s is granted %v, which no code it runs calls; can call %v", dir, g, got)
			}
		}
	}
}
