"""Build speed and memory at scale: figures to compare, never pass/fail (`make bench`).

    python -m benchmarks [--sizes 1000 10000] [--runs 3] [--jobs 0] [--out benchmarks/out]
                         [--figures cold no_change one_text one_template preview] [--profile DIR]

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

With Hugo installed (`hugo` on PATH; Debian's package), each run first builds the same corpus as a
Hugo site (benchmarks/hugo.py) from nothing, then ogpsite cold, alternating, so each pair shares
the machine's load; the table gives the ratio of each pair and its median. Without Hugo it says so
and reports ogpsite alone. `--figures` limits a run to some of the builds (the cold one always
runs: the others start from its site), `--profile DIR` records py-spy profiles (raw, for
flamegraph.pl or speedscope) of the first run's cold build and one-text edit into DIR.

and the table shows the median of the runs: seconds, pages rendered per second, peak memory (the
largest sum of RSS, and of PSS, over the build's processes), the search stages' time inside the
cold build (one per language, each in a worker while pages render: the longer) and the size of the search files.
Results also go to {out}/build-{N}.json.

Where the time goes (py-spy is in the test extras; `--subprocesses` follows the workers), by hand:

    py-spy record -f raw -o profile.txt --subprocesses -- python build.py build --no-cache

Run it under `flock /tmp/ogpsite-bench.lock` on a shared machine, so two benchmarks never overlap.
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

from benchmarks import hugo
from benchmarks.corpus import generate

ROOT = Path(__file__).resolve().parent.parent
DATE = dt.date(2026, 11, 23)
EDITED = "ar0042"  # the commitment whose text is edited (every size from 500 has it)

TARGETS = {  # from the scale issue, for 10,000 commitments
    "cold_vs_hugo": "<= 1.25",
    "no_change_s": "<= 0.5 s",
    "one_text_s": "<= 1.0 s",
    "preview_edit_s": "<= 0.3 s (served)",
    "preview_finish_s": "<= 3 s",
    "one_template_vs_cold": "<= 0.6",
    "cold_peak_pss_mb": "<= 1,000 MB",
}
FIGURES = ("cold", "no_change", "one_text", "one_template", "preview")


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


def py_spy() -> str:
    """py-spy from PATH, else the one installed beside this Python (the test extras' venv)."""
    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("--profile needs py-spy: pip install py-spy (it is in the test extras)")
    return found


def run_measured(args: list[str], cwd: Path, profile: Path | None = None) -> tuple[Any, float, int, int, float]:
    """Run `python -m benchmarks <args>` sampling its process tree;
    (JSON out, s, peak RSS MB, peak PSS MB, CPU s of all its processes).
    `profile`: under py-spy, which writes a raw profile (its sampling costs time: not a figure)."""
    command = [sys.executable, "-m", "benchmarks", *args]
    if profile is not None:
        command = [py_spy(), "record", "-f", "raw", "-r", "50", "--subprocesses", "-o", str(profile), "--", *command]
    out, seconds, rss, pss, cpu = run_command(command, cwd)
    last = [line for line in out.splitlines() if line.startswith(("{", "["))][-1]  # py-spy prints too
    return json.loads(last), seconds, rss, pss, cpu


def run_command(command: list[str], cwd: Path) -> tuple[str, float, int, int, float]:
    """Run a command sampling its process tree: (stdout, s, peak RSS MB, peak PSS MB, CPU s)."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
        raise SystemExit(f"benchmark build failed ({' '.join(command)}):\n{err[-4000:]}")
    return out, seconds, peak_rss // 1024, peak_pss // 1024, cpu


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


def hugo_cold(project: Path, hugo_site: Path) -> tuple[float, int, int]:
    """Hugo builds the converted corpus from nothing: (s, peak RSS MB, peak PSS MB)."""
    command = hugo.hugo_command()
    assert command is not None
    shutil.rmtree(hugo_site / "public", ignore_errors=True)
    shutil.rmtree(hugo_site / "resources", ignore_errors=True)
    cache = hugo_site / ".hugo-cache"
    shutil.rmtree(cache, ignore_errors=True)
    args = [command, "--quiet", "--source", str(hugo_site), "--destination", str(hugo_site / "public"), "--cacheDir", str(cache)]
    _, seconds, rss, pss, _ = run_command(args, hugo_site)
    return seconds, rss, pss


def bench_size(
    out: Path, n: int, runs: int, jobs: int, figures_wanted: tuple[str, ...] = FIGURES, profile: Path | None = None
) -> dict[str, Any]:
    project = prepare(out, n)
    text = project / "content" / "commitments" / EDITED / "en.md"
    original_text = text.read_text(encoding="utf-8")
    figures: dict[str, list[float]] = {}
    hugo_site = None
    if hugo.hugo_command() is not None:
        hugo_site = out / f"hugo-{n}"
        stamp = (project / "corpus.json").read_text(encoding="utf-8") + (ROOT / "benchmarks" / "hugo.py").read_text(encoding="utf-8")
        if not (hugo_site / "converted.txt").exists() or (hugo_site / "converted.txt").read_text(encoding="utf-8") != stamp:
            hugo.convert(project / "content", hugo_site)  # once per corpus: it takes a while at 10,000
            (hugo_site / "converted.txt").write_text(stamp, encoding="utf-8")
    else:
        print("  hugo is not installed (Debian: apt-get install hugo): ogpsite alone, no ratio", file=sys.stderr)

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    def profiled(name: str, run: int) -> Path | None:
        return None if profile is None or run else profile / f"{name}-{n}.txt"

    try:
        for run in range(runs):
            clean(project)
            shutil.copyfile(ROOT / "templates" / "commitment.html", project / "templates" / "commitment.html")
            if hugo_site is not None:
                seconds, rss, pss = hugo_cold(project, hugo_site)
                note("hugo_cold_s", seconds)
                note("hugo_cold_peak_pss_mb", pss)
                print(f"  N={n:,} run {run + 1}: Hugo cold {seconds:.1f} s, peak PSS {pss:,} MB", file=sys.stderr)
            report, seconds, rss, pss, cpu = run_measured(["--_build", str(project), str(jobs), "cold"], ROOT, profiled("cold", run))
            note("cold_s", report["seconds"])
            note("cold_cpu_s", cpu)
            note("cold_process_s", seconds)
            note("cold_peak_rss_mb", rss)
            note("cold_peak_pss_mb", pss)
            note("pages_rendered_per_s", report["rendered"] / report["seconds"])
            note("files_written_per_s", report["written"] / report["seconds"])
            search = [seconds or 0.0 for name, seconds in report["stage_seconds"].items() if name.startswith("search")]
            note("search_stage_s", max(search, default=0.0))  # its parts run at once: the longest
            if hugo_site is not None:
                # the whole process against Hugo's whole process (both start from nothing)
                note("cold_vs_hugo", seconds / figures["hugo_cold_s"][-1])
            pages = report["rendered"]
            print(f"  N={n:,} run {run + 1}: cold {report['seconds']:.1f} s ({pages:,} pages), peak PSS {pss:,} MB", file=sys.stderr)

            if "no_change" in figures_wanted:
                report, _, rss, _, cpu = run_measured(["--_build", str(project), str(jobs), "cached"], ROOT)
                note("no_change_s", report["seconds"])
                note("no_change_cpu_s", cpu)
                note("no_change_peak_rss_mb", rss)

            if "one_text" in figures_wanted:
                edit_text(text, f"run {run}")
                report, _, rss, _, cpu = run_measured(["--_build", str(project), str(jobs), "cached"], ROOT, profiled("one-text", run))
                note("one_text_s", report["seconds"])
                note("one_text_cpu_s", cpu)
                note("one_text_rendered", report["rendered"])
                note("one_text_peak_rss_mb", rss)

            if "one_template" in figures_wanted:
                edit_template(project / "templates" / "commitment.html", f"benchmark run {run}")
                report, _, rss, _, cpu = run_measured(["--_build", str(project), str(jobs), "cached"], ROOT)
                note("one_template_s", report["seconds"])
                note("one_template_vs_cold", report["seconds"] / figures["cold_s"][-1])
                note("one_template_cpu_s", cpu)
                note("one_template_rendered", report["rendered"])
                note("one_template_peak_rss_mb", rss)

            if "preview" in figures_wanted:
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
        paths = [
            site / lang / "search-index.json",
            *(p for d in ("search-index", "search-lengths", "search-texts") for p in (site / lang / d).rglob("*")),
        ]
        data = [path.read_bytes() for path in paths if path.is_file()]
        sizes[f"{lang}/search-index.json"] = {
            "bytes": sum(map(len, data)),
            "gzip_bytes": sum(len(gzip.compress(d, 6, mtime=0)) for d in data),
        }
    medians = {name: statistics.median(values) for name, values in figures.items()}
    return {"n": n, "runs": runs, "jobs": jobs, "hugo": hugo_site is not None, "medians": medians, "all": figures, "search_files": sizes}


def table(results: list[dict[str, Any]]) -> str:
    sizes = [r["n"] for r in results]
    rows = [
        ("Hugo cold build, same corpus (s)", "hugo_cold_s", "{:.1f}"),
        ("  its peak memory: PSS of all processes (MB)", "hugo_cold_peak_pss_mb", "{:,.0f}"),
        ("cold build / Hugo's, median of the pairs (whole processes)", "cold_vs_hugo", "{:.2f}"),
        ("cold build, everything incl. both search indexes (s)", "cold_s", "{:.1f}"),
        ("  its CPU time, all processes (s)", "cold_cpu_s", "{:.1f}"),
        ("no-change rebuild (s)", "no_change_s", "{:.2f}"),
        ("one commitment's English text edited (s)", "one_text_s", "{:.2f}"),
        ("  same, preview server: edited pages written (s)", "preview_edit_s", "{:.2f}"),
        ("  then its search index, feeds and data files (s)", "preview_finish_s", "{:.2f}"),
        ("one template edited: commitment.html (s)", "one_template_s", "{:.1f}"),
        ("  / the cold build of the same run", "one_template_vs_cold", "{:.2f}"),
        ("  its CPU time, all processes (s)", "one_template_cpu_s", "{:.1f}"),
        ("  pages rendered for it", "one_template_rendered", "{:,.0f}"),
        ("peak memory, cold: RSS of all processes (MB)", "cold_peak_rss_mb", "{:,.0f}"),
        ("peak memory, cold: PSS of all processes (MB)", "cold_peak_pss_mb", "{:,.0f}"),
        ("pages rendered per second, cold", "pages_rendered_per_s", "{:,.0f}"),
        ("search stages in the cold build, the longer of the two (s)", "search_stage_s", "{:.1f}"),
    ]
    head = "| figure | " + " | ".join(f"N = {n:,}" for n in sizes) + " | target (N = 10,000) |"
    lines = [head, "|" + " --- |" * (len(sizes) + 2)]
    for label, key, fmt in rows:
        cells = [fmt.format(r["medians"][key]) if key in r["medians"] else "–" for r in results]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {TARGETS.get(key, '')} |")
    for name in ("en/search-index.json", "es/search-index.json"):
        cells = [f"{r['search_files'][name]['bytes'] / 1e6:.1f} MB ({r['search_files'][name]['gzip_bytes'] / 1e6:.1f} gz)" for r in results]
        lines.append(f"| size of {name.split('/')[0]}'s search files (manifest, shards, texts) | " + " | ".join(cells) + " | |")
    for r in results:
        if "cold_vs_hugo" in r["all"]:
            pairs = ", ".join(f"{x:.2f}" for x in r["all"]["cold_vs_hugo"])
            lines.append(f"| cold / Hugo per pair, N = {r['n']:,} | {pairs} | | |")
    if len(results) >= 2:
        first, last = results[0], results[-1]
        factor = last["n"] / first["n"]
        growth = last["medians"]["cold_s"] / first["medians"]["cold_s"]
        lines.append(f"| cold build growth {first['n']:,} -> {last['n']:,} (x{factor:.0f} records) | x{growth:.1f} | | <= x11 |")
    return "\n".join(lines)


def _hugo_version() -> str:
    command = hugo.hugo_command()
    if command is None:
        return "(missing)"
    words = subprocess.run([command, "version"], capture_output=True, text=True, check=False).stdout.split()
    return words[1] if len(words) > 1 else "(unknown version)"


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
    parser.add_argument("--figures", nargs="+", choices=FIGURES, default=list(FIGURES), help="the builds to make (cold always)")
    parser.add_argument("--profile", type=Path, help="write py-spy raw profiles of the first run's cold build and text edit here")
    args = parser.parse_args(argv)
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.sizes:
        result = bench_size(args.out.resolve(), n, args.runs, args.jobs, tuple(args.figures), args.profile)
        result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()}
        (args.out / f"build-{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        results.append(result)
    peer = "Hugo " + _hugo_version() if all(r["hugo"] for r in results) else "no Hugo installed: ogpsite alone"
    print(f"Medians of {args.runs} run(s); {peer}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the end (shared).")
    print(table(results))


if __name__ == "__main__":
    main()
