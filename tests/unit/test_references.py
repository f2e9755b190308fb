"""References between records: which fields name another resource's records (`infer_references`),
and how a new record's references come to name stored records (`Linker`). Tiny inline documents."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tiny_documents import INT, STR, TIME, UUID, array, doc, obj, ref

from mock_server.coherence import Coherer, Directory, Timeline
from mock_server.coherence.timeline import parse_moment
from mock_server.handlers.linking import Linker
from mock_server.model.references import Reference, describe_references, infer_references
from mock_server.store import InMemoryStore, Scope
from mock_server.synthesis.validation import Validators

# -- infer_references ---------------------------------------------------------------------------

DOCUMENT = doc(
    Mentor=obj(id=INT, unique_id=UUID, name=STR),
    # Not a resource itself, and no stem of its name is `Mentor`: only the field's name says
    # what `Project.mentors` holds.
    MentorSummary=obj(id=INT, unique_id=UUID, name=STR),
    PatchedMentorCreate=obj(unique_id=UUID, name=STR),
    Prompt=obj(
        id=INT,
        mentor=UUID,
        mentor_id=INT,
        subject=STR,
        subject_id=INT,
        title=STR,
        platform_key=STR,
        user_id=INT,
        parent=ref("Prompt"),
        prompt_id=INT,
        tag_id=INT,
    ),
    Project=obj(
        id=INT,
        mentors=array(ref("MentorSummary")),
        mentor_ids=array(INT),
        mentor_unique_id=UUID,
        lead=ref("PatchedMentorCreate"),
        course=INT,
        course_key=STR,
        platform=INT,
        owner=INT,
        conversation_id=UUID,
    ),
    Subject=obj(id=INT, name=STR),
    Title=obj(id=INT, name=STR),
    Course=obj(course_id=STR, name=STR),
    Tag=obj(id=INT),
    Conversations=obj(id=UUID),
    User=obj(id=INT, username=STR),
    Platform=obj(id=INT, key=STR),
)
RESOURCES = [
    "Mentor",
    "Prompt",
    "Project",
    "Subject",
    "Title",
    "Course",
    "Tag",
    "Conversations",
    "User",
    "Platform",
]
RECORD_SCHEMAS = {name: name for name in RESOURCES}
LISTED = [name for name in RESOURCES if name != "Tag"]


def graph(listed: Iterable[str] = LISTED) -> dict[str, tuple[Reference, ...]]:
    return infer_references(DOCUMENT, RECORD_SCHEMAS, listed)


def by_field(resource: str, listed: Iterable[str] = LISTED) -> dict[str, Reference]:
    return {r.field: r for r in graph(listed).get(resource, ())}


def test_references_by_name_and_by_key_suffix() -> None:
    prompt = by_field("Prompt")
    assert prompt["mentor"] == Reference("mentor", "Mentor", False, False, None)
    assert prompt["mentor_id"] == Reference("mentor_id", "Mentor", False, False, "id")
    assert prompt["subject_id"] == Reference("subject_id", "Subject", False, False, "id")


def test_references_of_a_project() -> None:
    project = by_field("Project")
    assert project == {
        # by name: MentorSummary is no resource, and none of its stems is Mentor
        "mentors": Reference("mentors", "Mentor", True, True, None),
        "mentor_ids": Reference("mentor_ids", "Mentor", True, False, "id"),
        "mentor_unique_id": Reference("mentor_unique_id", "Mentor", False, False, "unique_id"),
        # by the $ref: PatchedMentorCreate -> MentorCreate -> Mentor
        "lead": Reference("lead", "Mentor", False, True, None),
        "course_key": Reference("course_key", "Course", False, False, "key"),
        # a plural resource is named in the singular
        "conversation_id": Reference("conversation_id", "Conversations", False, False, "id"),
    }


def test_free_text_names_no_record() -> None:
    prompt = by_field("Prompt")
    # Subject and Title are listed resources, but a bare free-text name is no key
    assert "subject" not in prompt
    assert "title" not in prompt


def test_identity_fields_are_not_references() -> None:
    prompt, project = by_field("Prompt"), by_field("Project")
    for field in ("platform_key", "user_id"):
        assert field not in prompt
    for field in ("platform", "owner"):
        assert field not in project


def test_a_record_does_not_refer_to_its_own_type() -> None:
    prompt = by_field("Prompt")
    assert "parent" not in prompt
    assert "prompt_id" not in prompt


def test_only_listed_types_are_targets() -> None:
    assert "tag_id" not in by_field("Prompt")
    assert by_field("Prompt", [*LISTED, "Tag"])["tag_id"] == Reference(
        "tag_id", "Tag", False, False, "id"
    )
    assert "Prompt" not in graph(listed=["Prompt", "Project"])


def test_a_number_does_not_name_a_record_whose_keys_are_text() -> None:
    assert "course" not in by_field("Project")  # `course: 13`, Course keys are strings


def test_a_uuid_needs_a_uuid_key() -> None:
    document = doc(
        Mentor=obj(id=INT, slug=STR),
        Prompt=obj(mentor=UUID, mentor_slug=STR, mentor_pk=INT),
    )
    references = infer_references(document, {"Mentor": "Mentor", "Prompt": "Prompt"}, ["Mentor"])
    assert {r.field: r.key_hint for r in references["Prompt"]} == {
        "mentor_slug": "slug",
        "mentor_pk": "pk",
    }


def test_a_name_two_types_share_names_neither() -> None:
    document = doc(
        Mentor=obj(id=INT),
        Mentors=obj(id=INT),
        Prompt=obj(mentor_id=INT),
    )
    schemas = {"Mentor": "Mentor", "Mentors": "Mentors", "Prompt": "Prompt"}
    assert infer_references(document, schemas, schemas) == {}


def test_describe_references() -> None:
    lines = describe_references(graph()).splitlines()
    assert lines[0] == "references: 9"
    assert lines[1:] == [
        "  Project.mentors -> Mentor (many, nested)",
        "  Project.mentor_ids -> Mentor (many)",
        "  Project.mentor_unique_id -> Mentor",
        "  Project.lead -> Mentor (nested)",
        "  Project.course_key -> Course",
        "  Project.conversation_id -> Conversations",
        "  Prompt.mentor -> Mentor",
        "  Prompt.mentor_id -> Mentor",
        "  Prompt.subject_id -> Subject",
    ]
    assert describe_references({}) == "references: 0"


# -- Linker -------------------------------------------------------------------------------------

LINKED = doc(
    Mentor=obj(id=INT, unique_id=UUID, name=STR, platform_key=STR, created_at=TIME),
    MentorSummary=obj(id=INT, unique_id=UUID, name=STR),
    Prompt=obj(
        id=INT,
        mentor={**UUID, "nullable": True},
        mentor_id=INT,
        created_at=TIME,
        updated_at=TIME,
    ),
    Project=obj(
        id=INT,
        mentors=array(ref("MentorSummary")),
        mentor_ids=array(INT),
        mentor_count=INT,
    ),
    Settings=obj(id=INT, mentor_id=INT, mentor_unique_id=UUID),
)
LINKED_TYPES = {name: name for name in ("Mentor", "Prompt", "Project", "Settings")}
A: Scope = {"tenant": "a", "user": "u"}
B: Scope = {"tenant": "b", "user": "v"}
KEYS = [f"Prompt|{i}" for i in range(8)]


def mentor_data(number: int, **more: Any) -> dict[str, Any]:
    return {
        "id": number,
        "unique_id": str(uuid.UUID(int=number)),
        "name": f"Mentor {number}",
        "created_at": "2025-06-01T00:00:00.000000Z",
        **more,
    }


def linker(store: InMemoryStore) -> Linker:
    fits = Validators(LINKED).fits
    return Linker(
        LINKED,
        infer_references(LINKED, LINKED_TYPES, LINKED_TYPES),
        store,
        fits,
        lambda target: ["unique_id"] if target == "Mentor" else [],
        Timeline(),
        Coherer(LINKED, fits, Directory(None), Timeline()).derive,
    )


def prompt_data(number: int = 0) -> dict[str, Any]:
    """A Prompt as synthesized: its references name nothing stored."""
    return {
        "id": number,
        "mentor": str(uuid.uuid4()),
        "mentor_id": 424242,
        "created_at": "2024-01-05T00:00:00.000000Z",
        "updated_at": "2024-01-06T00:00:00.000000Z",
    }


@pytest.fixture
def store() -> InMemoryStore:
    store = InMemoryStore()
    store.add("Mentor", A, mentor_data(1))
    store.add("Mentor", A, mentor_data(2))
    store.add("Mentor", B, mentor_data(3))
    return store


def test_a_reference_names_a_record_of_the_same_tenant(store: InMemoryStore) -> None:
    link = linker(store)
    ids, uuids = set(), set()
    for key in KEYS:
        data = prompt_data()
        assert link.link("Prompt", ref("Prompt"), A, data, key=key) is True
        ids.add(data["mentor_id"])
        uuids.add(data["mentor"])
    assert ids == {1, 2}  # spread over the scope's records, never tenant b's
    assert uuids == {str(uuid.UUID(int=1)), str(uuid.UUID(int=2))}


def test_linking_is_a_function_of_the_key(store: InMemoryStore) -> None:
    first, second = prompt_data(), prompt_data()
    linker(store).link("Prompt", ref("Prompt"), A, first, key="Prompt|7")
    linker(store).link("Prompt", ref("Prompt"), A, second, key="Prompt|7")
    assert (first["mentor"], first["mentor_id"]) == (second["mentor"], second["mentor_id"])


def test_a_tenant_wide_record_is_a_candidate_for_its_users(store: InMemoryStore) -> None:
    data = prompt_data()
    linker(store).link("Prompt", ref("Prompt"), {"tenant": "b", "user": "w"}, data, key="k")
    assert data["mentor_id"] == 3


def test_a_platform_wide_record_is_a_candidate_for_its_tenant_only() -> None:
    store = InMemoryStore()
    store.add("Mentor", {}, mentor_data(30, platform_key="c"))
    store.add("Mentor", {}, mentor_data(31, platform_key="d"))
    store.add("Mentor", {}, mentor_data(32))  # names no tenant: everyone's
    link = linker(store)
    chosen = set()
    for key in KEYS:
        data = prompt_data()
        link.link("Prompt", ref("Prompt"), {"tenant": "c", "user": "x"}, data, key=key)
        chosen.add(data["mentor_id"])
    assert chosen == {30, 32}


def test_a_list_of_references_names_distinct_records(store: InMemoryStore) -> None:
    data: dict[str, Any] = {
        "id": 1,
        "mentors": [{}, {}, {}],
        "mentor_ids": [7, 7, 7],
        "mentor_count": 99,
    }
    assert linker(store).link("Project", ref("Project"), A, data, key="Project|1")
    assert sorted(data["mentor_ids"]) == [1, 2]  # three drawn, two to name
    shown = {m["id"]: m for m in data["mentors"]}
    assert sorted(shown) == [1, 2]
    # a nested reference shows the target's stored fields its schema has
    assert shown[1] == {"id": 1, "unique_id": str(uuid.UUID(int=1)), "name": "Mentor 1"}
    assert data["mentor_count"] == 2  # what it lists, counted


def test_with_no_candidate_a_nullable_reference_is_null_and_a_list_empty(
    store: InMemoryStore,
) -> None:
    link = linker(store)
    nowhere: Scope = {"tenant": "z", "user": "y"}
    prompt = prompt_data()
    assert link.link("Prompt", ref("Prompt"), nowhere, prompt, key="k") is False
    assert prompt["mentor"] is None
    assert prompt["mentor_id"] == 424242  # not nullable: the synthesized value stays
    project: dict[str, Any] = {"id": 1, "mentors": [{}], "mentor_ids": [5], "mentor_count": 1}
    assert link.link("Project", ref("Project"), nowhere, project, key="k") is False
    assert (project["mentors"], project["mentor_ids"], project["mentor_count"]) == ([], [], 0)


def test_provide_is_asked_for_targets_only_when_there_are_none(store: InMemoryStore) -> None:
    link = linker(store)
    calls: list[tuple[str, dict[str, str]]] = []

    def provide(target: str, scope: Scope) -> None:
        calls.append((target, dict(scope)))
        store.add(target, scope, mentor_data(8))

    link.provide = provide
    data = prompt_data()
    assert link.link("Prompt", ref("Prompt"), A, data, key="k") is True
    assert calls == []
    fresh: Scope = {"tenant": "new", "user": "n"}
    data = prompt_data()
    assert link.link("Prompt", ref("Prompt"), fresh, data, key="k") is True
    assert calls == [("Mentor", {"tenant": "new", "user": "n"})]  # once: then there is one
    assert (data["mentor"], data["mentor_id"]) == (str(uuid.UUID(int=8)), 8)


def test_a_deferred_record_is_linked_when_its_batch_ends() -> None:
    store = InMemoryStore()
    link = linker(store)
    scope: Scope = {"tenant": "c", "user": "w"}
    with link.batch():
        data = prompt_data(20)
        assert link.link("Prompt", ref("Prompt"), scope, data, key="Prompt|20") is False
        record = store.add("Prompt", scope, data)
        link.defer(record, ref("Prompt"), "Prompt|20")
        store.add("Mentor", scope, mentor_data(7, created_at="2025-07-01T00:00:00.000000Z"))
        assert record.data["mentor"] is None  # not yet: the batch is still being made
    assert (record.data["mentor"], record.data["mentor_id"]) == (str(uuid.UUID(int=7)), 7)
    # changed through the store, so a lookup by the new value finds it
    assert store.get("Prompt", scope, "mentor", str(uuid.UUID(int=7))) is record
    assert store.get("Prompt", scope, "mentor_id", "7") is record
    created = parse_moment(record.data["created_at"])
    assert created is not None and created > datetime(2025, 7, 1, tzinfo=UTC)


def test_defer_outside_a_batch_does_nothing() -> None:
    store = InMemoryStore()
    link = linker(store)
    scope: Scope = {"tenant": "c", "user": "w"}
    data = prompt_data()
    link.link("Prompt", ref("Prompt"), scope, data, key="k")
    record = store.add("Prompt", scope, data)
    link.defer(record, ref("Prompt"), "k")
    store.add("Mentor", scope, mentor_data(7))
    with link.batch():
        pass
    assert record.data["mentor"] is None


def test_a_record_is_made_after_what_it_references(store: InMemoryStore) -> None:
    data = prompt_data()
    linker(store).link("Prompt", ref("Prompt"), A, data, key="k")
    created, updated = parse_moment(data["created_at"]), parse_moment(data["updated_at"])
    assert created is not None and updated is not None
    assert created > datetime(2025, 6, 1, tzinfo=UTC)  # both mentors were made then
    assert updated - created == timedelta(days=1)  # all its moments move together


def test_a_record_made_after_its_target_keeps_its_times(store: InMemoryStore) -> None:
    data = prompt_data()
    data["created_at"] = "2026-01-01T00:00:00.000000Z"
    data["updated_at"] = "2026-02-01T00:00:00.000000Z"
    linker(store).link("Prompt", ref("Prompt"), A, data, key="k")
    assert (data["created_at"], data["updated_at"]) == (
        "2026-01-01T00:00:00.000000Z",
        "2026-02-01T00:00:00.000000Z",
    )


def test_keys_of_puts_the_hint_first() -> None:
    link = linker(InMemoryStore())
    assert link.keys_of("Mentor") == ["unique_id", "mentor_id", "id", "uuid", "slug", "name"]
    assert link.keys_of("Course")[:1] == ["course_id"]  # a course is named by its course key
    assert link.keys_of("Mentor", "id")[:2] == ["id", "unique_id"]


def test_keys_of_one_reference_name_the_same_record(store: InMemoryStore) -> None:
    link = linker(store)
    by_uuid = {str(uuid.UUID(int=n)): n for n in (1, 2)}
    for key in KEYS:
        data: dict[str, Any] = {"id": 1, "mentor_id": 0, "mentor_unique_id": str(uuid.uuid4())}
        link.link("Settings", ref("Settings"), A, data, key=key)
        assert by_uuid[data["mentor_unique_id"]] == data["mentor_id"], key
