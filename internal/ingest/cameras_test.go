package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hexbeat/hexbeat/internal/hexbeat"
)

// TestCameraRegister: a camera register is known by its camera column; each row is a
// camera of a known kind (a register's own words for them mapped to fixed and mobile,
// fixed when blank; a "Type" column, which registers give the camera itself, is not the
// kind) with its days in service in ISO or British form; rows that cannot be used are
// rejected by line and reason.
func TestCameraRegister(t *testing.T) {
	data := "Camera_ID,Camera_Name,Deployment,Type,Longitude,Latitude,Installed,Removed\n" +
		"MK-001,Midsummer Boulevard,Fixed,PTZ,-0.7560,52.0430,2019-04-01,\n" + // 2
		"MK-002,The Point,static,dome,-0.7620,52.0400,,31/12/2024\n" + // 3
		"VAN-1,,Rapid deployment,ANPR,-0.7400,52.0500,01/01/2025,2025-03-31T18:00:00Z\n" + // 4: no name: named by its id
		",Station square,,PTZ,-0.7740,52.0345,,\n" + // 5: no id: named by name and place; blank kind: fixed
		"MK-003,Tower,drone,dome,-0.75,52.04,,\n" + // 6: unknown kind
		"MK-004,No place,fixed,PTZ,,52.04,,\n" + // 7
		"MK-005,Backwards,fixed,dome,-0.75,52.04,2025-01-02,2025-01-01\n" + // 8
		"MK-006,Bad day,fixed,PTZ,-0.75,52.04,2025-13-01,\n" + // 9
		",,fixed,dome,-0.75,52.04,,\n" + // 10: neither id nor name
		"MK-001,Midsummer Boulevard again,fixed,PTZ,-0.7560,52.0430,,\n" // 11: the same id again
	rep, sink, err := readAll(t, []byte(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != hexbeat.KindCameras || rep.Rows != 10 || rep.Accepted != 4 || rep.InFileDups != 1 || rep.RejectedTotal() != 5 {
		t.Fatalf("report %+v", rep)
	}
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	want := []hexbeat.Camera{
		{ID: "MK-001", Name: "Midsummer Boulevard", Kind: hexbeat.CameraFixed, Lon: -0.756, Lat: 52.043, ActiveFrom: day("2019-04-01")},
		{ID: "MK-002", Name: "The Point", Kind: hexbeat.CameraFixed, Lon: -0.762, Lat: 52.04, ActiveTo: day("2024-12-31")},
		{ID: "VAN-1", Name: "VAN-1", Kind: hexbeat.CameraMobile, Lon: -0.74, Lat: 52.05, ActiveFrom: day("2025-01-01"), ActiveTo: day("2025-03-31")},
		{ID: "Station square@-0.774000,52.034500", Name: "Station square", Kind: hexbeat.CameraFixed, Lon: -0.774, Lat: 52.0345},
	}
	if len(sink.Cameras) != len(want) {
		t.Fatalf("%d cameras: %+v", len(sink.Cameras), sink.Cameras)
	}
	for i, w := range want {
		if got := sink.Cameras[i]; got != w {
			t.Errorf("camera %d: %+v\nwant %+v", i, got, w)
		}
	}
	wantRejected(t, rep, map[string][]int{ReasonBadCameraKind: {6}, ReasonNoLocation: {7}, ReasonBadPeriod: {8}, ReasonBadTime: {9}, ReasonMissingField: {10}})

	// the days in service bound InServiceOn, both counted
	van := sink.Cameras[2]
	for d, in := range map[string]bool{"2024-12-31": false, "2025-01-01": true, "2025-03-31": true, "2025-04-01": false} {
		if got := van.InServiceOn(day(d).Add(23 * time.Hour)); got != in {
			t.Errorf("van in service on %s: %v", d, got)
		}
	}

	// a register's name and coordinates alone make a retailer register; forced, it is read
	// as cameras, and a file without the columns is refused at its header
	for _, file := range []string{"name,lon,lat\nA,-0.75,52.04\n", "name,cctv,camera,lon,lat\nA,yes,yes,-0.75,52.04\n"} { // a shop's "has CCTV" is no camera
		if rep, _, _ = readAll(t, []byte(file), Options{}); rep.Kind != hexbeat.KindRetailers {
			t.Errorf("%q: %s", file, rep.Kind)
		}
	}
	rep, sink, err = readAll(t, []byte("name,lon,lat\nA,-0.75,52.04\n"), Options{Kind: hexbeat.KindCameras})
	if err != nil || rep.Kind != hexbeat.KindCameras || len(sink.Cameras) != 1 || sink.Cameras[0].Kind != hexbeat.CameraFixed {
		t.Errorf("forced: %+v %v", rep, err)
	}
	// eastings and northings are British National Grid's (TestRegistersInBNG); no
	// coordinate columns at all refuse the file at its header
	if rep, _, err = readAll(t, []byte("camera,easting,northing\nA,480000,240000\n"), Options{Kind: hexbeat.KindCameras}); err != nil || rep.Accepted != 1 {
		t.Errorf("eastings and northings: %v %+v", err, rep)
	}
	_, _, err = readAll(t, []byte("camera,place\nA,High St\n"), Options{Kind: hexbeat.KindCameras})
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Line != 1 || !strings.Contains(fe.Reason, "longitude and latitude, easting and northing, or grid reference") {
		t.Errorf("no coordinates columns: %v", err)
	}
}
