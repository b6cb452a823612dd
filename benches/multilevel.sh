#!/usr/bin/env bash
# End-to-end CHE benchmark (issue 12): data simulated by ../shared/bench/metafor_mv_scale.R
# (study effects, effect-level effects, vi ~ U(0.01, 0.1)), then
#   metafor:  vcalc(rho = 0.6) + rma.mv(~ 1 | study/esid, sparse = TRUE) + robust(clubSandwich = TRUE)
#   peerstat: meta --random '~ 1 | study/esid' --vcalc 'cluster=study,obs=esid,rho=0.6' --robust study
#             (with and without --no-profile-ci; metafor's timing has no profile CIs)
# Prints wall times (process, best of 3 for peerstat; metafor once, and its own in-script time),
# the ratios, peak memory (max RSS, /usr/bin/time -v) and the estimates of both side by side.
# Sizes "S E": 100 5 and 200 10 with metafor; 1000 10 for peerstat only (metafor had not
# finished it after 34 minutes).
#
#   benches/multilevel.sh [WORKDIR] [SIZES...]     e.g. benches/multilevel.sh /tmp/che "100 5" "200 10"
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d)}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=("100 5" "200 10" "1000 10")
mkdir -p "$dir"
gen=${MV_SCALE:-../shared/bench/metafor_mv_scale.R}
[ -f "$gen" ] || { echo "no $gen (set MV_SCALE)"; exit 1; }
cargo build --release --quiet
p=target/release/peerstat
spec='cluster=study,obs=esid,rho=0.6'

# field NAME of /usr/bin/time -v output in FILE
tv() { grep -F "$2" "$1" | head -1 | awk -F': ' '{print $2}'; }
# wall seconds (metafor) from "h:mm:ss" or "m:ss.ss"
secs() { awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }'; }

for size in "${sizes[@]}"; do
  read -r S E <<<"$size"
  csv="$dir/che_${S}x${E}.csv"
  echo "== $S studies x $E effects (k = $((S * E)))"
  mf_wall=""
  if [ "$S" -lt 1000 ]; then
    /usr/bin/time -v Rscript "$gen" "$S" "$E" "$csv" >"$dir/metafor.out" 2>"$dir/metafor.time"
    mf_wall=$(tv "$dir/metafor.time" "Elapsed (wall clock)" | secs)
    # metafor's own time for vcalc + rma.mv + robust (without R start-up)
    mf_fit=$(sed -E 's/.*rma.mv ([0-9.]+) s, robust CR2 ([0-9.]+) s.*/\1 \2/' "$dir/metafor.out" | awk '{ print $1 + $2 }')
    echo "metafor:  $(cat "$dir/metafor.out")"
    echo "metafor:  process wall $mf_wall s (R start-up and loading metafor included), max RSS $(tv "$dir/metafor.time" "Maximum resident") kB"
  else
    # Only the data: the script writes the CSV before fitting; stop it there.
    timeout 60 Rscript "$gen" "$S" "$E" "$csv" >/dev/null 2>&1 || true
    for _ in $(seq 60); do [ -s "$csv" ] && break; sleep 1; done
    echo "metafor:  not run (had not finished k = 10,000 after 34 minutes, 4.6 GB)"
  fi
  for opt in --no-profile-ci ""; do
    best=""
    for _ in 1 2 3; do
      t0=$(date +%s.%N)
      # shellcheck disable=SC2086
      /usr/bin/time -v "$p" meta "$csv" --random '~ 1 | study/esid' --vcalc "$spec" --robust study \
        --format json $opt -o "$dir/peerstat.json" 2>"$dir/peerstat.time"
      t1=$(date +%s.%N)
      w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
      rss=$(tv "$dir/peerstat.time" "Maximum resident")
      if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$w; best_rss=$rss; fi
    done
    label=${opt:-"(profile CIs)"}
    est=$(python3 -c "import json; j = json.load(open('$dir/peerstat.json')); r = j['robust']['coefficients'][0]; print('estimate %.6f se %.6f sigma2 %.6f %.6f' % (j['estimate'], r['se'], j['sigma2'][0], j['sigma2'][1]))")
    line="peerstat $label: wall $best s (best of 3), max RSS $best_rss kB; $est"
    if [ -n "$mf_wall" ]; then
      line="$line; metafor/peerstat = $(awk -v a="$mf_wall" -v b="$best" 'BEGIN { printf "%.0fx", a / b }') (process), $(awk -v a="$mf_fit" -v b="$best" 'BEGIN { printf "%.0fx", a / b }') (metafor's in-script $mf_fit s)"
    fi
    echo "$line"
  done
done
