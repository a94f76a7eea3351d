#!/bin/sh
# Installs the system packages the test suite needs beyond Python: Debian's Chromium for the
# Playwright browser tests and gettext for the translation catalogue checks. Needs root or sudo;
# without them the browser tests skip with a reason (and fail under CI=true).
set -eu
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v msgfmt >/dev/null 2>&1 || missing="$missing gettext"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "install-test-deps: cannot install$missing without root; those tests will skip." >&2
  exit 0
fi
echo "install-test-deps: installing$missing"
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
