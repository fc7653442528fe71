#!/usr/bin/env bash
# Installs what the test suite needs beyond Rust, with apt-get, each only when missing:
#   - chromium, for the real-browser test of the HTML report (crates/telltale/tests/browser.rs);
#     TELLTALE_SKIP_BROWSER=1 skips it, TELLTALE_CHROMIUM names another one;
#   - npm and pip, driven through the package firewall (crates/telltale/tests/firewall.rs);
#   - bubblewrap, Node.js and iproute2, for `telltale probe`'s sandbox tests
#     (crates/telltale/tests/probe.rs). Those tests fail without them, by design: a probe that
#     cannot build its sandbox must not pass for working. TELLTALE_BWRAP names another bwrap;
#   - postgresql, for the store's and the fleet's tests (they initdb their own server);
#   - nats-server, for the job queue's tests (crates/telltale-queue), which start their own
#     JetStream servers; they fail without it unless TELLTALE_SKIP_NATS=1.
#     TELLTALE_NATS_SERVER names another binary.
# Idempotent.
set -euo pipefail
want=()
if [ "${TELLTALE_SKIP_BROWSER:-}" != 1 ] && [ -z "${TELLTALE_CHROMIUM:-}" ] \
  && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  want+=(chromium)
fi
if [ -z "${TELLTALE_BWRAP:-}" ] && ! command -v bwrap >/dev/null 2>&1; then
  want+=(bubblewrap)
fi
if ! command -v node >/dev/null 2>&1; then
  want+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
  want+=(npm)
fi
if ! command -v pip >/dev/null 2>&1; then
  want+=(python3-pip)
fi
if ! command -v ip >/dev/null 2>&1 && [ ! -x /usr/sbin/ip ] && [ ! -x /sbin/ip ]; then
  want+=(iproute2)
fi
if [ "${TELLTALE_SKIP_NATS:-}" != 1 ] && [ -z "${TELLTALE_NATS_SERVER:-}" ] \
  && ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  want+=(nats-server)
fi
if [ "${TELLTALE_SKIP_POSTGRES:-}" != 1 ] && [ -z "${TELLTALE_PG_BIN:-}" ] && ! command -v initdb >/dev/null 2>&1 \
  && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  want+=(postgresql)
fi
if [ ${#want[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: missing ${want[*]} and no apt-get to install them; install them by hand" >&2
  echo "  (TELLTALE_SKIP_BROWSER=1 skips the browser test; the probe tests need bubblewrap and node;" >&2
  echo "  TELLTALE_SKIP_NATS=1 skips the queue tests)" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "install-test-deps: installing ${want[*]} with apt-get" >&2
# A failure here is not fatal: the tests that need the package then fail and say why.
if ! { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}"; }; then
  echo "install-test-deps: warning: could not install ${want[*]}; the tests that need them will fail" >&2
fi
