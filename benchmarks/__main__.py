"""Build speed and memory at scale: figures to compare, never pass/fail (`make bench`).

    python -m benchmarks [--sizes 1000 10000] [--runs 3] [--jobs 0] [--out benchmarks/out]

For each size N a corpus is generated once (benchmarks/corpus.py: N commitments in English and
Spanish, ~3 KB of Markdown each, 3 % events and 3 % stories) under the output folder, with its
own copy of the templates. Each run then makes these builds, each in a fresh process whose whole
process tree (the build and its workers) is sampled for memory:

  cold          nothing cached and no previous site (as after `ogpsite clean`)
  no change     the same build again
  one text      after adding a sentence to one commitment's English text
  one template  after a visible change to templates/commitment.html (every commitment page)
  preview edit  the preview server's path: a Builder kept in memory rebuilds after one text edit,
                told which file changed (pipeline.Builder.rebuild), in place with the site-wide
                stages deferred (the page reloads then), then finish() runs those stages

and the table shows the median of the runs: seconds, pages rendered per second, peak memory (the
largest sum of RSS, and of PSS, over the build's processes), the search stage's time inside the
cold build (both languages, in a worker while pages render) and the size of the search files.
Results also go to {out}/build-{N}.json.

Where the time goes (py-spy is in the test extras; `--subprocesses` follows the workers):

    py-spy record -f raw -o profile.txt --subprocesses -- python build.py build --no-cache
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import generate

ROOT = Path(__file__).resolve().parent.parent
DATE = dt.date(2026, 11, 23)
EDITED = "ar0042"  # the commitment whose text is edited (every size from 500 has it)

TARGETS = {  # from the issue, for 10,000 commitments
    "cold_s": "<= 20 s",
    "no_change_s": "<= 2 s",
    "one_text_s": "<= 0.5 s",
    "preview_edit_s": "<= 0.5 s",
    "one_template_s": "<= 12 s",
    "cold_peak_rss_mb": "<= 1,536 MB",
}


# --- one build, in its own process ----------------------------------------------------------------


def _settings(project: Path, jobs: int, cache: bool = True) -> Any:
    from ogpsite.settings import BuildSettings

    return BuildSettings(project, project / "content", project / "templates", project / "site", None, DATE, use_cache=cache, workers=jobs)


def _report(report: Any) -> dict[str, Any]:
    return {
        "seconds": report.seconds,
        "pages": report.pages,
        "rendered": report.rendered,
        "cached": report.cached,
        "written": report.written,
        "reused": report.reused,
        "up_to_date": report.up_to_date,
        "stage_seconds": report.stage_seconds,
    }


def child_build(project: Path, jobs: int, cache: bool) -> None:
    from ogpsite.build import build

    print(json.dumps(_report(build(_settings(project, jobs, cache)))))


def child_preview(project: Path, jobs: int, edits: int) -> None:
    """The preview server's Builder (in place, site-wide stages deferred, one process): one warm
    build, then `edits` times one text edit, its rebuild (the page reloads then) and finish()
    (the search index, feeds and data files catch up)."""
    from ogpsite.build import Builder, BuildMode

    builder = Builder(_settings(project, 1), mode=BuildMode.PREVIEW)
    builder.build()
    text = project / "content" / "commitments" / EDITED / "en.md"
    out = []
    for n in range(edits):
        edit_text(text, f"preview {n}")
        started = time.perf_counter()
        report = builder.rebuild([text])
        reloaded = time.perf_counter()
        builder.finish()
        out.append({**_report(report), "seconds": reloaded - started, "finish_seconds": time.perf_counter() - reloaded})
    print(json.dumps(out))


# --- measuring -------------------------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo += [int(p) for p in fh.read().split()]
    return pids


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in kB of one process; zeros once it is gone."""
    rss = pss = 0
    with contextlib.suppress(OSError, ValueError):
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    return rss, pss


