package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/api"
	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// TestSection60Cycle: an inspector's authorisation is pending until the record that a
// superintendent was informed (s60(3A)), in the register and in the metric; the record
// refuses a rank below superintendent, a time before the authorisation, a second record,
// and an authorisation a superintendent gave. Community notices are recorded in order,
// each stage holding to the authorisation's hours; both are audited with who recorded
// them, and a viewer may not record either.
func TestSection60Cycle(t *testing.T) {
	s, svc, keys := keyedServer(t, api.Config{RateLimit: -1})
	cmd, viewer := keys[hexbeat.RoleCommander], keys[hexbeat.RoleViewer]
	start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	area := `{"type":"Polygon","coordinates":[[[-0.80,52.03],[-0.74,52.03],[-0.74,52.06],[-0.80,52.06],[-0.80,52.03]]]}`
	authorise := func(rank string) string {
		t.Helper()
		code, b, _ := call(t, s, "POST", "/api/v1/section60/authorisations", cmd, fmt.Sprintf(
			`{"area":%s,"grounds":"a stabbing in Central Milton Keynes","officer":"J Smith","rank":%q,"start":%q,"end":%q}`,
			area, rank, start.Format(time.RFC3339), start.Add(15*time.Hour).Format(time.RFC3339)))
		if code != 201 {
			t.Fatalf("authorise by %s: %d %s", rank, code, b)
		}
		var f struct{ ID int64 }
		json.Unmarshal(b, &f)
		return fmt.Sprint(f.ID)
	}
	props := func(id string) map[string]any {
		t.Helper()
		_, b, _ := call(t, s, "GET", "/api/v1/section60/authorisations/"+id, viewer, "")
		var f struct{ Properties map[string]any }
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%v %s", err, b)
		}
		return f.Properties
	}
	pendingMetric := func() string {
		t.Helper()
		_, b, _ := call(t, s, "GET", "/metrics", keys[hexbeat.RoleAdmin], "")
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "hexbeat_section60_pending_superintendent ") {
				return strings.TrimPrefix(l, "hexbeat_section60_pending_superintendent ")
			}
		}
		return "absent"
	}
	id := authorise("Inspector")
	if p := props(id); p["pending_superintendent"] != true || p["superintendent_required"] != true || p["informed"] != nil {
		t.Fatalf("an inspector's authorisation: %v", p)
	}
	if m := pendingMetric(); m != "1" {
		t.Errorf("pending metric %s, want 1", m)
	}
	informed := "/api/v1/section60/authorisations/" + id + "/informed"
	for body, want := range map[string]string{
		`{"officer":"A Jones","rank":"Chief Inspector","at":"` + start.Add(time.Hour).Format(time.RFC3339) + `"}`: `422`,
		`{"officer":"A Jones","rank":"Superintendent","at":"` + start.Add(-time.Hour).Format(time.RFC3339) + `"}`: `422`,
		`{"officer":"","rank":"Major","at":"soon"}`:                                                               `400`,
	} {
		if code, b, _ := call(t, s, "POST", informed, cmd, body); fmt.Sprint(code) != want {
			t.Errorf("%s: %d %s, want %s", body, code, b, want)
		}
	}
	if code, b, _ := call(t, s, "POST", informed, viewer, `{"officer":"A Jones","rank":"Superintendent","at":"`+start.Format(time.RFC3339)+`"}`); code != 403 {
		t.Errorf("a viewer's record: %d %s", code, b)
	}
	at := start.Add(30 * time.Minute).Format(time.RFC3339)
	if code, b, _ := call(t, s, "POST", informed, cmd, `{"officer":"A Jones","rank":"Superintendent","at":"`+at+`"}`); code != 200 {
		t.Fatalf("the record: %d %s", code, b)
	}
	p := props(id)
	inf, _ := p["informed"].(map[string]any)
	if p["pending_superintendent"] != false || inf["officer"] != "A Jones" || inf["at"] != at || inf["hours_after_start"] != 0.5 || !strings.HasPrefix(fmt.Sprint(inf["recorded_by"]), "test commander") {
		t.Errorf("after the record: %v", p)
	}
	if m := pendingMetric(); m != "0" {
		t.Errorf("pending metric %s, want 0", m)
	}
	if code, b, _ := call(t, s, "POST", informed, cmd, `{"officer":"B Brown","rank":"Chief Superintendent","at":"`+at+`"}`); code != 409 || !strings.Contains(string(b), "already recorded") {
		t.Errorf("a second record: %d %s", code, b)
	}
	supt := authorise("Superintendent")
	if p := props(supt); p["pending_superintendent"] != false || p["superintendent_required"] != false {
		t.Errorf("a superintendent's authorisation: %v", p)
	}
	if code, b, _ := call(t, s, "POST", "/api/v1/section60/authorisations/"+supt+"/informed", cmd, `{"officer":"A Jones","rank":"Superintendent","at":"`+at+`"}`); code != 409 || !strings.Contains(string(b), "applies only") {
		t.Errorf("s60(3A) on a superintendent's authorisation: %d %s", code, b)
	}

	notices := "/api/v1/section60/authorisations/" + id + "/notices"
	during := `{"at":"` + start.Add(time.Hour).Format(time.RFC3339) + `","stage":"during","how":"email","to":"Milton Keynes IAG","text":"A section 60 is in force in CMK until 03:00."}`
	for body, want := range map[string]int{
		`{"at":"` + start.Add(time.Hour).Format(time.RFC3339) + `","stage":"before","how":"email","to":"IAG"}`: 422, // after it started
		`{"at":"` + start.Add(time.Hour).Format(time.RFC3339) + `","stage":"after","how":"email","to":"IAG"}`:  422, // while in force
		`{"at":"` + start.Add(time.Hour).Format(time.RFC3339) + `","stage":"soon","how":"","to":""}`:           400,
		during: 200,
		`{"at":"` + start.Add(-time.Hour).Format(time.RFC3339) + `","stage":"before","how":"meeting","to":"ward panel"}`: 200,
	} {
		if code, b, _ := call(t, s, "POST", notices, cmd, body); code != want {
			t.Errorf("notice %s: %d %s, want %d", body, code, b, want)
		}
	}
	ns, _ := props(id)["notices"].([]any)
	if len(ns) != 2 {
		t.Fatalf("notices: %v", ns)
	}
	stages := []string{}
	for _, n := range ns {
		stages = append(stages, fmt.Sprint(n.(map[string]any)["stage"]))
	}
	if strings.Join(stages, ",") != "during,before" && strings.Join(stages, ",") != "before,during" {
		t.Errorf("stages %v", stages)
	}
	events, err := svc.AuditLog(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, ev := range events {
		if strings.HasPrefix(ev.Action, "section60.") && ev.Subject == "authorisation/"+id {
			got[ev.Action]++
		}
	}
	if got["section60.informed"] != 1 || got["section60.notice"] != 2 || got["section60.authorise"] != 1 {
		t.Errorf("audit: %v", got)
	}
}
