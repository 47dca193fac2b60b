#!/usr/bin/env bash
# The Debian packages the suite drives as real peers, installed when missing (`make pytest`
# and `.ci/run` call this; it does nothing when all are there):
#   chromium: tests/test_docs_browser.py; pgbouncer: tests/ops/test_pgbouncer.py and the
#   load-balanced topology (deploy/, tests/ops/test_topology.py); haproxy: the same topology;
#   prometheus: its promtool checks deploy/prometheus/ (tests/ops/test_prometheus.py).
# Their packages may start system services that nothing uses: those are stopped. Without
# apt-get or root, it says what is missing and the tests that need it fail (or, for chromium
# and pgbouncer, are skipped with the reason).
set -euo pipefail

missing=()
for pair in /usr/bin/chromium:chromium /usr/sbin/pgbouncer:pgbouncer \
            /usr/sbin/haproxy:haproxy /usr/bin/promtool:prometheus; do
    [ -x "${pair%%:*}" ] || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (apt-get install them as root)" >&2
    exit 0
fi
echo "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
for service in pgbouncer haproxy prometheus prometheus-node-exporter; do
    service "$service" stop >/dev/null 2>&1 || true
done
