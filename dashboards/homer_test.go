package dashboards

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The shipped 100_default correlation mapping is valid JSON with the keys
// homer-app understands, looks up types 5, 35 and 1, and uses SQL field
// expressions (the stock mapping's "data_header.callid" fails in SQL).
func TestHomerCorrelationMapping(t *testing.T) {
	b, err := os.ReadFile("homer/100_default_mapping.sql")
	if err != nil {
		t.Fatal(err)
	}
	sql := string(b)
	m := regexp.MustCompile(`(?s)SET correlation_mapping = '(.*?)'\s*\nWHERE hepid = 100 AND profile = 'default';`).FindStringSubmatch(sql)
	if m == nil {
		t.Fatalf("no UPDATE of the 100/default correlation_mapping in:\n%s", sql)
	}
	literal := strings.ReplaceAll(m[1], "''", "'") // SQL string escaping
	var entries []struct {
		SourceField   string `json:"source_field"`
		LookupID      int    `json:"lookup_id"`
		LookupProfile string `json:"lookup_profile"`
		LookupField   string `json:"lookup_field"`
		LookupRange   []int  `json:"lookup_range"`
	}
	dec := json.NewDecoder(strings.NewReader(literal))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		t.Fatalf("mapping JSON: %v\n%s", err, literal)
	}
	seen := map[int]bool{}
	for _, e := range entries {
		seen[e.LookupID] = true
		if e.SourceField != "sid" || e.LookupProfile == "" || len(e.LookupRange) != 2 || e.LookupRange[0] >= e.LookupRange[1] {
			t.Errorf("bad entry %+v", e)
		}
		if strings.Contains(e.LookupField, "data_header.") || strings.Contains(e.LookupField, "protocol_header.") {
			t.Errorf("lookup_field %q is not SQL (use data_header->>'x')", e.LookupField)
		}
	}
	for _, id := range []int{1, 5, 35} {
		if !seen[id] {
			t.Errorf("no lookup of HEP type %d", id)
		}
	}
	apply, err := os.ReadFile("homer/apply-mapping.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(apply), "/homer/100_default_mapping.sql") || !strings.Contains(string(apply), "ON_ERROR_STOP=1") {
		t.Error("apply-mapping.sh does not apply /homer/100_default_mapping.sql with ON_ERROR_STOP")
	}
}
