"""A small list's latency before and after 40,000 records of its type in other tenants.

The engine is built in-process as the tests build it (the shipped document and world, seeded),
and every request goes through `MockEngine.handle` (no HTTP, no ASGI): routing and the web
adapter are left out, validation, the store and rendering are in. The list is one tenant's
projects (`GET /api/ai-mentor/orgs/main/projects/`, the 3 seeded records). Then 40,000 projects
are created in 400 other tenants: the first 400 through `handle` (POST), the rest added straight
to the store as copies of those with fresh ids, since 40,000 synthesized POSTs would take minutes.
The records are of the listed type on purpose: a list never looked at other types' records; what
grew with the world was its own type's records in scopes it cannot see.

    python -m bench.scoped_list [--records 40000] [--repeats 1000]
"""

from __future__ import annotations

import argparse
import copy
import gc
import statistics
import time

import orjson

from mock_server.fixtures import DEFAULT_WORLD_PATH, load_world, seed_world
from mock_server.handlers import MockEngine
from mock_server.messages import MockRequest
from mock_server.spec import load_document

HOST = "http://testserver"
HEADERS = {"authorization": "Api-Key bench"}
LIST = "ai_mentor_orgs_projects_list"
CREATE = "ai_mentor_orgs_projects_create"
TENANT = "main"
OTHER_TENANTS = 400


def list_request() -> MockRequest:
    return MockRequest(
        "get", f"/api/ai-mentor/orgs/{TENANT}/projects/", HOST, {"org": TENANT}, (), HEADERS
    )


def median_ms(engine: MockEngine, repeats: int) -> tuple[float, int]:
    """The median latency of the list over `repeats` calls, and how many records it showed."""
    request = list_request()
    gc.collect()  # start each measurement with no garbage of the setup's to collect
    for _ in range(20):
        engine.handle(LIST, request)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = engine.handle(LIST, request)
        times.append(time.perf_counter() - start)
    if response.status != 200:
        raise SystemExit(f"the list answered {response.status}: {response.body[:200]!r}")
    return statistics.median(times) * 1000, int(orjson.loads(response.body)["count"])


def fill_other_tenants(engine: MockEngine, records: int) -> None:
    """`records` projects in other tenants: some by `handle`, the rest copied into the store."""
    body = orjson.dumps({"name": "elsewhere"})
    headers = {**HEADERS, "content-type": "application/json"}
    created = []
    for n in range(min(OTHER_TENANTS, records)):
        org = f"bench-{n}"
        path = f"/api/ai-mentor/orgs/{org}/projects/"
        request = MockRequest("post", path, HOST, {"org": org}, (), headers, body)
        response = engine.handle(CREATE, request)
        if response.status != 201:
            raise SystemExit(f"a create answered {response.status}: {response.body[:200]!r}")
        created.append(engine.store.find("Project", {"tenant": org})[-1])
    store = engine.store
    for n in range(records - len(created)):
        model = created[n % len(created)]
        data = copy.deepcopy(model.data)
        data["id"] = store.next_id("Project")
        store.add("Project", model.scope, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--repeats", type=int, default=1000)
    args = parser.parse_args()
    world = load_world(DEFAULT_WORLD_PATH)
    engine = MockEngine(load_document().document, seed=0, world=world)
    seed_world(engine, world)
    before, shown = median_ms(engine, args.repeats)
    held = engine.store.counts().get("Project", 0)
    started = time.perf_counter()
    fill_other_tenants(engine, args.records)
    filled = time.perf_counter() - started
    after, shown_after = median_ms(engine, args.repeats)
    total = engine.store.counts().get("Project", 0)
    print(f"GET /api/ai-mentor/orgs/{TENANT}/projects/ via MockEngine.handle, {args.repeats} calls")
    print(f"  before: {before:8.3f} ms median  ({shown} shown of {held} projects)")
    print(
        f"  after:  {after:8.3f} ms median  ({shown_after} shown of {total} projects; "
        f"{args.records} added in {OTHER_TENANTS} other tenants in {filled:.1f} s)"
    )
    print(f"  ratio after/before: {after / before:.2f}")


if __name__ == "__main__":
    main()
