"""How long ``import griffin_lab`` and ``%load_ext griffin_lab`` take in a fresh interpreter.

Goal: each under 0.5 s. Each figure is measured in its own new process (cold module cache,
warm disk cache), repeated, and reported as median and max; the baseline is the same process
doing nothing Griffin-specific, so the difference is what Griffin costs.

    python -m benchmarks.import_cost [--runs 15] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

GOAL_S = 0.5

PROBES = {
    "python (baseline)": "pass",
    "import griffin_lab": "import griffin_lab",
    "import IPython + shell (baseline)": (
        "from IPython.core.interactiveshell import InteractiveShell; "
        "ip = InteractiveShell.instance()"
    ),
    "%load_ext griffin_lab (in a shell)": (
        "from IPython.core.interactiveshell import InteractiveShell; "
        "ip = InteractiveShell.instance(); "
        "t = time.perf_counter(); ip.run_line_magic('load_ext', 'griffin_lab'); "
        "inner = time.perf_counter() - t"
    ),
    "griffin_lab.connect().status() (embedded)": (
        "import griffin_lab; griffin_lab.connect().status()"
    ),
}


def measure(code: str, runs: int) -> tuple[list[float], list[float], list[float]]:
    script = (
        "import time, json; _t0 = time.perf_counter(); inner = None\n"
        f"{code}\n"
        "print(json.dumps([time.perf_counter() - _t0, inner]))"
    )
    totals, inners, walls = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True).stdout
        walls.append(time.perf_counter() - start)
        total, inner = json.loads(out.strip().splitlines()[-1])
        totals.append(total)
        if inner is not None:
            inners.append(inner)
    return totals, inners, walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {}
    for name, code in PROBES.items():
        totals, inners, walls = measure(code, args.runs)
        results[name] = {"median_s": statistics.median(totals), "max_s": max(totals),
                         "process_wall_median_s": statistics.median(walls)}
        if inners:
            results[name]["load_ext_only_median_s"] = statistics.median(inners)
    base = results["python (baseline)"]["median_s"]
    shell = results["import IPython + shell (baseline)"]["median_s"]
    plain = results["import griffin_lab"]
    plain["griffin_cost_s"] = plain["median_s"] - base
    load = results["%load_ext griffin_lab (in a shell)"]
    load["griffin_cost_s"] = load["median_s"] - shell
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'probe':<45}{'median':>10}{'max':>10}{'griffin part':>15}{'process wall':>15}")
    for name, r in results.items():
        part = r.get("load_ext_only_median_s", r.get("griffin_cost_s"))
        part_s = f"{part * 1000:.0f} ms" if part is not None else ""
        print(f"{name:<45}{r['median_s'] * 1000:>7.0f} ms{r['max_s'] * 1000:>7.0f} ms{part_s:>15}"
              f"{r['process_wall_median_s'] * 1000:>12.0f} ms")
    imp = results["import griffin_lab"]["griffin_cost_s"]
    ext = load["load_ext_only_median_s"]
    print(f"\nimport griffin_lab: {imp * 1000:.0f} ms over bare python "
          f"({imp / GOAL_S:.2f} of the {GOAL_S * 1000:.0f} ms goal)")
    print(f"%load_ext griffin_lab: {ext * 1000:.0f} ms "
          f"({ext / GOAL_S:.2f} of the {GOAL_S * 1000:.0f} ms goal)")


if __name__ == "__main__":
    main()
