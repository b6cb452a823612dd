#!/usr/bin/env bash
# Records the JSON (and a few CSV/text) outputs of ~40 commands on the bundled data, and the
# demo report's files, into DIR: run it before and after a change that must not change
# behaviour, then `diff -r BEFORE AFTER` (iteration counts aside).
# Usage: scripts/snapshot.sh PEERSTAT_BINARY DIR
# Compare: diff -r -I '^wrote ' -I '^reanalysed ' -I '^simulated ' BEFORE AFTER
set -uo pipefail
bin=$(realpath "$1"); out=$(realpath -m "$2")
cd "$(dirname "$0")/.."
mkdir -p "$out"
n=0
run() { # name, args...
  local name=$1; shift
  n=$((n + 1))
  "$bin" "$@" >"$out/$name.out" 2>"$out/$name.err"; echo "exit $?" >>"$out/$name.err"
}
run meta_rr meta fixtures/bcg.csv --measure RR --format json
run meta_smd meta fixtures/normand1999.parquet --measure SMD --format json
run meta_text meta fixtures/bcg.csv --measure RR
run meta_knha meta fixtures/bcg.csv --measure RR --knha --format json
run meta_by meta fixtures/bcg.csv --measure RR --by alloc --format json
run meta_mods meta fixtures/bcg.csv --measure RR --mods ablat,year --format json
run meta_mods_text meta fixtures/bcg.csv --measure RR --mods ablat,year
run meta_perm meta fixtures/bcg.csv --measure RR --mods ablat --permutations 200 --seed 1 --format json
run meta_rve meta fixtures/corrdat.csv --cluster study --mods males,college,binge --rho 0.8 --format json
run meta_robust meta fixtures/bcg.csv --measure RR --mods ablat,year --robust trial --robust-type CR1 --format json
run meta_robust2 meta fixtures/corrdat.csv --measure GEN --mods males,college,binge --robust study --format json
run ml_1 meta fixtures/konstantopoulos2011.csv --random '~ 1 | district/school' --format json
run ml_1t meta fixtures/konstantopoulos2011.csv --random '~ 1 | district/school'
run ml_2 meta fixtures/assink2016.csv --random '~ 1 | study/esid' --mods year,deltype --method ML --format json
run ml_3 meta fixtures/assink2016.csv --random '~ 1 | study/deltype/esid' --knha --format json
run ml_4 meta fixtures/assink2016.csv --random '~ 1 | study/esid' --lrt-drop esid --format json
run ml_5 meta fixtures/assink2016.csv --random '~ 1 | study/esid' --mods pubstatus,year,deltype --dfs contain --newmods 1,3,0,1 --format json
run ml_un meta fixtures/berkey1998.csv --random '~ outcome | trial' --struct UN --vcov-cols v1i,v2i --mods outcome --format json
run ml_ar meta fixtures/ishak2007_long.csv --random '~ time | study' --struct AR --mods timef --format json
run ml_hcs meta fixtures/berkey1998.csv --random '~ outcome | trial' --struct HCS --vcov-cols v1i,v2i --mods outcome --tau2 NA,0.05 --struct-rho 0.5 --format json
run che_1 meta fixtures/assink2016.csv --random '~ 1 | study/esid' --vcalc 'cluster=study,obs=esid,rho=0.6' --format json
run che_2 meta fixtures/assink2016.csv --random '~ 1 | study/esid' --vcalc 'cluster=study,obs=esid,rho=0.6' --mods year --robust study --format json
run che_3 meta fixtures/assink2016.csv --random '~ 1 | study/esid' --vcalc 'cluster=study,obs=esid,rho=0.6' --robust study --robust-type CR1
run net_1 network fixtures/senn2013.csv --measure MD --reference placebo --small-values-good --format json
run net_2 network fixtures/hasselblad1998.csv --measure OR --reference no_contact --format json
run net_3 network fixtures/linde2016.csv --reference Placebo --method REML --format json
run net_t network fixtures/senn2013.csv --measure MD --reference placebo --small-values-good
run cnma network fixtures/linde2016.csv --components-sep '+' --inactive Placebo --format json
run bias bias fixtures/bcg.csv --measure RR --egger classic --estimator R0 --format json
run bias_t bias fixtures/bcg.csv --measure RR
run infl influence fixtures/bcg.csv --measure RR --cumulative --order year --format json
run infl2 influence fixtures/bcg.csv --measure RR --format json
run infl_t influence fixtures/bcg.csv --measure RR
run cea_psa cea fixtures/econ/psa.csv --wtp-grid 0:50000:500 --reference 'usual care' --format json
run cea_boot cea fixtures/econ/patients.csv --treatment peer --control control --boot 200 --seed 1 --format json
run cea_cov cea fixtures/econ/patients.csv --treatment peer --control control --cost-covariates age --effect-covariates baseline_utility --format json
run cea_disc cea fixtures/econ/patients_years.csv --treatment peer --control control --discount-cost 0.035 --discount-effect 0.035 --timing start --format json
run cea_t cea fixtures/econ/psa.csv --reference 'usual care'
run map_csv map seeds/demo.parquet --format csv
run map_json map seeds/demo.parquet --format json
run effects effects fixtures/bcg.csv --measure RR -o "$out/effects.csv"
run simulate simulate --framework --seed 1 -o "$out/sim.parquet"
run reanalyse_csv reanalyse fixtures/bulk_sample.csv --group-by analysis_id --measure GEN -o "$out/reanalyse.csv"
run evaluate evaluate seeds/demo.parquet -o "$out/report"
run forest meta fixtures/bcg.csv --measure RR --forest "$out/forest.svg" --format json
run forest_by meta fixtures/bcg.csv --measure RR --by alloc --forest "$out/forest_by.svg" --subgroup-weights --format json
run bubble meta fixtures/bcg.csv --measure RR --mods ablat --bubble "$out/bubble.svg" --format json
run funnel bias fixtures/bcg.csv --measure RR --funnel "$out/funnel.svg" --funnel-ci --format json
run netplots network fixtures/senn2013.csv --measure MD --reference placebo --small-values-good --league "$out/league.svg" --graph "$out/graph.svg" --forest "$out/netforest.svg" --format json
run ceac cea fixtures/econ/psa.csv --reference 'usual care' --ceac "$out/ceac.svg" --plane "$out/plane.svg" --format json
run init init "$out/init"
# Inputs of help texts.
for c in meta network bias influence cea map evaluate effects reanalyse init simulate; do run "help_$c" "$c" --help; done
echo "$n commands recorded in $out"
