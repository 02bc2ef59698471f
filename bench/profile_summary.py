"""Where the workers' time goes, from py-spy's collapsed stacks (``portal_bench.py --profile``).

    .venv/bin/python bench/profile_summary.py bench/results/profile-postgresql-10000.txt [--top 40] [--match portal]

Prints per function the share of samples in which it is on the stack (inclusive) and at the
top (self), idle threads (waiting for a request) left out.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

#: Frames of threads waiting for work rather than serving a request.
IDLE = ("wait (threading.py", "select (selectors.py", "accept (socket.py", "sleep (gunicorn", "_worker (concurrent")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only functions whose frame contains this text")
    args = parser.parse_args(argv)
    inclusive, own, total = Counter(), Counter(), 0
    for line in args.profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not frames or any(frames[-1].startswith(i) for i in IDLE) or "handle_request" not in stack:
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    print(f"{total} busy samples")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"\n{title}:")
        shown = [(f, n) for f, n in counter.most_common() if args.match in f][: args.top]
        for frame, n in shown:
            print(f"{100 * n / total:6.1f}%  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
