"""A list operation's records, filtered, searched, ordered and paged as DRF would."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
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

# Filters that name a tenant, and record fields that hold one: one tenant, many spellings.
TENANT_FIELDS = ("platform_key", "platform", "org", "platform_org", "tenant")


def select(
    operation: Operation,
    role: OperationRole,
    request: MockRequest,
    records: list[dict],
    tenant_number: Callable[[str], int] | None = None,
) -> tuple[list[dict], Page | InvalidPage | None]:
    """The records to show, and the page of them when the operation paginates.

    `tenant_number` gives a tenant key's numeric id, for tenant filters over integer fields."""
    declared = [p["name"] for p in operation.parameters if p.get("in") == "query"]
    query = read_list_query(request.query, declared, role.list_params)
    filters = tenant_filters(query.filters, records, tenant_number)
    chosen = filter_records(records, filters)
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


def tenant_filters(
    filters: Mapping[str, str],
    records: Sequence[Mapping[str, Any]],
    tenant_number: Callable[[str], int] | None,
) -> dict[str, str]:
    """`?platform_key=acme` over records that name their tenant in another field (`platform`,
    by key or by number) filters on that field: otherwise the filter names a field no record
    has, and is ignored, listing every tenant's records."""
    rewritten = dict(filters)
    for name in TENANT_FIELDS:
        text = filters.get(name)
        if text is None or any(name in record for record in records):
            continue
        held = next((f for f in TENANT_FIELDS if any(f in r for r in records)), None)
        if held is None or held in filters:
            continue
        sample = next(r[held] for r in records if held in r)
        numeric = isinstance(sample, int) and not isinstance(sample, bool)
        del rewritten[name]
        rewritten[held] = str(tenant_number(text)) if numeric and tenant_number else text
    return rewritten


def request_url(request: MockRequest) -> str:
    """The URL the client asked for, from its own host, as DRF builds `next`/`previous`."""
    query = f"?{urlencode(request.query)}" if request.query else ""
    # Percent-encoded as Django's build_absolute_uri does, so the links are valid URIs.
    return f"{request.host_url}{quote(request.path, safe=_PATH_SAFE)}{query}"


_PATH_SAFE = "/:@!$&'()*+,;=-._~"
