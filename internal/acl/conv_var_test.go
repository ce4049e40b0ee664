package acl

import "testing"

// varSample is a request with variables.
type varSample struct {
	*fakeSample
	vars map[string]Value
}

func (s *varSample) Var(name string) (Value, bool) {
	v, ok := s.vars[name]
	return v, ok
}

// TestConverterVariables: arithmetic converters and concat read their
// variable arguments at each evaluation, as HAProxy does.
func TestConverterVariables(t *testing.T) {
	t.Parallel()
	s := &varSample{fakeSample: req("GET", "/"), vars: map[string]Value{
		"txn.n":    {Type: TypeInt, Int: 5},
		"txn.s":    {Type: TypeStr, Bytes: []byte("12")},
		"txn.word": {Type: TypeStr, Bytes: []byte("mid")},
		"txn.bad":  {Type: TypeStr, Bytes: []byte("x")},
	}}
	tests := []struct{ name, expr, want string }{
		{name: "add", expr: "int(1),add(txn.n)", want: "6"},
		{name: "mul string variable", expr: "int(2),mul(txn.s)", want: "24"},
		{name: "sub and div chained", expr: "int(20),sub(txn.n),div(txn.n)", want: "3"},
		{name: "missing variable fails", expr: "int(1),add(txn.none)", want: none},
		{name: "not a number fails", expr: "int(1),add(txn.bad)", want: none},
		{name: "concat", expr: "str(a),concat(<,txn.word,>)", want: "a<mid>"},
		{name: "concat integer variable", expr: "str(a),concat(=,txn.n)", want: "a=5"},
		{name: "concat missing variable", expr: "str(a),concat(<,txn.none,>)", want: "a<>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x, err := CompileExpr(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			v, _, ok := x.Eval(s, nil)
			got := none
			if ok {
				got = v.String()
			}
			if got != tc.want {
				t.Errorf("%s = %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
	// Without variables at all, an integer variable argument fails.
	x, err := CompileExpr("int(1),add(txn.n)")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := x.Eval(req("GET", "/"), nil); ok {
		t.Error("add(txn.n) on a sample without variables gave a value")
	}
}
