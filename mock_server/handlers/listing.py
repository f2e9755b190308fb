"""A list operation's records, filtered, searched, ordered and paged as DRF would."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from mock_server.handlers.query import (
    InvalidPage,
    Page,
    filter_records,
    order_records,
    paginate,
    read_list_query,
    search_records,
)
from mock_server.messages import MockRequest
from mock_server.model import OperationRole
from mock_server.spec.index import Operation


def select(
    operation: Operation, role: OperationRole, request: MockRequest, records: list[dict]
) -> tuple[list[dict], Page | InvalidPage | None]:
    """The records to show, and the page of them when the operation paginates."""
    declared = [p["name"] for p in operation.parameters if p.get("in") == "query"]
    query = read_list_query(request.query, declared, role.list_params)
    chosen = filter_records(records, query.filters)
    if query.search:
        chosen = search_records(chosen, query.search)
    if query.ordering:
        chosen = order_records(chosen, query.ordering)
    if not role.paginated:
        return chosen, None
    try:
        return chosen, paginate(chosen, query, url=request_url(request))
    except InvalidPage as invalid:
        return chosen, invalid


def request_url(request: MockRequest) -> str:
    """The URL the client asked for, from its own host, as DRF builds `next`/`previous`."""
    query = f"?{urlencode(request.query)}" if request.query else ""
    # Percent-encoded as Django's build_absolute_uri does, so the links are valid URIs.
    return f"{request.host_url}{quote(request.path, safe=_PATH_SAFE)}{query}"


_PATH_SAFE = "/:@!$&'()*+,;=-._~"
