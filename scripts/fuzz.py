#!/usr/bin/env python3
"""A fault-and-fuzz pass over peerstat's commands (issue #30): random, hostile and edge-of-range
inputs, every command run as a user would. A case FAILS when the process panics (exit 101 or
"panicked" on stderr), dies of a signal, exits with an undocumented code (documented: 0-3), runs
past the time limit, or exits 0 with a JSON headline that is null or not finite (estimate, se,
ci_lower, ci_upper, tau2, i2, q), or with a CI that does not contain its estimate.

    scripts/fuzz.py [BINARY] [CASES] [SEED]     e.g. scripts/fuzz.py target/release/peerstat 600 1

Prints one line per failing case (command and input file kept under the printed directory) and
a count per command; exit 1 when any case failed."""

import json
import math
import os
import random
import subprocess
import sys
import tempfile

HEADLINE = ["estimate", "se", "ci_lower", "ci_upper", "tau2", "i2", "q"]

EDGE = [0.0, -0.0, 1e-300, -1e-300, 5e-324, 1e-8, 1e8, 1e150, -1e150, 1e300, 1e307, -1e307,
        1.7e308, 0.5, -0.5, 2.0, 1e-15]
BAD = ["", "NaN", "nan", "inf", "-inf", "Infinity", "1e999", "x", "1,5", " 1", "0x10", "—"]


def number(rng, scale):
    r = rng.random()
    if r < 0.08:
        return rng.choice(EDGE)
    if r < 0.11:
        return rng.choice(BAD)
    return rng.gauss(0.0, 1.0) * scale


def variance(rng, scale):
    r = rng.random()
    if r < 0.08:
        return rng.choice([0.0, -1.0, 1e-300, 5e-324, 1e300, 1e308, "NaN", "", "inf"])
    return abs(rng.gauss(0.0, 1.0)) * scale * scale + scale * scale * 1e-3


def label(rng, i):
    r = rng.random()
    if r < 0.03:
        return rng.choice(["", "NaN", "a,b", '"q"', "é∑😀", "+", "<script>", "x" * 300])
    if r < 0.06:
        return "s0"  # duplicate
    return f"s{i}"


def write_csv(path, header, rows):
    def cell(v):
        s = repr(v) if isinstance(v, float) else str(v)
        if any(c in s for c in ',"\n'):
            s = '"' + s.replace('"', '""') + '"'
        return s

    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(cell(v) for v in r) + "\n")


def generic(rng, path):
    k = rng.choice([0, 1, 2, 3, 4, 5, 8, 13, 40])
    scale = 10.0 ** rng.uniform(-9, 9)
    rows = [[label(rng, i), f"c{rng.randrange(3)}", number(rng, scale), variance(rng, scale),
             rng.choice(["a", "b", "c"])] for i in range(k)]
    write_csv(path, ["study", "cluster", "yi", "vi", "grp"], rows)


def binary(rng, path):
    k = rng.choice([1, 2, 3, 5, 9])
    rows = []
    for i in range(k):
        n1, n2 = rng.choice([0, 1, 5, 50, 10**6]), rng.choice([0, 1, 5, 50, 10**6])
        a = rng.randint(0, max(n1, 0)) if rng.random() > 0.05 else rng.choice([-1, n1 + 1, "x"])
        c = rng.randint(0, max(n2, 0))
        rows.append([label(rng, i), a, n1 - a if isinstance(a, int) else 3, c, n2 - c])
    write_csv(path, ["study", "ai", "bi", "ci", "di"], rows)


def network(rng, path):
    k = rng.choice([1, 2, 3, 6, 12])
    trts = ["A", "B", "C", "D", "A+B", "+"][: rng.randint(2, 6)]
    rows = []
    for i in range(k):
        t1, t2 = rng.sample(trts, 2) if rng.random() > 0.05 else (trts[0], trts[0])
        rows.append([label(rng, i), t1, t2, number(rng, 1.0), variance(rng, 1.0)])
    write_csv(path, ["study", "treat1", "treat2", "yi", "vi"], rows)


