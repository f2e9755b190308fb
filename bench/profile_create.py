"""Where one in-memory create goes: cProfile over `engine.handle` of the benchmark's POST.

    python -m bench.profile_create [--creates 300] [--after 50] [--top 15] [--sort cumulative]
                                  [--validate-responses] [--data]

Builds the application in process, as the tests do (`MockApplication(Settings())`, document
and world cache in a temporary directory), answers `--after` unrecorded creates of the project
body the benchmark POSTs (workload.py), then profiles `--creates` more and prints the mock_server
entries with the largest cumulative time, and the time of one create without the profiler.
With --data the writes go to a SQLite file as `--data` keeps them (durability is awaited by the
ASGI edge, which is not here: this is the engine's share).
No HTTP, no event loop: what the engine spends, not what uvicorn or Starlette do.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import tempfile
import time
from pathlib import Path

from bench.workload import CREATE_COLLECTION, WORLD_VALUES, _create_then_read
from mock_server.messages import MockRequest
from mock_server.spec.index import OperationIndex

ROOT = str(Path(__file__).resolve().parent.parent) + os.sep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--after", type=int, default=50, help="creates before the timed ones")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sort", default="cumulative", help="a pstats key: tottime, ...")
    parser.add_argument("--validate-responses", action="store_true")
    parser.add_argument("--data", action="store_true", help="keep writes in a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ibl-bench-profile-") as cache:
        os.environ.setdefault("IBL_MOCK_CACHE_DIR", cache)
        from mock_server.app import MockApplication  # reads the cache directory when built
        from mock_server.settings import Settings

        data = Path(cache) / "profile.db" if args.data else None
        settings = Settings(validate_responses=args.validate_responses, data_path=data)
        application = MockApplication(settings)
        engine = application.engine
        index = OperationIndex.from_document(application.loaded.document)
        create = _create_then_read(application.loaded.document, index)
        operation = index.by_path[CREATE_COLLECTION]["post"]
        params = {"org": WORLD_VALUES["org"], "user_id": WORLD_VALUES["user_id"]}
        headers = {"authorization": "Api-Key bench", "content-type": "application/json"}
        request = MockRequest(
            "post", create.collection, "http://bench", params, (), headers, create.body
        )

        def answer(count: int) -> None:
            for _ in range(count):
                status = engine.handle(operation.operation_id, request).status
                assert status == 201, status

        answer(args.after)
        started = time.perf_counter()
        answer(args.creates)
        plain = (time.perf_counter() - started) / args.creates
        profile = cProfile.Profile()
        profile.runcall(answer, args.creates)
        plain_us = f"{plain * 1e6:,.0f} µs"
        print(f"one create, {args.creates} after {args.after}: {plain_us} without the profiler")
        printed = io.StringIO()
        stats = pstats.Stats(profile, stream=printed).sort_stats(args.sort)
        stats.print_stats(r"mock_server[/\\]", args.top)
        print(printed.getvalue().replace(ROOT, ""))


if __name__ == "__main__":
    main()
