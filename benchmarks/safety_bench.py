"""How long hostile input holds a build up: figures behind the limits in CONTRIBUTING.md, never
pass/fail (`make bench-safety`, or `python -m benchmarks.safety_bench [--out benchmarks/out]`).

  refuse 20 MB body      `read_text` on a 20 MB en.md (refused from its size, before reading)
  billion laughs         `load_yaml` on nine levels of nine aliases (refused at the first alias)
  10,000 nested [        `load_yaml` on `[[[[…` (refused at level 40)
  Markdown at the limit  `render_markdown` on 500 KB of the worst inputs found: `[`, `![`,
                         `*a **b`, and raw HTML just under (nested) and over the tag limit
  CLI, 20 MB body        a whole `build.py build` of the sample with one 20 MB body (process
                         start, loading, refusal)

Results also go to {out}/safety.json.

Pathological Markdown (issue 14): each input of tests/pathological_markdown.py (the CommonMark
pathological-input classes, written by generator functions) as a theme's en.md at the size limit,
through the loader (`ogpsite check`: load, validate, resolve, Markdown rendered), each in its own
process with a timeout; wall and CPU seconds, and whether it loaded or was refused. `--ogpsite DIR`
measures another copy of the package, e.g. the one before the limits, for the before/after table:

    git archive ade6514 ogpsite | tar -x -C /tmp/before
    flock /tmp/ogpsite-bench.lock python -m benchmarks.safety_bench --only markdown --ogpsite /tmp/before --label before
    flock /tmp/ogpsite-bench.lock python -m benchmarks.safety_bench --only markdown --label after

Each run writes {out}/pathological-{label}.json; the table shows every label found there.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZE_LIMIT = 500_000  # MAX_MARKDOWN_BYTES, also for a copy of ogpsite that is measured (--ogpsite)


def timed(fn: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{'abcdefghi'[i]}"] * 9) + "]")
    return "\n".join(lines) + "\n"


CHILD = """
import json, sys, tempfile
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[2]]  # the ogpsite measured, then this repository (tests/)
from tests.pathological_markdown import PATHOLOGICAL, load_with_body, minimal_project
repo = Path(sys.argv[2])
with tempfile.TemporaryDirectory() as folder:
    project = minimal_project(Path(folder), repo)
    result = load_with_body(project, repo, PATHOLOGICAL[sys.argv[3]], int(sys.argv[4]))
print(json.dumps({"size": result.size, "wall": result.wall, "cpu": result.cpu, "errors": result.errors}))
"""


def pathological(ogpsite_root: Path, timeout: float) -> dict[str, dict[str, object]]:
    """Each pathological input through the loader of `ogpsite_root`'s ogpsite, in a fresh process."""
    from tests.pathological_markdown import PATHOLOGICAL

    results: dict[str, dict[str, object]] = {}
    for name in PATHOLOGICAL:
        command = [sys.executable, "-c", CHILD, str(ogpsite_root), str(ROOT), name, str(SIZE_LIMIT)]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            results[name] = {"outcome": f"over {timeout:.0f} s (stopped)"}
        else:
            if done.returncode != 0:
                results[name] = {"outcome": "crashed: " + done.stderr.strip().splitlines()[-1]}
            else:
                found = json.loads(done.stdout)
                errors = found.pop("errors")
                found["outcome"] = "refused: " + errors[0].split(": ", 1)[1].split(" — ")[0] if errors else "loaded"
                results[name] = found
        row = results[name]
        seconds = f"{row['wall']:6.2f} s wall {row['cpu']:6.2f} s CPU" if "wall" in row else " " * 27
        print(f"  {name:<48} {seconds}  {row['outcome']}", flush=True)
    return results


def pathological_table(out: Path) -> str:
    """Markdown table of every pathological-*.json in `out`: input, size, seconds per label."""
    runs = {
        path.stem.removeprefix("pathological-"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(out.glob("pathological-*.json"))
    }
    labels = sorted(runs, key=lambda label: (label != "before", label))
    names = list(next(iter(runs.values()))) if runs else []
    head = "| input | size | " + " | ".join(f"{label}: wall s (CPU s)" for label in labels) + " | outcome now |"
    lines = [head, "|" + " --- |" * (len(labels) + 3)]
    for name in names:
        cells = []
        size = ""
        for label in labels:
            row = runs[label].get(name, {})
            size = size or (f"{row['size']:,} B" if "size" in row else "")
            cells.append(f"{row['wall']:.2f} ({row['cpu']:.2f})" if "wall" in row else str(row.get("outcome", "")))
        outcome = str(runs[labels[-1]].get(name, {}).get("outcome", ""))
        lines.append(f"| {name} | {size} | " + " | ".join(cells) + f" | {outcome} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/out"))
    parser.add_argument("--only", choices=["all", "markdown"], default="all", help="markdown: only the pathological inputs")
    parser.add_argument("--ogpsite", default=str(ROOT), help="the folder holding the ogpsite package measured (pathological inputs)")
    parser.add_argument("--label", default="after", help="names the pathological run in its JSON file and the table")
    parser.add_argument("--timeout", type=float, default=60, help="seconds before an input is stopped")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"Pathological Markdown at the size limit through the loader ({args.label}: {args.ogpsite}):")
    found = pathological(Path(args.ogpsite).resolve(), args.timeout)
    (out / f"pathological-{args.label}.json").write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    print(pathological_table(out))
    if args.only == "markdown":
        return
    _hostile(out)


def _hostile(out: Path) -> None:
    from ogpsite.content.markdown import MAX_RAW_HTML_TAGS, render_markdown
    from ogpsite.content.sources import MAX_MARKDOWN_BYTES, read_text
    from ogpsite.content.yamlsource import load_yaml

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        big = tmp / "en.md"
        big.write_text("---\ntitle: x\n---\n" + "All work and no play. " * 1_000_000, encoding="utf-8")
        results["refuse 20 MB body (read_text)"] = timed(lambda: read_text(big, "en.md", tmp, MAX_MARKDOWN_BYTES))
        laughs = billion_laughs()
        results["billion laughs (load_yaml)"] = timed(lambda: load_yaml(laughs, "facts.yaml"))
        nested = "order: " + "[" * 10_000 + "]" * 10_000 + "\n"
        results["10,000 nested [ (load_yaml)"] = timed(lambda: load_yaml(nested, "facts.yaml"))

        size = MAX_MARKDOWN_BYTES - 100
        worst = {
            "[": "[" * size,
            "![": "![" * (size // 2),
            "*a **b": "*a **b " * (size // 7),
            f"{MAX_RAW_HTML_TAGS - 1} nested <div>": "x\n" + "<div>" * (MAX_RAW_HTML_TAGS - 1),
            "100,000 <div> (over the limit: text)": "x\n" + "<div>" * 100_000,
        }
        for name, text in worst.items():
            results[f"Markdown at the limit: {name}"] = timed(lambda text=text: render_markdown(text), runs=1)

        project = tmp / "project"
        shutil.copytree(ROOT / "content", project / "content")
        shutil.copy(big, project / "content/themes/open-state/en.md")
        command = [sys.executable, str(ROOT / "build.py"), "build", "--templates", str(ROOT / "templates"), "-q", "--no-cache"]
        results["CLI build refusing a 20 MB body"] = timed(lambda: subprocess.run(command, cwd=project, capture_output=True), runs=1)

    width = max(len(name) for name in results)
    for name, seconds in results.items():
        print(f"{name:<{width}}  {seconds:9.4f} s")
    (out / "safety.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
