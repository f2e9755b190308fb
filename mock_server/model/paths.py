"""What a path template says about its operations: verbs in segments, scopes, resource words.

Verb-like segments: the last literal segment's first word (split on `-` and `_`) is looked up in a
table of verbs (`add-mentor`, `remove_members`, `reset`, `sync-to-edx`, `mark-all-as-read`, ...).
A write there is an action. A GET there is a view (`check`, `search`, `verify`, `star` status),
unless the verb plainly changes state (`cancel`, `start`, `sync`, `load`, `reset`, ...): DRF
`@action(methods=["get"])` routes such as `.../tasks/{id}/cancel/` do, so those GETs are actions.

Scope canonicalisation: path parameters above the resource map to a canonical name so that stores
agree across paths: `org`, `platform_key`, `platform`, `platform_org` -> "tenant"; `user_id`,
`username`, `user` -> "user"; `mentor`, `mentor_id`, `mentor_unique_id` -> "mentor". A generic
name (`key`, `id`, `pk`, `name`, `slug`) right after `orgs`/`platforms`, `users` or `mentors` takes
that segment's canonical name (`/reports/platforms/{key}/` is scoped by tenant). Others keep their
own name.
"""

from __future__ import annotations

import re

from mock_server.spec.index import is_template_segment, segments

_SCOPE_ALIASES = {
    "tenant": ("org", "platform_key", "platform", "platform_org"),
    "user": ("user_id", "username", "user"),
    "mentor": ("mentor", "mentor_id", "mentor_unique_id"),
}
CANONICAL = {name: canonical for canonical, names in _SCOPE_ALIASES.items() for name in names}
# The path parameters that name a tenant, and those that name a user.
TENANT_PARAMS = _SCOPE_ALIASES["tenant"]
USER_PARAMS = _SCOPE_ALIASES["user"]
_SEGMENT_SCOPES = {
    "orgs": "tenant",
    "org": "tenant",
    "platforms": "tenant",
    "platform": "tenant",
    "users": "user",
    "user": "user",
    "mentors": "mentor",
    "mentor": "mentor",
}
_GENERIC_PARAMS = frozenset({"key", "id", "pk", "name", "slug"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VERBS = _words(
    "add remove reset approve reject publish unpublish archive unarchive toggle generate send "
    "sync cancel start stop close redeem enable disable exclude include fork star unstar update "
    "create delete deletion edit set mark launch associate validate verify test train import "
    "export upload clear increment logout login use scan retry run execute refresh assign "
    "unassign subscribe unsubscribe invite revoke bulk load check preview search download "
    "provision"
)
# Verbs that change state even when routed as a GET: those GETs are actions.
_STATE_VERBS = _words(
    "cancel start stop sync load reset retry run execute refresh approve reject publish "
    "unpublish archive unarchive toggle generate"
)
# Literal segments that name a CRUD verb of the path above them (`.../licenses/course/create/`).
CRUD_WORDS = {"create": "create", "new": "create", "update": "update", "delete": "destroy"}

# Query parameters of a list that are not filters (DRF pagination, search and ordering, format).
NON_FILTERS = frozenset({"page", "page_size", "limit", "offset", "search", "ordering", "format"})
# Query parameters that make a read an aggregate over a period (the analytics views).
_PERIOD_PARAMS = frozenset(
    {"start_date", "end_date", "date_filter", "aggregation", "group_by", "period", "overtime"}
)


def last_literal(path: str) -> str | None:
    parts = segments(path)
    return None if not parts or is_template_segment(parts[-1]) else parts[-1]


def ends_with_param(path: str) -> bool:
    parts = segments(path)
    return bool(parts) and is_template_segment(parts[-1])


def param_name(segment: str) -> str:
    return segment[1:-1]


def verb_word(path: str) -> str | None:
    """The verb a path's last literal segment starts with, if it is in the table."""
    literal = last_literal(path)
    if literal is None:
        return None
    first = re.split(r"[-_]", literal)[0].lower()
    return first if first in _VERBS else None


def changes_state_on_get(word: str) -> bool:
    return word in _STATE_VERBS


def canonical_scope(path: str, params: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(canonical name, parameter) for `params`, in path order."""
    wanted = set(params)
    pairs: list[tuple[str, str]] = []
    previous = ""
    for part in segments(path):
        if is_template_segment(part) and param_name(part) in wanted:
            name = param_name(part)
            canonical = CANONICAL.get(name)
            if canonical is None and name in _GENERIC_PARAMS:
                canonical = _SEGMENT_SCOPES.get(previous.lower())
            pairs.append((canonical or name, name))
        previous = part
    return tuple(pairs)


def path_params(path: str) -> tuple[str, ...]:
    return tuple(param_name(s) for s in segments(path) if is_template_segment(s))


def is_periodic(query_params: tuple[str, ...]) -> bool:
    return any(name in _PERIOD_PARAMS for name in query_params)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def resource_from_path(path: str) -> str | None:
    """`.../disclaimer-agreements/{id}/` -> `DisclaimerAgreement`: the last literal segment that
    is neither a scope word (`orgs`, `users`, ...) nor a verb."""
    for part in reversed(segments(path)):
        if is_template_segment(part) or part.lower() in _SEGMENT_SCOPES:
            continue
        words = [w for w in re.split(r"[-_]", part) if w]
        if not words or words[0].lower() in _VERBS:
            continue
        words[-1] = _singular(words[-1])
        return "".join(w[:1].upper() + w[1:] for w in words)
    return None
