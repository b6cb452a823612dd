#!/usr/bin/env bash
# Substitute tests/browser/sample_egm.json into src/report/egm.html (as the Rust side does),
# write /tmp/egm_sample.html (or $1), and run the headless self-test on it.
# The screenshot goes to $EGM_SCREENSHOT (default /tmp/egm.png).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${1:-/tmp/egm_sample.html}"
python3 - "$ROOT/src/report/egm.html" "$HERE/sample_egm.json" "$OUT" <<'PY'
import json, sys
template, data_path, out = sys.argv[1:4]
html = open(template, encoding="utf-8").read()
placeholder = "/*EGM_DATA*/null"
assert html.count(placeholder) == 1, "placeholder must occur exactly once"
data = json.load(open(data_path, encoding="utf-8"))
# Escape every "<" (this covers "</script" and "<!--"), as the Rust side must.
payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
open(out, "w", encoding="utf-8").write(html.replace(placeholder, payload))
print("wrote", out)
PY
EGM_SCREENSHOT="${EGM_SCREENSHOT:-/tmp/egm.png}" "$HERE/egm_selftest.sh" "$OUT"
