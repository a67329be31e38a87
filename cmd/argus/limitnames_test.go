package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/argusrtc/argus/core"
)

// TestLimitNamesDeclared ties the limit names counted to the ones
// declared: every first argument of a refused(...) or Refused(...) call in
// the core's and each plugin's non-test files, a constant resolved to its
// value, is among core.LimitNames or (in a plugin) among the names the
// plugin declared when it registered (core.PluginLimits), so that no label
// is missing from /metrics until its first refusal. A call forwarding a
// parameter of its function (the counters' own plumbing) is skipped; any
// other argument the test cannot resolve fails it.
func TestLimitNamesDeclared(t *testing.T) {
	root := filepath.Join("..", "..")
	coreNames := core.LimitNames()

	coreUses := limitUses(t, root, filepath.Join(root, "core"))
	if len(coreUses) == 0 {
		t.Fatal("no refused(...) call found in core: the test reads nothing")
	}
	for _, u := range coreUses {
		if !slices.Contains(coreNames, u.name) {
			t.Errorf("%s counts limit %q, which core.LimitNames lacks", u.pos, u.name)
		}
	}

	dirs, err := filepath.Glob(filepath.Join(root, "plugins", "*"))
	if err != nil {
		t.Fatal(err)
	}
	pluginUses := 0
	for _, dir := range dirs {
		uses := limitUses(t, root, dir)
		if len(uses) == 0 {
			continue
		}
		pluginUses += len(uses)
		pkg := registeredPackage(t, root, dir)
		if pkg == "" {
			t.Errorf("%s counts limits but registers no plugin (core.RegisterPlugin)", dir)
			continue
		}
		if !slices.Contains(core.RegisteredPlugins(), pkg) {
			t.Errorf("%s registers %s, which cmd/argus does not import", dir, pkg)
			continue
		}
		declared := core.PluginLimitNames(pkg)
		for _, u := range uses {
			if !slices.Contains(declared, u.name) && !slices.Contains(coreNames, u.name) {
				t.Errorf("%s counts limit %q, which %s does not declare (core.PluginLimits: %v)", u.pos, u.name, pkg, declared)
			}
		}
	}
	if pluginUses == 0 {
		t.Fatal("no refused(...) call found in plugins: the test reads nothing")
	}
}

// limitUse is a limit name a refused(...) or Refused(...) call counts.
type limitUse struct {
	pos  token.Position
	name string
}

// goPackage is a directory's parsed non-test files and string constants.
type goPackage struct {
	fset   *token.FileSet
	files  []*ast.File
	consts map[string]string
}

// parsePackage parses dir's non-test Go files and resolves its top-level
// string constants (literals, or other constants of the package).
func parsePackage(t *testing.T, dir string) goPackage {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	p := goPackage{fset: token.NewFileSet(), consts: map[string]string{}}
	exprs := map[string]ast.Expr{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(p.fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		p.files = append(p.files, f)
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						exprs[n.Name] = vs.Values[i]
					}
				}
			}
		}
	}
	for name := range exprs {
		e := exprs[name]
		for range len(exprs) { // a chain of constants, bounded
			id, ok := e.(*ast.Ident)
			if !ok || exprs[id.Name] == nil {
				break
			}
			e = exprs[id.Name]
		}
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if v, err := strconv.Unquote(lit.Value); err == nil {
				p.consts[name] = v
			}
		}
	}
	return p
}

// limitUses returns the limit names dir's non-test files count.
func limitUses(t *testing.T, root, dir string) []limitUse {
	t.Helper()
	p := parsePackage(t, dir)
	var uses []limitUse
	for _, f := range p.files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			params := map[string]bool{}
			ast.Inspect(fd, func(n ast.Node) bool {
				if ft, ok := n.(*ast.FuncType); ok && ft.Params != nil {
					for _, field := range ft.Params.List {
						for _, id := range field.Names {
							params[id.Name] = true
						}
					}
				}
				return true
			})
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 || !isRefusedCall(call.Fun) {
					return true
				}
				pos := p.fset.Position(call.Pos())
				arg := call.Args[0]
				if id, ok := arg.(*ast.Ident); ok && params[id.Name] {
					if _, isConst := p.consts[id.Name]; !isConst {
						return true // forwarded
					}
				}
				name, ok := resolveString(t, root, f, p.consts, arg)
				if !ok {
					t.Errorf("%s: cannot resolve the limit name %s", pos, types.ExprString(arg))
					return true
				}
				uses = append(uses, limitUse{pos: pos, name: name})
				return true
			})
		}
	}
	return uses
}

// isRefusedCall reports whether fun is refused or Refused, or a method or
// function of that name.
func isRefusedCall(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name == "refused" || f.Name == "Refused"
	case *ast.SelectorExpr:
		return f.Sel.Name == "refused" || f.Sel.Name == "Refused"
	}
	return false
}

// resolveString resolves e, a string literal, a constant of the package
// or one of another package of this module (pkg.Name), to its value.
func resolveString(t *testing.T, root string, f *ast.File, consts map[string]string, e ast.Expr) (string, bool) {
	t.Helper()
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(x.Value)
		return v, err == nil
	case *ast.Ident:
		v, ok := consts[x.Name]
		return v, ok
	case *ast.SelectorExpr:
		pkg, ok := x.X.(*ast.Ident)
		if !ok {
			return "", false
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			rel, inModule := strings.CutPrefix(path, "github.com/argusrtc/argus/")
			if !inModule {
				continue
			}
			name := filepath.Base(rel)
			if imp.Name != nil {
				name = imp.Name.Name
			}
			if name == pkg.Name {
				v, ok := parsePackage(t, filepath.Join(root, filepath.FromSlash(rel))).consts[x.Sel.Name]
				return v, ok
			}
		}
	}
	return "", false
}

// registeredPackage returns the Janus package name dir's
// core.RegisterPlugin call registers, "" if it has none.
func registeredPackage(t *testing.T, root, dir string) string {
	t.Helper()
	p := parsePackage(t, dir)
	pkg := ""
	for _, f := range p.files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "RegisterPlugin" {
				v, ok := resolveString(t, root, f, p.consts, call.Args[0])
				if !ok {
					t.Errorf("%s: cannot resolve the registered package name", p.fset.Position(call.Pos()))
				}
				pkg = v
			}
			return true
		})
	}
	return pkg
}
