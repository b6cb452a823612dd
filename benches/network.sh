#!/usr/bin/env bash
# Network meta-analysis benchmark (issue 14): 50 treatments, 500 studies (60 multi-arm), 680
# contrasts, simulated by benches/network.rs (PEERSTAT_NETWORK_CSV writes them as CSV), then
#   metafor:  benches/network_metafor.R — contrast-based rma.mv, common effect (FE) and REML
#             (random = ~ comp | study, rho = 1/2)
#   peerstat: peerstat network --method DL and --method REML (release build; each run does the
#             common and random models, P-scores, Q decomposition and netsplit)
# Prints wall times (peerstat: best of 3 process runs; metafor: its in-script fit times and the
# process time), the ratios, peak memory (max RSS, /usr/bin/time -v) and the largest absolute
# difference of the common-effect (and REML) estimates between the two.
#
#   benches/network.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
csv="$dir/network.csv"
PEERSTAT_NETWORK_CSV="$csv" cargo bench --quiet --bench network
cargo build --release --quiet
p=target/release/peerstat

# field NAME of /usr/bin/time -v output in FILE
tv() { grep -F "$2" "$1" | head -1 | awk -F': ' '{print $2}'; }
# wall seconds from "h:mm:ss" or "m:ss.ss"
secs() { awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }'; }

/usr/bin/time -v Rscript benches/network_metafor.R "$csv" T01 "$dir/metafor.csv" \
  >"$dir/metafor.out" 2>"$dir/metafor.time"
cat "$dir/metafor.out"
mf_wall=$(tv "$dir/metafor.time" "Elapsed (wall clock)" | secs)
read -r mf_fe mf_reml < <(sed -E 's/.*FE ([0-9.]+) s, REML ([0-9.]+) s.*/\1 \2/' "$dir/metafor.out")
echo "metafor: process wall $mf_wall s (R start-up, loading metafor, building V included), max RSS $(tv "$dir/metafor.time" "Maximum resident") kB"

for method in DL REML; do
  best=""
  for _ in 1 2 3; do
    t0=$(date +%s.%N)
    /usr/bin/time -v "$p" network "$csv" --reference T01 --method "$method" --format json \
      -o "$dir/peerstat_$method.json" 2>"$dir/peerstat.time"
    t1=$(date +%s.%N)
    w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
    rss=$(tv "$dir/peerstat.time" "Maximum resident")
    if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$w; best_rss=$rss; fi
  done
  if [ "$method" = DL ]; then mf=$mf_fe; col=common; what="metafor FE"; else mf=$mf_reml; col=reml; what="metafor REML"; fi
  diff=$(python3 - "$dir/peerstat_$method.json" "$dir/metafor.csv" "$col" <<'EOF'
import csv, json, sys
j = json.load(open(sys.argv[1]))
mf = {r["treatment"]: r for r in csv.DictReader(open(sys.argv[2]))}
model = "common" if sys.argv[3] == "common" else "random"
ps = {e["treatment"]: e["estimate"] for e in j[model]["estimates"]}
d = max(abs(ps[t] - float(r[sys.argv[3]])) for t, r in mf.items())
extra = ""
if model == "random":
    extra = "; tau2 peerstat %.6g metafor %.6g" % (j["tau2"], float(next(iter(mf.values()))["tau2"]))
print("max |estimate difference| (%s, %d treatments) %.3g%s" % (model, len(mf), d, extra))
EOF
)
  echo "peerstat network --method $method: wall $best s (best of 3, whole process), max RSS $best_rss kB;" \
    "$what fit $mf s -> metafor/peerstat = $(awk -v a="$mf" -v b="$best" 'BEGIN { printf "%.1fx", a / b }')," \
    "metafor process $mf_wall s -> $(awk -v a="$mf_wall" -v b="$best" 'BEGIN { printf "%.1fx", a / b }'); $diff"
done
