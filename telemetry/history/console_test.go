package history_test

import (
	"os"
	"strings"
	"testing"
)

// TestConsoleUsesTheseEndpoints keeps web/console/console.js and Handler in
// step: every path the page fetches must be one Handler serves.
func TestConsoleUsesTheseEndpoints(t *testing.T) {
	js, err := os.ReadFile("../../web/console/console.js")
	if err != nil {
		t.Fatal(err)
	}
	src := string(js)
	for _, want := range []string{"const API = 'api/'", "getJSON('sessions')", "getJSON('sessions/' + id)", "getJSON('global')", "API + 'tail'", "getJSON('rooms')", "getJSON('config')"} {
		if !strings.Contains(src, want) {
			t.Errorf("console.js no longer contains %q", want)
		}
	}
	html, err := os.ReadFile("../../web/console/index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`src="console.js"`, `href="console.css"`, `href="style.css"`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
}
