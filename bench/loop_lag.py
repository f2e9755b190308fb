"""Does a slow answer stall other clients? A fast request's latency beside a slow one's.

Starts `ibl-mock serve`, creates `--records` projects in one user's collection, and times a
slow request on its own: a search over all of them (`?search=`, tens of milliseconds). Then
one client times a fast request (a seeded project list) `--samples` times, first alone, then
while two other clients send the slow search without pause. If the engine ran on the event
loop, the fast request would wait out a whole slow answer; the target is that it waits at
most a few milliseconds more than alone (p99).

    python -m bench.loop_lag [--records 2000] [--samples 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlsplit

from bench.servers import HEADERS, free_port, mock_command, running

CREATE = "/api/ai-mentor/orgs/main/users/alice/projects/"
SLOW = CREATE + "?search=bulk-1999"
FAST = "/api/ai-mentor/orgs/main/users/bob/projects/"
TARGET_MS = 5.0


class Client:
    def __init__(self, base: str) -> None:
        address = urlsplit(base)
        self._connection = http.client.HTTPConnection(address.hostname or "", address.port)

    def ms(self, method: str, path: str, body: bytes | None = None) -> float:
        headers = {**HEADERS, "Content-Type": "application/json"}
        started = time.perf_counter()
        self._connection.request(method, path, body=body, headers=headers)
        answer = self._connection.getresponse()
        answer.read()
        if answer.status >= 300:
            raise RuntimeError(f"{method} {path} answered {answer.status}")
        return (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    port = free_port()
    with running("ibl-mock", mock_command(port, None, []), port) as mock:
        maker = Client(mock.base)
        for n in range(args.records):
            body = json.dumps({"name": f"bulk-{n}", "description": "load"}).encode()
            maker.ms("POST", CREATE, body)
        slow = [maker.ms("GET", SLOW) for _ in range(10)]
        fast = Client(mock.base)
        alone = [fast.ms("GET", FAST) for _ in range(args.samples)]
        stop = threading.Event()

        def hammer() -> None:
            client = Client(mock.base)
            while not stop.is_set():
                client.ms("GET", SLOW)

        hammers = [threading.Thread(target=hammer, daemon=True) for _ in range(2)]
        for thread in hammers:
            thread.start()
        time.sleep(0.5)
        beside = [fast.ms("GET", FAST) for _ in range(args.samples)]
        stop.set()
        for thread in hammers:
            thread.join()
    print(f"slow request alone: median {statistics.median(slow):.1f} ms")
    for name, found in (("alone", alone), ("beside two slow clients", beside)):
        print(
            f"fast request {name:24}: p50 {percentile(found, 0.5):6.2f} ms, "
            f"p99 {percentile(found, 0.99):6.2f} ms, max {max(found):6.2f} ms"
        )
    extra = percentile(beside, 0.99) - percentile(alone, 0.99)
    verdict = "met" if extra <= TARGET_MS else "NOT met"
    print(
        f"p99 wait added by slow clients: {extra:.2f} ms "
        f"(target at most {TARGET_MS:g} ms): {verdict}"
    )


if __name__ == "__main__":
    main()
