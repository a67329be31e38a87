package dashboards

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The shipped 100_default search form (fields_mapping) has only fields
// homer-app accepts (columns, or data_header/protocol_header plus a plain
// key: its search allow-list), each id once, and shows the session/room id,
// the RAW pattern field and the client address.
func TestHomerFieldsMapping(t *testing.T) {
	b, err := os.ReadFile("homer/100_default_mapping.sql")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)SET fields_mapping = '(.*?)'\s*\nWHERE hepid = 100 AND profile = 'default';`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("no UPDATE of the 100/default fields_mapping")
	}
	var fields []struct {
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
	dec := json.NewDecoder(strings.NewReader(strings.ReplaceAll(m[1], "''", "'")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fields); err != nil {
		t.Fatalf("fields_mapping JSON: %v", err)
	}
	key := regexp.MustCompile(`^(sid|raw|id|create_date|(data_header|protocol_header)\.[a-zA-Z_][a-zA-Z0-9_]*)$`)
	seen := map[string]bool{}
	for _, f := range fields {
		if !key.MatchString(f.ID) || seen[f.ID] || f.Name == "" || (f.Type != "string" && f.Type != "integer") || f.FormType != "input" {
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
