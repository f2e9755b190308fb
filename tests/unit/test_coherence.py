"""World coherence: who exists (Directory), which fields name them (fields), the timeline, and
the Coherer that makes one synthesized value agree with all three. Tiny inline documents."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tiny_documents import INT, STR, TIME, doc, obj, ref

from mock_server.coherence import (
    DEFAULT_ANCHOR,
    Coherer,
    Directory,
    Identity,
    Timeline,
    fields,
    parse_anchor,
)
from mock_server.coherence.directory import GENERATED_ROSTER
from mock_server.coherence.timeline import parse_moment
from mock_server.fixtures import World, load_world
from mock_server.synthesis.validation import Validators

# A tenant and people the world file does not name.
STRANGER_TENANT = "acme-corp"
STRANGER = "zed"


def always(_name: str, _value: Any) -> bool:
    return True


@pytest.fixture(scope="module")
def world() -> World:
    return load_world()


@pytest.fixture(scope="module")
def directory(world: World) -> Directory:
    return Directory(world, seed=0)


# -- Directory ----------------------------------------------------------------------------------


def test_world_tenants_are_numbered_in_file_order_with_their_display_names(
    directory: Directory, world: World
) -> None:
    tenants = directory.tenants()
    assert [t.key for t in tenants] == [t.name for t in world.tenants]
    assert [(t.id, t.key, t.name) for t in tenants[:2]] == [
        (1, "main", "Main Campus"),
        (2, "northwind-academy", "Northwind Academy"),
    ]
    assert all(t.known for t in tenants)
    assert directory.tenant("northwind-academy").lms_org == "northwind-academy"


def test_no_tenant_means_the_default_tenant(directory: Directory) -> None:
    assert directory.default_tenant == "main"
    assert directory.tenant(None) == directory.tenant("main")
    assert directory.person(None, "alice") == directory.person("main", "alice")


def test_world_users_keep_their_attributes(directory: Directory, world: World) -> None:
    for tenant in world.tenants:
        for user in tenant.users:
            person = directory.person(tenant.name, user.username)
            assert person.known
            assert (person.email, person.first_name, person.last_name, person.is_admin) == (
                user.email,
                user.first_name,
                user.last_name,
                user.is_admin,
            )
            assert person.tenant == tenant.name
    alice = directory.person("main", "alice")
    assert alice.email == "alice.johnson@main.example.com"
    assert alice.full_name == "Alice Johnson"


def test_world_users_are_numbered_across_tenants_and_found_by_number(
    directory: Directory, world: World
) -> None:
    ids = [directory.person(t.name, u.username).id for t in world.tenants for u in t.users]
    assert ids == list(range(1, len(ids) + 1))
    alice = directory.person("main", "alice")
    assert directory.person("main", str(alice.id)) == alice


def test_a_world_user_belongs_to_their_own_tenant_only(directory: Directory) -> None:
    elsewhere = directory.person("northwind-academy", "alice")
    assert not elsewhere.known
    assert elsewhere != directory.person("main", "alice")
    assert elsewhere.email.endswith("@northwind-academy.example.com")


def test_unknown_tenant_and_user_are_the_same_for_the_same_seed(world: World) -> None:
    one, two = Directory(world, seed=3), Directory(world, seed=3)
    assert one.tenant(STRANGER_TENANT) == two.tenant(STRANGER_TENANT)
    assert one.person(STRANGER_TENANT, STRANGER) == two.person(STRANGER_TENANT, STRANGER)
    assert one.roster(STRANGER_TENANT) == two.roster(STRANGER_TENANT)
    # a world tenant's user unknown to the world, too
    assert one.person("main", STRANGER) == two.person("main", STRANGER)


def test_unknown_tenant_and_user_differ_with_another_seed(world: World) -> None:
    one, other = Directory(world, seed=3), Directory(world, seed=4)
    assert one.tenant(STRANGER_TENANT).id != other.tenant(STRANGER_TENANT).id
    a, b = one.person(STRANGER_TENANT, STRANGER), other.person(STRANGER_TENANT, STRANGER)
    assert a.id != b.id
    assert (a.first_name, a.last_name) != (b.first_name, b.last_name)
    # what the name itself says does not depend on the seed
    assert a.username == b.username == STRANGER
    assert one.tenant(STRANGER_TENANT).name == other.tenant(STRANGER_TENANT).name


def test_unknown_tenant_gets_plausible_attributes(directory: Directory) -> None:
    tenant = directory.tenant(STRANGER_TENANT)
    assert not tenant.known
    assert tenant.key == tenant.lms_org == STRANGER_TENANT
    assert tenant.name == "Acme Corp"
    assert tenant.domain == "acme-corp.example.com"
    # generated numbers never meet the world's 1, 2, ...
    assert tenant.id >= 1000
    person = directory.person(STRANGER_TENANT, STRANGER)
    assert not person.known
    assert person.email == f"{STRANGER}@acme-corp.example.com"
    assert person.first_name and person.last_name
    assert person.id >= 10_000


def test_an_unknown_numeric_name_is_that_id(directory: Directory) -> None:
    for tenant in ("main", STRANGER_TENANT):
        person = directory.person(tenant, "12345")
        assert person.id == 12345
        assert person.username == "12345"
        assert not person.known


def test_knows_tenant_and_person(directory: Directory) -> None:
    assert directory.knows_tenant("main")
    assert directory.knows_tenant("northwind-academy")
    assert not directory.knows_tenant(STRANGER_TENANT)
    assert directory.knows_person("main", "alice")
    assert directory.knows_person(None, "alice")
    assert directory.knows_person("main", "2")  # alice, by her number
    assert not directory.knows_person("main", STRANGER)
    assert not directory.knows_person("northwind-academy", "alice")
    assert not directory.knows_person(STRANGER_TENANT, STRANGER)


def test_roster_of_a_world_tenant_is_its_users(directory: Directory, world: World) -> None:
    for tenant in world.tenants:
        roster = directory.roster(tenant.name)
        assert [p.username for p in roster] == [u.username for u in tenant.users]


def test_roster_of_an_unknown_tenant_has_one_admin(directory: Directory) -> None:
    roster = directory.roster(STRANGER_TENANT)
    assert len(roster) == GENERATED_ROSTER
    assert sum(p.is_admin for p in roster) == 1
    assert len({p.username for p in roster}) == len(roster)
    assert len({p.id for p in roster}) == len(roster)
    assert all(p.tenant == STRANGER_TENANT for p in roster)
    assert directory.roster(STRANGER_TENANT) == roster


def test_a_directory_without_a_world_still_has_a_default_tenant() -> None:
    bare = Directory(None)
    assert bare.default_tenant == "main"
    assert not bare.knows_tenant("main")
    assert bare.tenants() == ()
    assert sum(p.is_admin for p in bare.roster(None)) == 1


def test_a_roster_member_named_by_number_is_the_listed_person(directory: Directory) -> None:
    for person in directory.roster(STRANGER_TENANT):
        assert directory.person(STRANGER_TENANT, str(person.id)) == person


def test_a_generated_admin_is_the_same_person_when_named_by_username(
    directory: Directory,
) -> None:
    admin = next(p for p in directory.roster(STRANGER_TENANT) if p.is_admin)
    assert directory.person(STRANGER_TENANT, admin.username) == admin


def test_identity_names_the_tenant_and_the_person(directory: Directory) -> None:
    identity = directory.identity("northwind-academy", "dmitri")
    assert identity.tenant.key == "northwind-academy"
    assert identity.person is not None and identity.person.username == "dmitri"
    assert directory.identity("main", None).person is None


# -- fields -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "person_object", "attribute"),
    [
        ("owner_username", False, "username"),
        ("ownerUsername", False, "username"),
        ("username", False, "username"),
        ("user_id", False, "ref"),
        ("user", False, "ref"),
        ("owner", False, "ref"),
        ("created_by", False, "ref"),
        ("email", False, "email"),
        ("owner_email", False, "email"),
        ("support_email", False, None),
        ("given_name", False, "first_name"),
        ("family_name", False, "last_name"),
        ("author_name", False, "full_name"),
        ("platform", False, None),
        ("platform_name", False, None),
        ("name", False, None),
        ("name", True, "full_name"),
        ("display_name", True, "full_name"),
        ("id", False, None),
        ("id", True, "ref"),
        ("title", True, None),
    ],
)
def test_person_attribute(name: str, person_object: bool, attribute: str | None) -> None:
    assert fields.person_attribute(name, person_object) == attribute


@pytest.mark.parametrize(
    ("name", "attribute"),
    [
        ("platform", "ref"),
        ("platform_id", "ref"),
        ("platform_key", "key"),
        ("platformKey", "key"),
        ("org", "key"),
        ("tenant", "key"),
        ("platform_name", "name"),
        ("org_name", "name"),
        ("lms_org", "lms_org"),
        ("user_id", None),
        ("owner_username", None),
        ("name", None),
        ("platform_url", None),
    ],
)
def test_tenant_attribute(name: str, attribute: str | None) -> None:
    assert fields.tenant_attribute(name) == attribute


@pytest.mark.parametrize(
    ("name", "lists"),
    [
        ("mentor_count", ("mentor", "mentors", "mentor_list")),
        ("mentorCount", ("mentor", "mentors", "mentor_list")),
        ("category_count", ("category", "categories", "category_list")),
        ("num_students", ("students", "studentss", "students_list")),
        ("count", ()),
        ("mentors", ()),
    ],
)
def test_counted_lists(name: str, lists: tuple[str, ...]) -> None:
    assert fields.counted_lists(name) == lists


@pytest.mark.parametrize(
    ("name", "about_a_person"),
    [
        ("UserProfile", True),
        ("PaginatedUserList", True),
        ("UserInfo", True),
        ("owner", True),
        ("members", True),
        ("UserMemory", False),
        ("UserMemoryList", False),
        ("MentorSummary", False),
        ("Response", False),
        ("", False),
        (None, False),
    ],
)
def test_is_person_name(name: str | None, about_a_person: bool) -> None:
    assert fields.is_person_name(name) is about_a_person


def test_time_role() -> None:
    assert fields.time_role("created_at") == "created"
    assert fields.time_role("dateCreated") == "created"
    assert fields.time_role("date_joined") == "created"
    assert fields.time_role("updated_at") == "updated"
    assert fields.time_role("last_modified") == "updated"
    assert fields.time_role("start_date") is None


# -- Timeline -----------------------------------------------------------------------------------


def moments(value: dict[str, Any]) -> dict[str, datetime]:
    found = {name: parse_moment(text) for name, text in value.items()}
    return {name: moment for name, moment in found.items() if moment is not None}


def test_created_is_the_earliest_and_updated_the_latest() -> None:
    value = {
        "created_at": "2025-05-01T10:00:00Z",
        "last_login": "2024-09-09T00:00:00Z",
        "updated_at": "2024-02-01T00:00:00Z",
    }
    before = moments(value)
    Timeline().order(value, tuple(value), always)
    after = moments(value)
    assert after["created_at"] == min(before.values())
    assert after["updated_at"] == max(before.values())
    assert after["last_login"] == before["last_login"]


def test_a_reversed_span_is_swapped() -> None:
    value = {
        "start_date": "2025-03-01",
        "end_date": "2025-01-01",
        "issued_at": "2025-06-01T00:00:00Z",
        "expires_at": "2024-06-01T00:00:00Z",
    }
    Timeline().order(value, tuple(value), always)
    assert value["start_date"] == "2025-01-01"
    assert value["end_date"] == "2025-03-01"
    assert parse_moment(value["issued_at"]) == datetime(2024, 6, 1, tzinfo=UTC)
    assert parse_moment(value["expires_at"]) == datetime(2025, 6, 1, tzinfo=UTC)


def test_a_span_in_order_stays() -> None:
    value = {"start_date": "2025-01-01", "end_date": "2025-03-01"}
    Timeline().order(value, tuple(value), always)
    assert value == {"start_date": "2025-01-01", "end_date": "2025-03-01"}


def test_a_date_only_field_stays_date_only() -> None:
    value = {"created_on": "2025-05-01", "updated_at": "2024-02-01T00:00:00Z"}
    Timeline().order(value, tuple(value), always)
    assert value["created_on"] == "2024-02-01"
    assert len(value["updated_at"]) > 10
    assert parse_moment(value["updated_at"]) == datetime(2025, 5, 1, tzinfo=UTC)


def test_order_writes_only_what_fits() -> None:
    value = {"created_at": "2025-05-01T00:00:00Z", "updated_at": "2024-02-01T00:00:00Z"}
    Timeline().order(value, tuple(value), lambda name, _v: name != "updated_at")
    assert parse_moment(value["created_at"]) == datetime(2024, 2, 1, tzinfo=UTC)
    assert value["updated_at"] == "2024-02-01T00:00:00Z"


def test_order_ignores_what_is_not_a_moment() -> None:
    value = {"created_at": "yesterday", "updated_at": None, "title": "2024"}
    Timeline().order(value, tuple(value), always)
    assert value == {"created_at": "yesterday", "updated_at": None, "title": "2024"}


@pytest.mark.parametrize("days", [-30, 100])
def test_moving_the_anchor_shifts_every_moment_by_the_same_amount(days: int) -> None:
    value = {
        "created_at": "2024-02-01T08:30:00Z",
        "updated_at": "2025-05-01T10:00:00Z",
        "start_date": "2025-01-01",
        "end_date": "2025-02-01",
    }
    fixed, moved = copy.deepcopy(value), copy.deepcopy(value)
    Timeline().order(fixed, tuple(value), always)
    Timeline(DEFAULT_ANCHOR + timedelta(days=days)).order(moved, tuple(value), always)
    for name in value:
        assert moments(moved)[name] - moments(fixed)[name] == timedelta(days=days), name
        assert len(moved[name]) == len(fixed[name])


def test_shift_moves_every_moment_and_never_past_the_anchor() -> None:
    timeline = Timeline()
    value = {"created_at": "2025-01-01T00:00:00Z", "updated_at": "2026-06-01T00:00:00Z"}
    timeline.shift(value, ["created_at", "updated_at"], timedelta(days=10), always)
    assert parse_moment(value["created_at"]) == datetime(2025, 1, 11, tzinfo=UTC)
    assert parse_moment(value["updated_at"]) == datetime(2026, 6, 11, tzinfo=UTC)
    value = {"created_at": "2026-06-01T00:00:00Z", "closed_on": "2026-06-01"}
    timeline.shift(value, ["created_at", "closed_on"], timedelta(days=365), always)
    assert parse_moment(value["created_at"]) == timeline.anchor
    assert value["closed_on"] == timeline.anchor.date().isoformat()


def test_shift_respects_a_moved_anchor() -> None:
    anchor = datetime(2025, 1, 1, tzinfo=UTC)
    timeline = Timeline(anchor)
    value = {"created_at": "2024-12-31T00:00:00Z"}
    timeline.shift(value, ["created_at"], timedelta(days=30), always)
    assert parse_moment(value["created_at"]) == anchor


def test_parse_anchor() -> None:
    assert parse_anchor("2026-11-30") == datetime(2026, 11, 30, tzinfo=UTC)
    assert parse_anchor(" 2026-11-30T10:20:30Z ") == datetime(2026, 11, 30, 10, 20, 30, tzinfo=UTC)
    assert parse_anchor("2026-11-30T10:20:30") == datetime(2026, 11, 30, 10, 20, 30, tzinfo=UTC)
    two_hours_east = parse_anchor("2026-11-30T12:20:30+02:00")
    assert two_hours_east == datetime(2026, 11, 30, 10, 20, 30, tzinfo=UTC)


def test_the_clock_starts_at_the_anchor() -> None:
    anchor = datetime(2030, 1, 1, tzinfo=UTC)
    timeline = Timeline(anchor)
    now = timeline.now()
    assert anchor <= now < anchor + timedelta(minutes=1)
    text = timeline.now_text()
    assert text.endswith("Z")
    stamped = parse_moment(text)
    assert stamped is not None and stamped >= now


# -- Coherer ------------------------------------------------------------------------------------

THING = doc(
    Thing=obj(
        platform=INT,
        platform_key=STR,
        platform_name=STR,
        username=STR,
        email={"type": "string", "format": "email"},
        user_id=INT,
        created_at=TIME,
        updated_at=TIME,
        course_id=STR,
        mentor_count=INT,
        mentors={"type": "array", "items": STR},
        owner=ref("Owner"),
        members={"type": "array", "items": ref("Member")},
    ),
    Owner=obj(id=INT, username=STR, name=STR, email=STR, created_at=TIME, updated_at=TIME),
    Member=obj(username=STR, email=STR),
)


def thing() -> dict[str, Any]:
    """A value as the synthesizer draws it: every field independent of the others."""
    return {
        "platform": 77,
        "platform_key": "someplace",
        "platform_name": "Some Place",
        "username": "random_user",
        "email": "random@example.org",
        "user_id": 999,
        "created_at": "2025-05-01T00:00:00Z",
        "updated_at": "2024-02-01T00:00:00Z",
        "course_id": "course-v1:Foo+CS101+2024",
        "mentor_count": 99,
        "mentors": ["a", "b", "c"],
        "owner": {
            "id": 5,
            "username": "q",
            "name": "Q Q",
            "email": "q@example.org",
            "created_at": "2025-01-02T00:00:00Z",
            "updated_at": "2025-01-01T00:00:00Z",
        },
        "members": [{"username": f"m{i}", "email": f"m{i}@example.org"} for i in range(5)],
    }


def coherer(document: dict[str, Any], directory: Directory) -> Coherer:
    return Coherer(document, Validators(document).fits, directory, Timeline())


def test_apply_shows_one_tenant_and_one_person_everywhere(directory: Directory) -> None:
    identity = directory.identity("northwind-academy", "dmitri")
    dmitri = identity.person
    assert dmitri is not None
    value = coherer(THING, directory).apply(thing(), ref("Thing"), identity=identity, key="k")
    assert value["platform"] == 2  # the tenant's number, in an integer field
    assert value["platform_key"] == "northwind-academy"
    assert value["platform_name"] == "Northwind Academy"
    assert value["username"] == "dmitri"
    assert value["email"] == dmitri.email == "dmitri.volkov@northwind.example.com"
    assert value["user_id"] == dmitri.id
    assert value["course_id"] == "course-v1:northwind-academy+CS101+2024"
    owner = value["owner"]
    assert (owner["id"], owner["username"], owner["name"], owner["email"]) == (
        dmitri.id,
        "dmitri",
        "Dmitri Volkov",
        dmitri.email,
    )
    assert Validators(THING).fits(ref("Thing"), value)


def test_apply_orders_times_and_counts_lists(directory: Directory) -> None:
    identity = directory.identity("main", "alice")
    value = coherer(THING, directory).apply(thing(), ref("Thing"), identity=identity, key="k")
    assert value["mentor_count"] == 3
    assert parse_moment(value["created_at"]) == datetime(2024, 2, 1, tzinfo=UTC)
    assert parse_moment(value["updated_at"]) == datetime(2025, 5, 1, tzinfo=UTC)
    owner = value["owner"]
    created, updated = parse_moment(owner["created_at"]), parse_moment(owner["updated_at"])
    assert created is not None and updated is not None and created < updated


def test_a_string_platform_gets_the_tenant_key(directory: Directory) -> None:
    document = doc(Thing=obj(platform=STR, user_id=STR))
    value = {"platform": "x", "user_id": "y"}
    identity = directory.identity("northwind-academy", "dmitri")
    coherer(document, directory).apply(value, ref("Thing"), identity=identity, key="k")
    assert value == {"platform": "northwind-academy", "user_id": "dmitri"}


def test_a_list_of_people_shows_distinct_people_of_the_tenant(directory: Directory) -> None:
    identity = directory.identity("main", "alice")
    value = coherer(THING, directory).apply(thing(), ref("Thing"), identity=identity, key="k")
    roster = {p.username: p for p in directory.roster("main")}
    members = value["members"]
    usernames = [m["username"] for m in members]
    assert len(set(usernames)) == len(usernames) == len(roster)  # five drawn, four people
    for member in members:
        assert member["email"] == roster[member["username"]].email


def test_a_list_of_user_ids_names_distinct_people(directory: Directory) -> None:
    document = doc(Team=obj(user_ids={"type": "array", "items": INT}))
    value: dict[str, Any] = {"user_ids": [9, 9]}
    identity = directory.identity("main", None)
    coherer(document, directory).apply(value, ref("Team"), identity=identity, key="k")
    ids = {p.id for p in directory.roster("main")}
    assert len(set(value["user_ids"])) == 2
    assert set(value["user_ids"]) <= ids


def test_a_list_of_people_stays_valid_when_the_roster_is_shorter(directory: Directory) -> None:
    document = doc(
        Team=obj(members={"type": "array", "minItems": 5, "items": ref("Member")}),
        Member=obj(username=STR),
    )
    value = {"members": [{"username": f"m{i}"} for i in range(5)]}
    assert Validators(document).fits(ref("Team"), value)
    identity = directory.identity("northwind-academy", None)  # three people
    coherer(document, directory).apply(value, ref("Team"), identity=identity, key="k")
    assert Validators(document).fits(ref("Team"), value)


def test_valid_beats_coherent(directory: Directory) -> None:
    document = doc(
        Strict=obj(
            platform_key={"type": "string", "enum": ["alpha", "beta"]},
            platform_name={"type": "string", "maxLength": 4},
            username={"type": "string", "pattern": "^[0-9]+$"},
            email={"type": "string", "maxLength": 5},
            platform={"type": "integer", "maximum": 0},
            user_id={"type": "integer", "minimum": 100},
            course_id={"type": "string", "pattern": r"^course-v1:Foo\+"},
            mentor_count={"type": "integer", "maximum": 1},
            mentors={"type": "array", "items": STR},
        )
    )
    value = {
        "platform_key": "alpha",
        "platform_name": "Abcd",
        "username": "123",
        "email": "a@b.c",
        "platform": -1,
        "user_id": 100,
        "course_id": "course-v1:Foo+CS101+2024",
        "mentor_count": 1,
        "mentors": ["a", "b", "c"],
    }
    before = copy.deepcopy(value)
    identity = directory.identity("northwind-academy", "dmitri")
    coherer(document, directory).apply(value, ref("Strict"), identity=identity, key="k")
    assert value == before


def test_without_a_person_one_of_the_tenants_people_is_shown(directory: Directory) -> None:
    worker = coherer(THING, directory)
    identity = Identity(directory.tenant("main"), None)
    shown = set()
    for key in ("k1", "k2", "k3", "k4", "k5", "k6"):
        value = worker.apply(thing(), ref("Thing"), identity=identity, key=key)
        person = directory.person("main", value["username"])
        assert person.known
        assert value["email"] == person.email
        assert value["user_id"] == person.id
        assert value["owner"]["username"] == person.username
        again = worker.apply(thing(), ref("Thing"), identity=identity, key=key)
        assert again == value  # a pure function of its inputs
        shown.add(person.username)
    assert len(shown) > 1  # chosen by the key


def test_apply_walks_a_list_of_records(directory: Directory) -> None:
    identity = directory.identity("main", "bob")
    schema = {"type": "array", "items": ref("Thing")}
    value = coherer(THING, directory).apply([thing(), thing()], schema, identity=identity, key="k")
    assert [item["username"] for item in value] == ["bob", "bob"]
    assert [item["platform"] for item in value] == [1, 1]


def test_an_unknown_tenant_and_user_are_shown_too(directory: Directory) -> None:
    identity = directory.identity(STRANGER_TENANT, STRANGER)
    value = coherer(THING, directory).apply(thing(), ref("Thing"), identity=identity, key="k")
    tenant = directory.tenant(STRANGER_TENANT)
    person = directory.person(STRANGER_TENANT, STRANGER)
    assert value["platform"] == tenant.id
    assert value["platform_name"] == "Acme Corp"
    assert value["username"] == STRANGER
    assert value["email"] == f"{STRANGER}@acme-corp.example.com"
    assert value["owner"]["name"] == person.full_name
    assert Validators(THING).fits(ref("Thing"), value)


@pytest.mark.parametrize(
    "owner_schema",
    [
        pytest.param({"allOf": [ref("UserInfo")], "readOnly": True}, id="allOf-wrapped-ref"),
        pytest.param(obj(id=INT, username=STR, name=STR), id="inline-object"),
    ],
)
def test_a_nested_person_object_shows_the_person_however_it_is_declared(
    directory: Directory, owner_schema: dict[str, Any]
) -> None:
    document = doc(
        Record=obj(owner=owner_schema),
        UserInfo=obj(id=INT, username=STR, name=STR),
    )
    value = {"owner": {"id": 5, "username": "q", "name": "Q Q"}}
    identity = directory.identity("northwind-academy", "dmitri")
    coherer(document, directory).apply(value, ref("Record"), identity=identity, key="k")
    assert value["owner"] == {"id": 6, "username": "dmitri", "name": "Dmitri Volkov"}


def test_finish_identifies_the_paths_tenant_and_user(directory: Directory) -> None:
    worker = coherer(THING, directory)
    value = worker.finish(thing(), ref("Thing"), {"org": "main", "user_id": "alice"}, "k")
    assert (value["platform"], value["platform_key"], value["platform_name"]) == (
        1,
        "main",
        "Main Campus",
    )
    assert (value["username"], value["user_id"], value["email"]) == (
        "alice",
        2,
        "alice.johnson@main.example.com",
    )
    assert value["owner"]["name"] == "Alice Johnson"


def test_finish_finds_a_user_by_number_and_the_default_tenant(directory: Directory) -> None:
    worker = coherer(THING, directory)
    value = worker.finish(thing(), ref("Thing"), {"user_id": "3"}, "k")
    assert (value["platform_key"], value["username"]) == ("main", "bob")


def test_identity_for_reads_the_path_parameters(directory: Directory) -> None:
    worker = coherer(THING, directory)
    identity = worker.identity_for({"platform_key": "northwind-academy", "username": "emma"})
    assert identity.tenant.key == "northwind-academy"
    assert identity.person is not None and identity.person.username == "emma"
    nobody = worker.identity_for(None)
    assert nobody.tenant.key == "main" and nobody.person is None


def test_derive_fixes_only_counts(directory: Directory) -> None:
    document = doc(
        Thing=obj(
            platform=INT,
            username=STR,
            created_at=TIME,
            updated_at=TIME,
            mentor_count=INT,
            mentors={"type": "array", "items": STR},
            owner=ref("Owner"),
        ),
        Owner=obj(username=STR, member_count=INT, members={"type": "array", "items": STR}),
    )
    value: dict[str, Any] = {
        "platform": 77,
        "username": "client-wrote-this",
        "created_at": "2025-05-01T00:00:00Z",
        "updated_at": "2024-02-01T00:00:00Z",
        "mentor_count": 9,
        "mentors": ["a", "b"],
        "owner": {"username": "q", "member_count": 0, "members": ["x", "y", "z"]},
    }
    expected = copy.deepcopy(value)
    expected["mentor_count"] = 2
    expected["owner"]["member_count"] = 3
    assert coherer(document, directory).derive(value, ref("Thing")) == expected


def test_a_count_without_its_list_is_left_alone(directory: Directory) -> None:
    document = doc(Thing=obj(mentor_count=INT, mentors={"type": "array", "items": STR}))
    value = {"mentor_count": 4}
    coherer(document, directory).derive(value, ref("Thing"))
    assert value == {"mentor_count": 4}


def test_a_slug_is_the_url_form_of_its_objects_name(directory: Directory) -> None:
    document = doc(Mentor=obj(name=STR, slug=STR))
    value = {"name": "Ask Echo: Cybersecurity 101", "slug": "sign-four-win"}
    identity = directory.identity(None, None)
    coherer(document, directory).apply(value, ref("Mentor"), identity=identity, key="k")
    assert value["slug"] == "ask-echo-cybersecurity-101"


def test_a_slug_the_schema_refuses_is_left_alone(directory: Directory) -> None:
    document = doc(Mentor=obj(name=STR, slug={"type": "string", "maxLength": 4}))
    value = {"name": "Ask Echo", "slug": "echo"}
    identity = directory.identity(None, None)
    coherer(document, directory).apply(value, ref("Mentor"), identity=identity, key="k")
    assert value["slug"] == "echo"
