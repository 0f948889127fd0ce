// Package browsertest opens occbench's pages in a real browser: the live
// page of occbench run --dashboard while a short run goes on, and the
// report.html of occbench report FILE --format html. Its test drives
// headless Chromium through the DevTools protocol (chromedp) and checks
// that the pages render without console errors, that every chart is
// there and that the live page updates during the run; it saves
// screenshots as CI artifacts.
//
// The test runs only when a Chromium binary is found (FindChromium) and
// skips otherwise; OCCBENCH_REQUIRE_BROWSER=1 makes a missing browser a
// failure, as CI sets it. Screenshots go to $OCCBENCH_ARTIFACTS, or to
// ci-artifacts/ at the repository's root.
package browsertest
