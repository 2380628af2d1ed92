"""``python -m bench [NAME ...] [options]``: run the benchmarks (all of them when no NAME is given).

Names: tsne, umap, cache, neighbors, raster, explore, eigenfaces, autoencoders, bm25, pagerank, assist,
semantic, recommend, words, word2vec, images, generate. Options go to every named
benchmark that knows them (``python -m bench tsne --n 5000``); ``python -m bench --help-bench NAME`` lists a benchmark's
options. Each benchmark prints a table and writes ``bench/results/<name>.json``; the last lines
say PASS or FAIL per target. The exit status is 0 unless ``--strict`` is given and a target fails.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from types import ModuleType

from bench._common import Report, log, render, save

NAMES = ("tsne", "umap", "cache", "neighbors", "raster", "explore", "eigenfaces", "autoencoders", "bm25",
         "pagerank", "assist", "semantic", "recommend", "words", "word2vec", "images", "generate")


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"bench.bench_{name}")


def _parser(name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m bench {name}", description=_module(name).__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     allow_abbrev=False)  # "--n" must not pass for "--no-sklearn"
    _module(name).add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the chosen benchmarks one after another, print the summary."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if argv[:1] == ["--help-bench"]:
        for name in argv[1:] or NAMES:
            _parser(name).print_help()
        return 0
    strict = "--strict" in argv
    argv = [a for a in argv if a != "--strict"]
    names = []
    while argv and not argv[0].startswith("-"):
        name = argv.pop(0)
        if name not in NAMES:
            print(f"error: unknown benchmark {name!r}; choose from {', '.join(NAMES)}", file=sys.stderr)
            return 2
        names.append(name)
    names = names or list(NAMES)

    parsed: dict[str, argparse.Namespace] = {}
    unknown_everywhere: set[str] | None = None
    for name in names:
        ns, rest = _parser(name).parse_known_args(argv)
        parsed[name] = ns
        flags = {a.split("=")[0] for a in rest if a.startswith("-")}
        unknown_everywhere = flags if unknown_everywhere is None else unknown_everywhere & flags
    if unknown_everywhere:
        print(f"error: no chosen benchmark takes {', '.join(sorted(unknown_everywhere))}; "
              "see python -m bench --help-bench NAME", file=sys.stderr)
        return 2

    reports: list[Report] = []
    failed: list[str] = []
    for name in names:
        start = time.perf_counter()
        log(f"[bench] {name}")
        try:
            report = _module(name).run(parsed[name])
        except Exception:  # one broken benchmark should not hide the others' results
            traceback.print_exc()
            failed.append(name)
            continue
        path = save(report)
        print(render(report), flush=True)
        print(f"  ({time.perf_counter() - start:.0f} s; written to {path})\n", flush=True)
        reports.append(report)

    print("== Summary")
    for report in reports:
        for target in report.targets:
            print(f"{'PASS' if target.passed else 'FAIL'} {report.name}: {target.name} = "
                  f"{target.value:.3g} (target {target.op} {target.limit:g})")
    for name in failed:
        print(f"FAIL {name}: the benchmark raised an error (see above)")
    bad = failed or any(not r.passed for r in reports)
    return 1 if strict and bad else 0


if __name__ == "__main__":
    sys.exit(main())
