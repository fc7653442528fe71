#!/usr/bin/env bash
# Installs what the test suite needs beyond Rust: Debian's chromium, for the real-browser test
# of the HTML report (crates/telltale/tests/browser.rs). Idempotent: does nothing when a
# chromium is already on PATH or named by TELLTALE_CHROMIUM, or when TELLTALE_SKIP_BROWSER=1.
set -euo pipefail
if [ "${TELLTALE_SKIP_BROWSER:-}" = 1 ]; then
  exit 0
fi
if [ -n "${TELLTALE_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: no chromium on PATH and no apt-get to install it; install chromium," >&2
  echo "  set TELLTALE_CHROMIUM=/path/to/chromium, or set TELLTALE_SKIP_BROWSER=1 to skip the browser test" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "install-test-deps: installing chromium with apt-get" >&2
# A failure here is not fatal: the browser test then fails and says why.
if ! { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }; then
  echo "install-test-deps: warning: could not install chromium; the browser test will fail (TELLTALE_SKIP_BROWSER=1 skips it)" >&2
fi
