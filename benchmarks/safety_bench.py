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
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ogpsite.content.markdown import MAX_RAW_HTML_TAGS, render_markdown  # noqa: E402
from ogpsite.content.sources import MAX_MARKDOWN_BYTES, read_text  # noqa: E402
from ogpsite.content.yamlsource import load_yaml  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/out"))
    args = parser.parse_args()
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
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "safety.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
