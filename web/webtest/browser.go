package webtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// ChromiumPath finds a Chromium binary: $CHROME_PATH, then the usual names.
// It returns "" when there is none (tests then skip; .ci/run installs
// Debian's chromium package).
func ChromiumPath() string {
	for _, p := range []string{os.Getenv("CHROME_PATH"), "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if f, err := exec.LookPath(p); err == nil {
			return f
		}
	}
	return ""
}

// StartBrowser starts one headless Chromium with a fresh profile and
// returns its browser context: open a tab with chromedp.NewContext(ctx).
// stop ends the browser and removes the profile.
func StartBrowser(path string) (ctx context.Context, stop func(), err error) {
	dir, err := os.MkdirTemp("", "wasmdrive-chromium-*")
	if err != nil {
		return nil, nil, fmt.Errorf("browser profile: %w", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	stop = func() {
		cancelBrowser()
		cancelAlloc()
		_ = os.RemoveAll(dir)
	}
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		stop()
		return nil, nil, fmt.Errorf("start %s: %w", path, err)
	}
	return bctx, stop, nil
}
