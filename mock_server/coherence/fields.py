"""Which fields carry what: the naming rules behind identity, time and counts.

Names are compared after `normalize` (`ownerUsername` -> `owner_username`). A rule only proposes
a value; the caller writes it where the field's schema accepts it.
"""

from __future__ import annotations

from functools import lru_cache

from mock_server.synthesis.heuristics import normalize


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Fields naming the tenant: by key, by number (an integer field) or key (a string one), by name.
TENANT_KEY = _words("platform_key org platform_org tenant org_key organization_key tenant_key")
TENANT_ID_OR_KEY = _words("platform platform_id tenant_id org_id organization_id")
TENANT_NAME = _words("platform_name tenant_name org_name organization_name")
TENANT_LMS_ORG = _words("lms_org edx_org")

# Nouns naming a person; a field or schema whose head is one of them is about a person.
PEOPLE = _words(
    "user users learner learners student students instructor instructors author authors member "
    "members person people profile owner teacher admin creator staff participant participants "
    "account accounts"
)
# Fields that name the person a record belongs to (a number is their id, text their username).
PERSON_REF = _words(
    "user user_id owner owner_id student student_id learner learner_id created_by author "
    "author_id creator edx_user_id lms_user_id requested_by submitted_by"
)
# Arrays whose items name people, one each.
PEOPLE_LISTS = _words("users usernames members learners students participants user_ids")
# Schema-name words that say nothing about what the object is.
_GENERIC = _words(
    "response request detail details serializer list create update patched info public item "
    "items data summary view result results paginated"
)

CREATED = _words(
    "created created_at created_on date_created creation_date date_joined joined_at added_at"
)
UPDATED = _words(
    "updated updated_at updated_on modified modified_at last_modified date_modified last_updated"
)
# (earlier, later) pairs of one object; the later never precedes the earlier.
SPANS: tuple[tuple[str, str], ...] = (
    ("start_date", "end_date"),
    ("start_time", "end_time"),
    ("start", "end"),
    ("start_at", "end_at"),
    ("started_at", "ended_at"),
    ("started_at", "finished_at"),
    ("started_at", "completed_at"),
    ("valid_from", "valid_until"),
    ("valid_from", "valid_to"),
    ("issued_on", "expires"),
    ("issued_on", "expiration_date"),
    ("issued_at", "expires_at"),
    ("issued_on", "expires_at"),
    ("issued_at", "expires"),
    ("created_at", "expires_at"),
    ("date_joined", "last_login"),
)


@lru_cache(maxsize=8192)
def person_attribute(name: str, person_object: bool) -> str | None:
    """The `Person` attribute a field shows: `username`, `ref`, `email`, `first_name`, ...

    `ref` is the id for an integer field and the username for a string one. In an object that
    is itself a person (`person_object`), `name`, `display_name` and `id` are theirs too.
    """
    field = normalize(name)
    if field in PERSON_REF:
        return "ref"
    if field in ("username", "user_name") or field.endswith("_username"):
        return "username"
    if field in ("email", "email_address") or (field.endswith("_email") and _about_person(field)):
        return "email"
    if field in ("first_name", "given_name", "last_name", "family_name", "full_name", "fullname"):
        return {
            "given_name": "first_name",
            "family_name": "last_name",
            "fullname": "full_name",
        }.get(field, field)
    if field.endswith(("_full_name", "_fullname")) or (
        field.endswith("_name") and field[: -len("_name")] in PEOPLE
    ):
        return "full_name"
    if person_object:
        if field in ("name", "display_name"):
            return "full_name"
        if field == "id":
            return "ref"
    return None


def _about_person(field: str) -> bool:
    return field.split("_")[0] in PEOPLE or field.split("_")[0] in ("owner", "creator")


@lru_cache(maxsize=8192)
def tenant_attribute(name: str) -> str | None:
    """The `TenantIdentity` attribute a field shows: `key`, `ref`, `name` or `lms_org`."""
    field = normalize(name)
    if field in TENANT_KEY:
        return "key"
    if field in TENANT_ID_OR_KEY:
        return "ref"
    if field in TENANT_NAME:
        return "name"
    if field in TENANT_LMS_ORG:
        return "lms_org"
    return None


@lru_cache(maxsize=8192)
def is_person_name(name: str | None) -> bool:
    """Whether a schema or field name is about a person: `UserProfile`, `owner`, `members`."""
    if not name:
        return False
    words = [w for w in normalize(name).split("_") if w and w not in _GENERIC]
    return bool(words) and words[-1] in PEOPLE


@lru_cache(maxsize=8192)
def counted_lists(name: str) -> tuple[str, ...]:
    """The list fields a count field may count: `mentor_count` -> `mentors`, `mentor`, ..."""
    field = normalize(name)
    base = None
    for suffix in ("_count", "_total"):
        if field.endswith(suffix):
            base = field[: -len(suffix)]
    for prefix in ("num_", "number_of_", "total_"):
        if field.startswith(prefix):
            base = field[len(prefix) :]
    if not base:
        return ()
    plural = base[:-1] + "ies" if base.endswith("y") else base + "s"
    return tuple(dict.fromkeys((base, plural, f"{base}_list")))


def time_role(name: str) -> str | None:
    field = normalize(name)
    if field in CREATED:
        return "created"
    if field in UPDATED:
        return "updated"
    return None
