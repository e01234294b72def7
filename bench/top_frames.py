"""The top frames of a py-spy profile in collapsed ("raw") format, by own and by total samples.

.venv/bin/python bench/top_frames.py bench/profiles/bookings.txt [--top 25]
"""

import argparse
from collections import Counter
from pathlib import Path

IDLE = ("select (selectors.py", "_run_once (asyncio", "run_forever", "poll (")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in args.profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not frames or any(marker in frames[-1] for marker in IDLE):
            continue  # waiting, not working
        n = int(count)
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    print(f"{args.profile}: {samples} busy samples")
    for title, counter in (("own", own), ("total (inclusive)", total)):
        print(f"\ntop frames by {title}:")
        for frame, n in counter.most_common(args.top):
            print(f"  {100 * n / samples:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
