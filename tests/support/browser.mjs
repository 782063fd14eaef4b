// Headless Chromium for the e2e tests (Debian's, installed by scripts/setup.sh --browser).
import { chromium } from "playwright-core";

/** Launches Chromium as root in a sandbox-less container, with no background calls to the
 * (closed) internet; playwright gives it a fresh temporary profile. `extraArgs`, e.g.
 * `--test-third-party-cookie-phaseout` (third-party cookies blocked, as browsers now do). */
export function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}