def draws(rng, path):
    n = rng.choice([1, 2, 10, 200])
    strategies = rng.choice([["A"], ["A", "B"], ["A", "B", "C"]])
    rows = [[d, s, number(rng, 1000.0), number(rng, 1.0)] for d in range(n) for s in strategies]
    write_csv(path, ["draw", "strategy", "cost", "effect"], rows)


CASES = [
    ("meta", generic, lambda r: ["meta", "{f}", "--method", r.choice(
        ["EE", "DL", "REML", "ML", "PM", "SJ", "HE", "HS", "EB", "GENQ"]), "--format", "json"]
        + (["--knha"] if r.random() < 0.4 else [])),
    ("meta-bin", binary, lambda r: ["meta", "{f}", "--measure", r.choice(["OR", "RR", "RD", "PETO"]),
                                    "--format", "json"]),
    ("meta-mods", generic, lambda r: ["meta", "{f}", "--mods", "grp", "--format", "json"]),
    ("multilevel", generic, lambda r: ["meta", "{f}", "--random", "~ 1 | cluster/study",
                                       "--format", "json"]),
    ("bias", generic, lambda r: ["bias", "{f}", "--format", "json"]),
    ("influence", generic, lambda r: ["influence", "{f}", "--format", "json"]),
    ("reanalyse", generic, lambda r: ["reanalyse", "{f}", "--by", "grp", "-o", "{o}.csv"]),
    ("network", network, lambda r: ["network", "{f}", "--format", "json"]
        + (["--method", "REML"] if r.random() < 0.5 else [])),
    ("cea", draws, lambda r: ["cea", "{f}", "--format", "json"]),
]


def headline_problem(obj):
    if not isinstance(obj, dict) or "estimate" not in obj:
        return None
    for key in HEADLINE:
        if key in obj and key not in ("tau2", "i2", "q") and obj[key] is None:
            return f"{key} is null"
        if key in obj and isinstance(obj[key], float) and not math.isfinite(obj[key]):
            return f"{key} is {obj[key]}"
    if obj.get("method") not in (None, "EE") and obj.get("k", 0) > 1 and "sigma2" not in obj:
        for key in ("tau2", "i2", "q"):
            if key in obj and obj[key] is None:
                return f"{key} is null"
    lo, est, hi = obj.get("ci_lower"), obj.get("estimate"), obj.get("ci_upper")
    if all(isinstance(x, (int, float)) for x in (lo, est, hi)) and not lo <= est <= hi:
        return f"CI [{lo}, {hi}] does not hold the estimate {est}"
    return None


def main():
    binary_path = sys.argv[1] if len(sys.argv) > 1 else "target/release/peerstat"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    work = tempfile.mkdtemp(prefix="peerstat-fuzz-")
    failed, counts = 0, {}
    for i in range(n):
        name, gen, args = rng.choice(CASES)
        f = os.path.join(work, f"case{i}.csv")
        gen(rng, f)
        argv = [binary_path] + [a.replace("{f}", f).replace("{o}", os.path.join(work, f"out{i}"))
                                for a in args(rng)]
        try:
            p = subprocess.run(argv, capture_output=True, timeout=60, text=True)
            code, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            code, out, err = "timeout", "", ""
        problem = None
        if code == "timeout":
            problem = "ran past 60 s"
        elif code < 0:
            problem = f"killed by signal {-code}"
        elif code == 101 or "panicked" in err:
            problem = "panic: " + err.strip().splitlines()[-1][:200] if err.strip() else "panic"
        elif code not in (0, 1, 2, 3):
            problem = f"undocumented exit code {code}"
        elif code == 0 and "--format" in argv and out.strip().startswith("{"):
            try:
                problem = headline_problem(json.loads(out))
            except json.JSONDecodeError as e:
                problem = f"invalid JSON: {e}"
        elif code != 0 and not err.strip():
            problem = f"exit {code} without a message"
        ok, bad = counts.get(name, (0, 0))
        counts[name] = (ok + (problem is None), bad + (problem is not None))
        if problem:
            failed += 1
            print(f"FAIL {name} case{i}: {problem}\n     {' '.join(argv)}")
    for name, (ok, bad) in sorted(counts.items()):
        print(f"{name:12} {ok + bad:5} cases, {bad} failed")
    print(f"{n} cases, {failed} failed; inputs in {work}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
