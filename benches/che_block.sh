#!/usr/bin/env bash
# One very large cluster (issue 30, item 6): CHE with ONE study of m effects plus ten studies of
# three effects (a variance component needs two levels), vi ~ U(0.01, 0.1), then
#   peerstat meta FILE --random '~ 1 | study/esid' --vcalc 'cluster=study,obs=esid,rho=0.6'
# Prints the wall time per m and the scaling exponent log2(t(2m) / t(m)) between successive sizes
# (sizes that double). The fit costs a Cholesky factor and an inverse of the big block per
# likelihood evaluation, so the exponent should be about 3 (below 3 at small sizes, where the
# O(m²) work still counts). FLAGS adds options, e.g. FLAGS=--no-profile-ci times the fit alone
# (the profile-likelihood CIs of the two variance components take a few hundred evaluations).
#
#   benches/che_block.sh [BINARY] [SIZES...]     e.g. benches/che_block.sh target/release/peerstat 500 1000 2000
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/peerstat}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(500 1000 2000)
[ -x "$bin" ] || cargo build --release --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
prev=""
for m in "${sizes[@]}"; do
    awk -v m="$m" 'BEGIN {
        srand(1); print "study,esid,yi,vi"
        for (i = 0; i < m; i++) printf "big,e%d,%.5f,%.5f\n", i, 0.3 + 0.3 * (rand() + rand() + rand() - 1.5), 0.01 + 0.09 * rand()
        for (s = 0; s < 10; s++) for (i = 0; i < 3; i++) printf "s%d,e%d,%.5f,%.5f\n", s, i, 0.3 + 0.3 * (rand() + rand() + rand() - 1.5), 0.01 + 0.09 * rand()
    }' > "$dir/m$m.csv"
    start=$(date +%s.%N)
    "$bin" meta "$dir/m$m.csv" --random '~ 1 | study/esid' --vcalc 'cluster=study,obs=esid,rho=0.6' --max-block 100000 ${FLAGS:-} > "$dir/m$m.out"
    t=$(echo "$(date +%s.%N) - $start" | bc -l)
    if [ -n "$prev" ]; then
        read -r pm pt <<< "$prev"
        exp=$(echo "l($t / $pt) / l($m / $pm)" | bc -l)
        printf 'm = %6d  %8.2f s  exponent %.2f\n' "$m" "$t" "$exp"
    else
        printf 'm = %6d  %8.2f s\n' "$m" "$t"
    fi
    prev="$m $t"
done
