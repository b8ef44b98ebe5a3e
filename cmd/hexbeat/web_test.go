package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hexbeat/hexbeat/web"
)

// chromium returns Debian's Chromium, skipping the test when it is missing (CI installs it
// and must not skip).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run installs it")
	}
	t.Skip("chromium not installed (apt-get install chromium): browser test skipped")
	return ""
}

// TestDemoMapInChromium: what `make run` serves renders in a real browser: the MapLibre
// canvas, hexagons the map itself reports as drawn, the demo banner, and no console errors.
func TestDemoMapInChromium(t *testing.T) {
	if web.Dist() == nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the web map is not built into this binary; make test builds it first")
		}
		t.Skip("web map not built (make web): browser test skipped")
	}
	exe := chromium(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"serve", "--demo", "--demo-db", "sqlite:" + filepath.Join(dir, "demo.db"), "--addr", "127.0.0.1:0"}, &out, &errb)
	}()
	defer func() { cancel(); <-done }()
	addr := waitFor(t, &out, regexp.MustCompile(`at (http://127\.0\.0\.1:\d+)/`))

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.UserDataDir(filepath.Join(dir, "chromium")),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("enable-unsafe-swiftshader", true), chromedp.WindowSize(1366, 768),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	tctx, tcancel := context.WithTimeout(bctx, 90*time.Second)
	defer tcancel()

	var mu sync.Mutex
	var consoleErrors []string
	messages := chromedp.Console(tctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if (m.Type == "error" || m.IsException()) && !strings.Contains(m.Text, "favicon") {
				mu.Lock()
				consoleErrors = append(consoleErrors, m.Text)
				mu.Unlock()
			}
		}
	}()
	if err := chromedp.Do(tctx, chromedp.Navigate(addr+"/"), chromedp.WaitVisible("canvas.maplibregl-canvas")); err != nil {
		t.Fatalf("no map canvas: %v\n%s", err, errb.String())
	}
	// the page sets window.hexbeatMap once the cells layer has loaded; ask the map what it drew
	drawn, err := chromedp.Run(tctx, chromedp.Poll[int](`window.hexbeatMap && window.hexbeatMap.loaded() &&
		window.hexbeatMap.queryRenderedFeatures({layers: ['cells-fill']}).length`, chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		t.Fatalf("the map drew no hexagons: %v", err)
	}
	t.Logf("the map reports %d hexagons drawn", drawn)
	if drawn < 100 {
		t.Errorf("the map drew %d hexagons; the demo has about 1,900 at res 9", drawn)
	}
	banner, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.getElementById('demo-banner').hidden ? '' : document.getElementById('demo-banner').textContent`))
	if err != nil || !strings.Contains(banner, "DEMO DATA") {
		t.Errorf("demo banner %q, %v", banner, err)
	}
	status, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
	if err != nil || !strings.Contains(status, "hexagons at resolution 9") {
		t.Errorf("status line %q, %v", status, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrors) > 0 {
		t.Errorf("console errors: %q", consoleErrors)
	}
}
