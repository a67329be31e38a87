package dashboards

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// homerFields reads the shipped 100_default search form (fields_mapping).
func homerFields(t *testing.T) []homerField {
	b, err := os.ReadFile("homer/100_default_mapping.sql")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)SET fields_mapping = '(.*?)'\s*\nWHERE hepid = 100 AND profile = 'default';`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("no UPDATE of the 100/default fields_mapping")
	}
	var fields []homerField
	dec := json.NewDecoder(strings.NewReader(strings.ReplaceAll(m[1], "''", "'")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fields); err != nil {
		t.Fatalf("fields_mapping JSON: %v", err)
	}
	return fields
}

type homerField struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Index    string `json:"index"`
	FormType string `json:"form_type"`
	Position int    `json:"position"`
	Skip     bool   `json:"skip"`
	Hide     bool   `json:"hide"`
	SIDType  bool   `json:"sid_type"`
}

// extractField matches the exact-value fields: a regular expression
// applied to the LOG row's payload, substring(raw from '<re>').
var extractField = regexp.MustCompile(`^substring\(raw from '([^']+)'\)$`)

// The search form has only fields homer-app 1.5 accepts (its allow-list:
// columns, data_header/protocol_header plus a plain key, or a dot-free SQL
// expression, here only substring(raw from '<re>') without the SQL
// layer's "?" placeholder), each id once, and shows the session/room id,
// the exact opaque id, handle id, display name and room fields, the RAW
// pattern field and the client address.
func TestHomerFieldsMapping(t *testing.T) {
	fields := homerFields(t)
	key := regexp.MustCompile(`^(sid|raw|id|create_date|(data_header|protocol_header)\.[a-zA-Z_][a-zA-Z0-9_]*)$`)
	seen := map[string]bool{}
	for _, f := range fields {
		expr := extractField.MatchString(f.ID) && !strings.ContainsAny(f.ID, ".?")
		if !(key.MatchString(f.ID) || expr) || seen[f.ID] || f.Name == "" || (f.Type != "string" && f.Type != "integer") || f.FormType != "input" {
			t.Errorf("field %+v: not searchable by homer-app or repeated", f)
		}
		seen[f.ID] = true
		if (f.ID == "sid" || f.ID == "raw" || f.ID == "protocol_header.srcIp") && (f.Hide || f.Skip) {
			t.Errorf("field %s hidden from the search form", f.ID)
		}
	}
	for _, id := range []string{"sid", "raw", "protocol_header.srcIp", "protocol_header.srcPort"} {
		if !seen[id] {
			t.Errorf("no %s field", id)
		}
	}
}

// The exact-value fields find the value of their key in Argus's LOG
// payloads (the JSON of the events), and only it: the first match of each
// field's expression (PostgreSQL's substring returns the first capture;
// these patterns mean the same in Go's syntax) equals the event's value.
func TestHomerExactSearchFields(t *testing.T) {
	byName := map[string]*regexp.Regexp{}
	for _, f := range homerFields(t) {
		if m := extractField.FindStringSubmatch(f.ID); m != nil {
			byName[f.Name] = regexp.MustCompile(m[1])
		}
	}
	joined := `{"emitter":"gw","type":64,"timestamp":1796505144146825,"session_id":4406719210203022,` +
		`"handle_id":5605385101953906,"opaque_id":"videoroom-alice","event":{"plugin":"janus.plugin.videoroom",` +
		`"data":{"display":"alice","event":"joined","id":12,"private_id":17,"publishers":[{"id":13,"display":"bob"}],"room":1234}}}`
	stringRoom := `{"emitter":"gw","type":64,"session_id":1,"handle_id":2,"event":{"plugin":"janus.plugin.videoroom",` +
		`"data":{"event":"leaving","room":"lobby","id":12}}}`
	attached := `{"emitter":"gw","type":2,"timestamp":1,"session_id":1,"handle_id":77,"opaque_id":"echotest-x",` +
		`"event":{"name":"attached","plugin":"janus.plugin.echotest","opaque_id":"echotest-x"}}`
	core := `{"emitter":"gw","type":256,"subtype":1,"timestamp":1,"event":{"status":"started"}}`
	tests := []struct {
		field, payload, want string // want "" = no match
	}{
		{"Opaque id", joined, "videoroom-alice"},
		{"Opaque id", attached, "echotest-x"},
		{"Opaque id", core, ""},
		{"Handle id", joined, "5605385101953906"},
		{"Handle id", core, ""},
		{"Display name", joined, "alice"},
		{"Display name", attached, ""},
		{"Room", joined, "1234"},
		{"Room", stringRoom, "lobby"},
		{"Room", attached, ""},
	}
	for _, tt := range tests {
		re, ok := byName[tt.field]
		if !ok {
			t.Fatalf("no exact field %q", tt.field)
		}
		got := ""
		if m := re.FindStringSubmatch(tt.payload); m != nil {
			got = m[1]
		}
		if got != tt.want {
			t.Errorf("%s in %.60s...: %q, want %q", tt.field, tt.payload, got, tt.want)
		}
	}
}
