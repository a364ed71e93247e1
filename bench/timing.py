#!/usr/bin/env python3
"""Times pairs of requests that must not tell one case from the other.

    timing.py BASE_URL ROUNDS PATH BODY_A BODY_B [PATH BODY_A BODY_B ...]

For each (path, body A, body B) it sends A and B alternately, ROUNDS times
each, one at a time on one keep-alive connection with a short pause between
(the pace of a patient attacker, well under what a flood would do to the
machine), and prints the median and 90th percentile of each in
milliseconds and the ratio of the medians. Alternating cancels the drift of
a shared, noisy machine.
"""
import http.client
import statistics
import sys
import time
from urllib.parse import urlparse


def main() -> None:
    base, rounds, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Content-Type": "application/json"}
    print(f"{'request':<52} {'p50_ms':>9} {'p90_ms':>9}")
    for i in range(0, len(rest), 3):
        path, bodies = rest[i], rest[i + 1 : i + 3]
        times = ([], [])
        for _ in range(rounds):
            for which, body in enumerate(bodies):
                start = time.perf_counter()
                conn.request("POST", path, body=body, headers=headers)
                conn.getresponse().read()
                times[which].append((time.perf_counter() - start) * 1000)
                time.sleep(0.005)
        medians = []
        for which, label in enumerate(("existing account", "unknown address")):
            ordered = sorted(times[which])
            p50 = statistics.median(ordered)
            p90 = ordered[int(len(ordered) * 0.9) - 1]
            medians.append(p50)
            print(f"{path + ', ' + label:<52} {p50:>9.3f} {p90:>9.3f}")
        print(f"{'':<52} ratio of the medians {medians[0] / medians[1]:.2f}")


if __name__ == "__main__":
    main()
