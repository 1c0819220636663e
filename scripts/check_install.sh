#!/usr/bin/env bash
# The package as an operator installs it, `pip install .` with no extras, must import and
# start: a development-only import (pytest, moto, type stubs...) in the runtime would pass
# every test in the dev venv and still kill `confessions serve` in production.
#
# A fresh venv in a temporary folder, every runtime module imported, then `confessions
# serve` on a free loopback port with DATA_DIR in that folder, until /readyz answers 200.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
READY_SECONDS="${READY_SECONDS:-60}"
RUNTIME_PACKAGES="bot webapp_api models core confessions emulator playground"

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "check_install: FAILED: $*" >&2
  if [ -f "$work/serve.log" ]; then
    echo "---- confessions serve log ----" >&2
    tail -n 60 "$work/serve.log" >&2
  fi
  exit 1
}

# A copy of the source, so the build leaves nothing (build/, *.egg-info) in the work tree.
mkdir "$work/src"
tar -c --exclude=./.venv --exclude=./.git --exclude=./data --exclude=./test-artifacts \
  --exclude=./tests --exclude=./build --exclude='*.egg-info' . | tar -x -C "$work/src"

"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$work/src" \
  || fail "pip install . (no extras) failed"

# From the temporary folder, so the installed package is imported, not the source tree.
(cd "$work" && env -i PATH="$PATH" "$work/venv/bin/python" - $RUNTIME_PACKAGES) <<'EOF' \
  || fail "a runtime module does not import without the development extras"
import importlib
import pkgutil
import sys

NOT_IMPORTABLE_ALONE = {"models.migrations.env"}  # run by Alembic, inside its context
count = 0
for top in sys.argv[1:]:
    package = importlib.import_module(top)
    assert "site-packages" in (package.__file__ or ""), f"{top} imported from {package.__file__}"
    for module in pkgutil.walk_packages(package.__path__, f"{top}."):
        if module.name.endswith(".__main__") or module.name in NOT_IMPORTABLE_ALONE:
            continue
        importlib.import_module(module.name)
        count += 1
print(f"check_install: {count} runtime modules import without the development extras")
EOF

port="$("$work/venv/bin/python" -c '
import socket
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    print(probe.getsockname()[1])
')"
mkdir "$work/data"
# An empty environment: no BOT_TOKEN or DATABASE_URL of this machine leaks in, so this is
# the embedded defaults (SQLite, local media, the playground) that a newcomer starts.
(cd "$work" && exec env -i PATH="$PATH" HOME="$work" DATA_DIR="$work/data" \
  "$work/venv/bin/confessions" serve --host 127.0.0.1 --port "$port") >"$work/serve.log" 2>&1 &
server=$!

if ! "$work/venv/bin/python" - "http://127.0.0.1:$port/readyz" "$READY_SECONDS" "$server" <<'EOF'
import os
import sys
import time
import urllib.error
import urllib.request

url, seconds, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("confessions serve exited")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except (urllib.error.URLError, OSError):
        pass
    time.sleep(0.5)
sys.exit(f"{url} did not answer 200 within {seconds:.0f} s")
EOF
then
  fail "confessions serve from a plain install did not become ready"
fi
echo "check_install: confessions serve from a plain install answered /readyz 200"
