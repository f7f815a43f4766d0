#!/usr/bin/env python3
"""Summarise an interleaved hyperfine run: medians, spread and ratios.

The bench scripts give hyperfine every command once per round (round 1:
A B C, round 2: A B C, ...) with --runs 1, so that the machine's drift
(other jobs on the same cores) spreads over all commands alike. hyperfine's
JSON then holds one result per (round, command); this groups them by
command name, in round order, and prints for each the median, the min and
max, and the spread (max - min) / median. A ratio A/B is reported as the
ratio of the medians, and next to it the min and max of the per-round
ratios (A and B of the same round ran seconds apart), against a goal.

usage: summary.py H.JSON [--unit s|ms] [--skip-rounds N] RATIO...
  RATIO is  "A / B <= GOAL"  with A and B command names and GOAL a number
  (e.g. 0.05 or 2); a goal of 0 prints the ratio with no verdict.
"""
import json
import statistics
import sys


def main(argv):
    unit, scale, skip = "s", 1.0, 0
    args = []
    it = iter(argv[1:])
    for a in it:
        if a == "--unit":
            unit = next(it)
            scale = {"s": 1.0, "ms": 1000.0}[unit]
        elif a == "--skip-rounds":
            skip = int(next(it))
        else:
            args.append(a)
    path, ratios = args[0], args[1:]
    times = {}
    for res in json.load(open(path))["results"]:
        times.setdefault(res["command"], []).extend(res["times"])
    times = {k: v[skip:] for k, v in times.items()}

    w = max(len(k) for k in times)
    print(f"{'command':{w}} {'n':>3} {'median ' + unit:>10} {'min':>8} {'max':>8} {'spread':>7}")
    for name, ts in times.items():
        ts = [t * scale for t in ts]
        med = statistics.median(ts)
        print(f"{name:{w}} {len(ts):3d} {med:10.3f} {min(ts):8.3f} {max(ts):8.3f} "
              f"{(max(ts) - min(ts)) / med * 100:6.0f}%")
    print()
    for spec in ratios:
        lhs, goal = spec.rsplit("<=", 1)
        a, b = (x.strip() for x in lhs.split(" / ", 1))
        goal = float(goal)
        if a not in times or b not in times:
            print(f"{a} / {b}: not measured")
            continue
        ta, tb = times[a], times[b]
        q = statistics.median(ta) / statistics.median(tb)
        per = [x / y for x, y in zip(ta, tb)]
        line = f"{a} / {b}: {q:.3f} (per round {min(per):.3f}..{max(per):.3f})"
        if goal:
            line += f"; goal <= {goal:g}: {'meets' if q <= goal else 'misses by %.2fx' % (q / goal)}"
        print(line)


if __name__ == "__main__":
    main(sys.argv)
