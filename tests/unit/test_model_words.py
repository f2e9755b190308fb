"""The word-level rules of the resource model: record names, scopes, id fields, path words."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server.model.paths import canonical_scope, resource_from_path, verb_word
from mock_server.model.schemas import choose_id_field, normalise, shared_stems, stems


def string(*, uuid: bool = False) -> dict[str, str]:
    return {"type": "string", "format": "uuid"} if uuid else {"type": "string"}


@pytest.mark.parametrize(
    ("name", "schemas", "shared", "expected"),
    [
        ("PatchedMentorCreate", {"Mentor", "MentorCreate"}, set(), "Mentor"),
        ("CourseCreateUpdate", {"Course"}, set(), "Course"),
        ("CourseLicenseDetail", {"CourseLicense"}, set(), "CourseLicense"),
        ("HeygenMarketingVideoList", {"HeygenMarketingVideo"}, set(), "HeygenMarketingVideo"),
        ("SCIMUserResponse", set(), {"SCIMUser"}, "SCIMUser"),
        ("CustomInstructionResponse", set(), set(), "CustomInstructionResponse"),
        ("DisclaimerAgreement", set(), set(), "DisclaimerAgreement"),
    ],
)
def test_record_names_normalise(
    name: str, schemas: set[str], shared: set[str], expected: str
) -> None:
    assert normalise(name, {s: {} for s in schemas}, frozenset(shared)) == expected


def test_stems_shared_by_two_schemas_of_a_family() -> None:
    assert stems("PatchedMentorCreate") == ["PatchedMentorCreate", "MentorCreate", "Mentor"]
    shared = shared_stems(["SCIMUserCreateRequest", "SCIMUserResponse", "Other"])
    assert "SCIMUser" in shared and "Other" not in shared
    # One schema alone shares nothing with itself.
    assert shared_stems(["CustomInstructionResponse"]) == frozenset()


def test_scope_parameters_canonicalise() -> None:
    path = "/p/{platform_key}/orgs/{org}/users/{username}/mentors/{mentor_unique_id}/x/{course_id}/"
    params = ("platform_key", "org", "username", "mentor_unique_id", "course_id")
    assert canonical_scope(path, params) == (
        ("tenant", "platform_key"),
        ("tenant", "org"),
        ("user", "username"),
        ("mentor", "mentor_unique_id"),
        ("course_id", "course_id"),
    )
    # A generic name takes the scope of the segment before it.
    assert canonical_scope("/reports/platforms/{key}/", ("key",)) == (("tenant", "key"),)
    assert canonical_scope("/things/{key}/", ("key",)) == (("key", "key"),)


@pytest.mark.parametrize(
    ("param", "uuid", "fields", "resource", "expected"),
    [
        ("id", False, ("id", "unique_id"), "Thing", "id"),
        ("id", True, ("id", "unique_id"), "Thing", "unique_id"),
        ("pk", False, ("pk", "name"), "Thing", "pk"),
        ("name", False, ("id", "name"), "Mentor", "name"),
        ("slug", False, ("id", "slug"), "Trigger", "slug"),
        ("username", False, ("id", "username"), "Profile", "username"),
        ("mentor", False, ("id", "name", "unique_id"), "Mentor", "unique_id"),
        ("template_name", False, ("template_id", "name"), "HeygenTemplate", "name"),
        ("entity_id", False, ("entityId", "name"), "Assertion", "entityId"),
        ("entity_id", False, ("credential_id", "name"), "Credential", "credential_id"),
        ("memory_unique_id_or_name", False, ("unique_id", "name"), "UserMemory", "unique_id"),
        ("field", False, ("name",), "ProgramMetadata", "id"),
    ],
)
def test_id_field_choice(
    param: str, uuid: bool, fields: tuple[str, ...], resource: str, expected: str
) -> None:
    properties: dict[str, Any] = {name: {} for name in fields}
    assert choose_id_field(param, string(uuid=uuid), properties, resource) == expected


def test_path_words() -> None:
    assert verb_word("/x/{id}/add-mentor/") == "add"
    assert verb_word("/x/{id}/remove_members") == "remove"
    assert verb_word("/x/disclaimers/") is None
    assert verb_word("/x/{id}/") is None
    assert resource_from_path("/orgs/{org}/users/{u}/disclaimer-agreements/{id}/") == (
        "DisclaimerAgreement"
    )
    assert resource_from_path("/career/resume/orgs/{org}/users/{username}/") == "Resume"
    assert resource_from_path("/x/categories/") == "Category"
