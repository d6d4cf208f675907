"""`python -m retrieval.cli`: build the Q&A index, evaluate it, benchmark it.

    build [SOURCE ...]   build the index (default source: $SHOPDESK_QA_CORPUS)
    check                exit 0 if the index matches the corpus, else say how to rebuild
    eval                 tune on the dev queries, report every leg on the test queries
    bench                synthetic 10k/100k corpora: build time, queries/s, latency, memory
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from retrieval.index_store import IndexError_, build_index, check_index
from retrieval.ingest import IngestReport
from shopdesk.clock import system_clock
from shopdesk.errors import ShopdeskError
from shopdesk.settings import Settings


def index_dir(settings: Settings) -> Path:
    return settings.data_dir / "index"


def ensure_index(settings: Settings, sources: list[Path] | None = None, quiet: bool = False
                 ) -> Path:
    """Build the index if it is missing or does not match the corpus; return its folder."""
    from retrieval.embedders import MiniLmEmbedder
    from retrieval.preprocess import SpacyPreprocessor

    sources = sources or [settings.qa_corpus]
    folder = index_dir(settings)
    try:
        check_index(folder, sources)
        if not quiet:
            print(f"• Q&A index is up to date ({folder})", flush=True)
        return folder
    except IndexError_ as e:
        if not quiet:
            print(f"• Building the Q&A index: {str(e).split(';')[0]}", flush=True)
    report = build_index(sources, folder, SpacyPreprocessor(), MiniLmEmbedder(), system_clock,
                         progress=not quiet)
    if not quiet:
        print(f"• {build_summary(report)}", flush=True)
    return folder


def build_summary(report: IngestReport) -> str:
    """What a build kept, and exactly what it left out and why."""
    lines = [f"Indexed {len(report.pairs)} pairs from {report.read} read; "
             f"{len(report.dropped)} left out as repeats of another pair (same question and same "
             f"answer), {report.redacted} with personal data redacted"]
    lines += [f"    left out {d.id}: {d.reason} as {d.kept}" for d in report.dropped]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="retrieval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the index")
    build.add_argument("sources", nargs="*", type=Path)
    sub.add_parser("check", help="check the index matches the corpus")
    sub.add_parser("eval", help="evaluate on the labelled queries")
    bench = sub.add_parser("bench", help="speed benchmark on synthetic corpora")
    bench.add_argument("--sizes", default="10000,100000")
    bench.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    try:
        if args.command == "build":
            from retrieval.embedders import MiniLmEmbedder
            from retrieval.preprocess import SpacyPreprocessor

            sources = args.sources or [settings.qa_corpus]
            report = build_index(sources, index_dir(settings), SpacyPreprocessor(),
                                 MiniLmEmbedder(), system_clock)
            print(f"{build_summary(report)}\nIndex written to {index_dir(settings)}")
        elif args.command == "check":
            manifest = check_index(index_dir(settings), [settings.qa_corpus])
            print(f"OK: {manifest['pairs']} pairs, built {manifest['built_at']}")
        elif args.command == "eval":
            from retrieval.run_eval import run_evaluation

            run_evaluation(settings, system_clock)
        elif args.command == "bench":
            from retrieval.benchmark import run_benchmark

            run_benchmark([int(s) for s in args.sizes.split(",")], args.queries)
    except ShopdeskError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