def run_measured(args: list[str], cwd: Path) -> tuple[Any, float, int, int, float]:
    """Run `python -m benchmarks <args>` sampling its process tree;
    (JSON out, s, peak RSS MB, peak PSS MB, CPU s of all its processes)."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak_rss = peak_pss = 0
    while process.poll() is None:
        samples = [_memory(pid) for pid in _tree(process.pid)]
        peak_rss = max(peak_rss, sum(s[0] for s in samples))
        peak_pss = max(peak_pss, sum(s[1] for s in samples))
        time.sleep(0.25)  # reading smaps_rollup of large processes costs CPU the build would use
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if process.returncode != 0:
        raise SystemExit(f"benchmark build failed ({' '.join(args)}):\n{err[-4000:]}")
    return json.loads(out.strip().splitlines()[-1]), seconds, peak_rss // 1024, peak_pss // 1024, cpu


def edit_text(path: Path, note: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\n\nA sentence added for the benchmark ({note}).\n", encoding="utf-8")


def edit_template(path: Path, note: str) -> None:
    text = path.read_text(encoding="utf-8")
    marker = '<article class="record commitment">'
    assert marker in text, "templates/commitment.html changed: update the benchmark's template edit"
    path.write_text(text.replace(marker, f"{marker}<!-- {note} -->", 1), encoding="utf-8")


def prepare(out: Path, n: int) -> Path:
    """The corpus for size n (generated once) with fresh templates and no site or cache."""
    project = out / f"corpus-{n}"
    stamp = project / "corpus.json"
    wanted = {"n": n, "corpus": (ROOT / "benchmarks" / "corpus.py").read_text(encoding="utf-8")}
    if not stamp.exists() or json.loads(stamp.read_text(encoding="utf-8")) != wanted:
        shutil.rmtree(project, ignore_errors=True)
        generate(project / "content", n)
        stamp.write_text(json.dumps(wanted), encoding="utf-8")
    shutil.rmtree(project / "templates", ignore_errors=True)
    shutil.copytree(ROOT / "templates", project / "templates")
    return project


def clean(project: Path) -> None:
    for folder in (project / "site", project / ".site.spare", project / ".cache"):
        shutil.rmtree(folder, ignore_errors=True)


def bench_size(out: Path, n: int, runs: int, jobs: int) -> dict[str, Any]:
    project = prepare(out, n)
    text = project / "content" / "commitments" / EDITED / "en.md"
    original_text = text.read_text(encoding="utf-8")
    figures: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    try:
        for run in range(runs):
            clean(project)
            shutil.copyfile(ROOT / "templates" / "commitment.html", project / "templates" / "commitment.html")
            report, seconds, rss, pss, cpu = run_measured(["--_build", str(project), str(jobs), "cold"], ROOT)
            note("cold_s", report["seconds"])
            note("cold_cpu_s", cpu)
            note("cold_process_s", seconds)
            note("cold_peak_rss_mb", rss)
            note("cold_peak_pss_mb", pss)
            note("pages_rendered_per_s", report["rendered"] / report["seconds"])
            note("files_written_per_s", report["written"] / report["seconds"])
            note("search_stage_s", report["stage_seconds"].get("search") or 0.0)
            pages = report["rendered"]
            print(f"  N={n:,} run {run + 1}: cold {report['seconds']:.1f} s ({pages:,} pages), peak {rss:,} MB", file=sys.stderr)

            report, _, rss, _, cpu = run_measured(["--_build", str(project), str(jobs), "cached"], ROOT)
            note("no_change_s", report["seconds"])
            note("no_change_cpu_s", cpu)
            note("no_change_peak_rss_mb", rss)

            edit_text(text, f"run {run}")
            report, _, rss, _, cpu = run_measured(["--_build", str(project), str(jobs), "cached"], ROOT)
            note("one_text_s", report["seconds"])
            note("one_text_cpu_s", cpu)
            note("one_text_rendered", report["rendered"])
            note("one_text_peak_rss_mb", rss)

            edit_template(project / "templates" / "commitment.html", f"benchmark run {run}")
            report, _, rss, _, cpu = run_measured(["--_build", str(project), str(jobs), "cached"], ROOT)
            note("one_template_s", report["seconds"])
            note("one_template_cpu_s", cpu)
            note("one_template_rendered", report["rendered"])
            note("one_template_peak_rss_mb", rss)

            reports, _, rss, _, _ = run_measured(["--_preview", str(project), str(jobs), "3"], ROOT)
            for report in reports:
                note("preview_edit_s", report["seconds"])
                note("preview_finish_s", report["finish_seconds"])
                note("preview_edit_rendered", report["rendered"])
            note("preview_peak_rss_mb", rss)
    finally:
        text.write_text(original_text, encoding="utf-8")

    site = project / "site"
    sizes = {}
    for lang in ("en", "es"):  # the manifest, its shards and the result texts (ogpsite/stages/search/shards.py)
        paths = [site / lang / "search-index.json", *(p for d in ("search-index", "search-texts") for p in (site / lang / d).rglob("*"))]
        data = [path.read_bytes() for path in paths if path.is_file()]
        sizes[f"{lang}/search-index.json"] = {
            "bytes": sum(map(len, data)),
            "gzip_bytes": sum(len(gzip.compress(d, 6, mtime=0)) for d in data),
        }
    medians = {name: statistics.median(values) for name, values in figures.items()}
    return {"n": n, "runs": runs, "jobs": jobs, "medians": medians, "all": figures, "search_files": sizes}


def table(results: list[dict[str, Any]]) -> str:
    sizes = [r["n"] for r in results]
    rows = [
        ("cold build, everything incl. both search indexes (s)", "cold_s", "{:.1f}"),
        ("  its CPU time, all processes (s)", "cold_cpu_s", "{:.1f}"),
        ("no-change rebuild (s)", "no_change_s", "{:.2f}"),
        ("one commitment's English text edited (s)", "one_text_s", "{:.2f}"),
        ("  same, preview server: edited pages written (s)", "preview_edit_s", "{:.2f}"),
        ("  then its search index, feeds and data files (s)", "preview_finish_s", "{:.2f}"),
        ("one template edited: commitment.html (s)", "one_template_s", "{:.1f}"),
        ("  its CPU time, all processes (s)", "one_template_cpu_s", "{:.1f}"),
        ("  pages rendered for it", "one_template_rendered", "{:,.0f}"),
        ("peak memory, cold: RSS of all processes (MB)", "cold_peak_rss_mb", "{:,.0f}"),
        ("peak memory, cold: PSS of all processes (MB)", "cold_peak_pss_mb", "{:,.0f}"),
        ("pages rendered per second, cold", "pages_rendered_per_s", "{:,.0f}"),
        ("search stage in the cold build (s)", "search_stage_s", "{:.1f}"),
    ]
    head = "| figure | " + " | ".join(f"N = {n:,}" for n in sizes) + " | target (N = 10,000) |"
    lines = [head, "|" + " --- |" * (len(sizes) + 2)]
    for label, key, fmt in rows:
        cells = [fmt.format(r["medians"][key]) if key in r["medians"] else "–" for r in results]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {TARGETS.get(key, '')} |")
    for name in ("en/search-index.json", "es/search-index.json"):
        cells = [f"{r['search_files'][name]['bytes'] / 1e6:.1f} MB ({r['search_files'][name]['gzip_bytes'] / 1e6:.1f} gz)" for r in results]
        lines.append(f"| size of {name.split('/')[0]}'s search files (manifest, shards, texts) | " + " | ".join(cells) + " | |")
    if len(results) >= 2:
        first, last = results[0], results[-1]
        factor = last["n"] / first["n"]
        growth = last["medians"]["cold_s"] / first["medians"]["cold_s"]
        lines.append(f"| cold build growth {first['n']:,} -> {last['n']:,} (x{factor:.0f} records) | x{growth:.1f} | | <= x11 |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--_build":
        child_build(Path(argv[1]), int(argv[2]), cache=argv[3] != "cold")
        return
    if argv and argv[0] == "--_preview":
        child_preview(Path(argv[1]), int(argv[2]), int(argv[3]))
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000], help="numbers of commitments (default 1000 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the table shows medians (default 3)")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default 0: one per CPU)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out", help="where corpora and results go")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.sizes:
        result = bench_size(args.out.resolve(), n, args.runs, args.jobs)
        result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()}
        (args.out / f"build-{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        results.append(result)
    print(f"Medians of {args.runs} run(s); {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the end (shared).")
    print(table(results))


if __name__ == "__main__":
    main()
