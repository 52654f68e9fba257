"""Size of the commitments filter data (`{lang}/commitments/filters.json`) at N commitments, raw and
gzipped (level 9 and 6, as servers commonly send it). The issue's budget: 100 KB gzipped at 10,000.

    python -m benchmarks.filter_size [-n 10000] [--out /tmp/ogpsite-filter-corpus]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
from pathlib import Path

from benchmarks.corpus import generate
from ogpsite.content.load import load_content
from ogpsite.model.resolve import build_model
from ogpsite.stages.filters import facets, filter_data, title_shards

BUDGET = 100 * 1024


def json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/ogpsite-filter-corpus"))
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    generate(args.out, args.n)
    content = load_content(args.out, args.out.parent)
    model, problems = build_model(content)
    assert model is not None and not [p for p in content.problems + problems if p.is_error], "the corpus has errors"
    print(f"{len(model.records['commitments']):,} commitments")
    data = filter_data(model)
    g9, g6 = len(gzip.compress(data, 9)), len(gzip.compress(data, 6))
    flag = "" if g6 <= BUDGET else "  OVER BUDGET"
    print(f"filter data: {len(data) / 1024:8.1f} KB raw  {g9 / 1024:6.1f} KB gzip -9  {g6 / 1024:6.1f} KB gzip -6{flag}")
    found = facets(model)
    for lang in model.languages:
        shards = [json_bytes(shard) for shard in title_shards(model, lang, found)]
        sizes = [len(gzip.compress(shard, 6)) for shard in shards]
        print(f"titles ({lang}): {len(shards)} shards, {max(sizes) / 1024:.1f} KB gzip -6 the largest, {sum(sizes) / 1024:.1f} KB in all")
    shutil.rmtree(args.out, ignore_errors=True)


if __name__ == "__main__":
    main()
