#!/usr/bin/env bash
# Layout self-test of peerstat pages (the evaluation report, the evidence-and-gap map) in headless
# Chromium at a phone width (400 px) and a desktop width (1280 px).
#
# Usage: tests/browser/layout_selftest.sh PAGE.html [PAGE.html ...]
#
# For each page and width: copies the page with tests/browser/layout_check.js appended, opens it,
# dumps the DOM and fails unless the JSON written into <pre id="layout-result"> says "ok": true
# (no sideways page scrolling, text >= 12 px, SVG text drawn >= 10 px, SVGs with a viewBox that fit
# or scroll in their box, sticky map row labels, summary-of-findings cards, contents, map fit).
# Set LAYOUT_SCREENSHOTS=DIR to also save DIR/NAME-WIDTH.png for each page and width.
# Skips (exit 0, with a NOTICE) when no Chromium is installed.
set -euo pipefail

if [ "$#" -lt 1 ]; then
  echo "usage: $0 PAGE.html [PAGE.html ...]" >&2
  exit 2
fi
HERE="$(cd "$(dirname "$0")" && pwd)"
CHECK="$HERE/layout_check.js"

CHROME=""
for c in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$c" >/dev/null 2>&1; then CHROME="$(command -v "$c")"; break; fi
done
if [ -z "$CHROME" ]; then
  echo "NOTICE: chromium not found; skipping the layout test"
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --disable-dev-shm-usage --hide-scrollbars)
TIMEOUT=()
if command -v timeout >/dev/null 2>&1; then TIMEOUT=(timeout 90); fi

failed=0
n=0
for page in "$@"; do
  if [ ! -f "$page" ]; then
    echo "error: no such file: $page" >&2
    exit 2
  fi
  n=$((n + 1))
  name="$(basename "$(dirname "$page")")-$(basename "$page" .html)"
  copy="$WORK/page-$n.html"
  { sed -e 's#</body>##' -e 's#</html>##' "$page"; printf '<script>\n'; cat "$CHECK"; printf '</script>\n</body></html>\n'; } >"$copy"
  for width in 400 1280; do
    # Headless Chromium windows are at least 500 px wide: the page goes in an iframe of the
    # tested width, and the check inside it posts its result to this harness.
    harness="$WORK/harness-$n-$width.html"
    cat >"$harness" <<HTML
<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0}iframe{border:0;display:block}</style></head><body>
<iframe id="f" src="page-$n.html" style="width:${width}px;height:2400px"></iframe>
<script>window.addEventListener('message', function (ev) { var p = document.createElement('pre'); p.id = 'layout-result'; p.textContent = String(ev.data); document.body.appendChild(p); });</script>
</body></html>
HTML
    status=0
    "${TIMEOUT[@]}" "$CHROME" "${FLAGS[@]}" --user-data-dir="$(mktemp -d -p "$WORK")" \
      --window-size="$((width + 20)),1000" --virtual-time-budget=5000 --dump-dom "file://$harness" \
      >"$WORK/dom.html" 2>"$WORK/chrome.log" || status=$?
    RESULT="$(tr -d '\r' <"$WORK/dom.html" \
      | sed -n 's:.*<pre id="layout-result"[^>]*>\(.*\)</pre>.*:\1:p' | head -n 1 \
      | sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e 's/&#39;/'"'"'/g' -e 's/&nbsp;/ /g' -e 's/&amp;/\&/g')"
    if [ "$status" -ne 0 ] || [ -z "$RESULT" ]; then
      echo "FAIL: $page at $width px: no layout result (chromium status $status)" >&2
      grep -v -i dbus "$WORK/chrome.log" | tail -n 20 >&2 || true
      failed=1
      continue
    fi
    echo "$page @ ${width}px: $RESULT"
    case "$RESULT" in
      *'"ok":true'*) echo "PASS: layout of $page at $width px" ;;
      *) echo "FAIL: layout of $page at $width px" >&2; failed=1 ;;
    esac
    if [ -n "${LAYOUT_SCREENSHOTS:-}" ]; then
      mkdir -p "$LAYOUT_SCREENSHOTS"
      shot="$(cd "$LAYOUT_SCREENSHOTS" && pwd)/$name-$width.png"
      "${TIMEOUT[@]}" "$CHROME" "${FLAGS[@]}" --user-data-dir="$(mktemp -d -p "$WORK")" \
        --window-size="$((width > 500 ? width : 500)),2400" --virtual-time-budget=5000 --screenshot="$shot" "file://$harness" \
        >/dev/null 2>&1 && echo "screenshot: $shot" || echo "WARNING: screenshot failed" >&2
    fi
  done
done
exit "$failed"
