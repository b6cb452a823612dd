#!/usr/bin/env bash
# Headless-browser self-test of an evidence-and-gap map page.
#
# Usage: tests/browser/egm_selftest.sh PATH/TO/egm.html
#
# Opens the page as file://...#selftest in headless Chromium, dumps the DOM, extracts the JSON
# written into <pre id="selftest-result"> and fails unless it reports "ok": true.
# Set EGM_SCREENSHOT=/path/to/file.png to also save a 1400x1000 screenshot of the page.
# Skips (exit 0, with a NOTICE) when no Chromium is installed.
set -euo pipefail

if [ "$#" -ne 1 ]; then
  echo "usage: $0 PATH/TO/egm.html" >&2
  exit 2
fi
if [ ! -f "$1" ]; then
  echo "error: no such file: $1" >&2
  exit 2
fi

CHROME=""
for c in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$c" >/dev/null 2>&1; then CHROME="$(command -v "$c")"; break; fi
done
if [ -z "$CHROME" ]; then
  echo "NOTICE: chromium not found; skipping the EGM browser test"
  exit 0
fi

ABS="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --disable-dev-shm-usage --hide-scrollbars)
TIMEOUT=()
if command -v timeout >/dev/null 2>&1; then TIMEOUT=(timeout 90); fi

status=0
"${TIMEOUT[@]}" "$CHROME" "${FLAGS[@]}" --user-data-dir="$(mktemp -d -p "$WORK")" \
  --virtual-time-budget=5000 --dump-dom "file://$ABS#selftest" \
  >"$WORK/dom.html" 2>"$WORK/chrome.log" || status=$?
if [ "$status" -ne 0 ]; then
  echo "FAIL: chromium exited with status $status" >&2
  grep -v -i dbus "$WORK/chrome.log" | tail -n 20 >&2 || true
  exit 1
fi

# The result is a single line of JSON (JSON.stringify) inside the <pre>; undo the HTML text escaping.
RESULT="$(tr -d '\r' <"$WORK/dom.html" \
  | sed -n 's:.*<pre id="selftest-result"[^>]*>\(.*\)</pre>.*:\1:p' | head -n 1 \
  | sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e 's/&#39;/'"'"'/g' -e 's/&nbsp;/ /g' -e 's/&amp;/\&/g')"

if [ -n "${EGM_SCREENSHOT:-}" ]; then
  SHOT_DIR="$(dirname "$EGM_SCREENSHOT")"
  mkdir -p "$SHOT_DIR"
  SHOT_ABS="$(cd "$SHOT_DIR" && pwd)/$(basename "$EGM_SCREENSHOT")"
  if "${TIMEOUT[@]}" "$CHROME" "${FLAGS[@]}" --user-data-dir="$(mktemp -d -p "$WORK")" \
      --virtual-time-budget=5000 --window-size=1400,1000 --screenshot="$SHOT_ABS" "file://$ABS" \
      >"$WORK/shot.log" 2>&1 && [ -s "$SHOT_ABS" ]; then
    echo "screenshot: $SHOT_ABS"
  else
    echo "WARNING: screenshot failed" >&2
    grep -v -i dbus "$WORK/shot.log" | tail -n 10 >&2 || true
  fi
fi

if [ -z "$RESULT" ]; then
  echo "FAIL: no <pre id=\"selftest-result\"> in the rendered page" >&2
  grep -v -i dbus "$WORK/chrome.log" | tail -n 20 >&2 || true
  exit 1
fi
echo "$RESULT"
case "$RESULT" in
  *'"ok": true'* | *'"ok":true'*) echo "PASS: EGM self-test"; exit 0 ;;
  *) echo "FAIL: EGM self-test reported errors" >&2; exit 1 ;;
esac
