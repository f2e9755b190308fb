"""The query parameters as Django hands them to a view, for openapi-core to validate.

Django's QueryDict gives a view the last value of a repeated name (`request.query_params.get`),
and django-filter reads an empty value as none. openapi-core reads the first value of a name
that is not an array, so a repeated name would be judged by a value the backend never uses.
"""

from __future__ import annotations

from dataclasses import replace

from mock_server.messages import MockRequest
from mock_server.spec.index import Operation


def as_django_reads(operation: Operation, request: MockRequest) -> MockRequest:
    """`request` with one value (the last) for each repeated scalar query parameter, and
    without empty values: an optional name is then ignored, a required one is missing."""
    query = request.query
    names = [name for name, _ in query]
    if len(set(names)) < len(names):
        scalars = {
            p["name"]
            for p in operation.parameters
            if p.get("in") == "query" and p.get("schema", {}).get("type") != "array"
        }
        last = {name: index for index, (name, _) in enumerate(query) if name in scalars}
        query = tuple(
            (name, value)
            for index, (name, value) in enumerate(query)
            if name not in last or last[name] == index
        )
    if not all(value for _, value in query):
        query = tuple((name, value) for name, value in query if value)
    return request if query is request.query else replace(request, query=query)
