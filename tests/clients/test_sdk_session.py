"""The published Python SDK (iblai 4.89.4), unchanged, through stateful sessions against the mock.

Every answer goes through the SDK's own deserialization (its pydantic models), so a body that
the SDK cannot read fails here as it would fail a user of the SDK. Each test works on a user of
its own, so the tests do not depend on one another's records or order.
"""

from __future__ import annotations

import datetime
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from iblai.api_client import ApiClient
from iblai.exceptions import ApiException
from iblai.models.custom_instruction_response import CustomInstructionResponse
from iblai.models.disclaimer_agreement import DisclaimerAgreement
from iblai.models.paginated_disclaimer_agreement_list import PaginatedDisclaimerAgreementList
from sdk_calls import call, make_api_client

ORG = "main"
# Disclaimer ids that the seeded data is unlikely to use, so a filter on them finds only ours.
DISCLAIMER = 987_651
OTHER_DISCLAIMER = 987_652


@pytest.fixture(scope="module")
def api_client(mock_server_url: str) -> Iterator[ApiClient]:
    with make_api_client(mock_server_url) as client:
        sent = client.configuration.auth_settings()["PlatformApiKeyAuthentication"]
        assert (sent["in"], sent["key"], sent["value"]) == (
            "header",
            "Authorization",
            "Api-Key test-key",
        )
        yield client


def _instruction(**fields: Any) -> CustomInstructionResponse:
    # The SDK's model requires the read-only `id` even in a request; `to_dict` leaves it out.
    return CustomInstructionResponse(id=0, **fields)


def _agreement(disclaimer: int) -> DisclaimerAgreement:
    # Likewise every read-only field of the agreement; only `disclaimer` is sent.
    return DisclaimerAgreement(
        id=0,
        user=0,
        disclaimer=disclaimer,
        agreed_at=datetime.datetime.now(datetime.UTC),
        platform_key="-",
        user_id="-",
    )


def _list_agreements(api_client: ApiClient, user_id: str, **query: Any) -> Any:
    answer = call(
        api_client,
        "ai_mentor_orgs_users_disclaimer_agreements_list",
        org=ORG,
        user_id=user_id,
        **query,
    )
    assert answer.status_code == 200
    assert isinstance(answer.data, PaginatedDisclaimerAgreementList)
    return answer.data


def _all_agreement_ids(api_client: ApiClient, user_id: str) -> list[int]:
    page = _list_agreements(api_client, user_id, page_size=100)
    assert page.next is None, "more than 100 agreements for a test user"
    return [agreement.id for agreement in page.results]


def _create_agreement(api_client: ApiClient, user_id: str, disclaimer: int) -> DisclaimerAgreement:
    answer = call(
        api_client,
        "ai_mentor_orgs_users_disclaimer_agreements_create",
        org=ORG,
        user_id=user_id,
        disclaimer_agreement=_agreement(disclaimer),
    )
    assert answer.status_code == 201
    created = answer.data
    assert isinstance(created, DisclaimerAgreement)
    assert created.disclaimer == disclaimer
    assert created.platform_key == ORG
    assert created.user_id == user_id
    return created


def test_custom_instruction_create_retrieve_update_retrieve(api_client: ApiClient) -> None:
    user_id = "sdk-instruction-user"
    try:
        before = call(
            api_client, "ai_mentor_orgs_users_custom_instruction_retrieve", org=ORG, user_id=user_id
        )
    except ApiException as error:  # no instruction yet is a valid start
        assert error.status == 404, error
    else:
        assert isinstance(before.data, CustomInstructionResponse)

    sent = {
        "about_user": "I teach high-school physics.",
        "mentor_tone": "Patient and concise",
        "profession": "Teacher",
        "desired_mentor_traits": "patient,precise",
    }
    created = call(
        api_client,
        "ai_mentor_orgs_users_custom_instruction_create",
        org=ORG,
        user_id=user_id,
        custom_instruction_response=_instruction(**sent),
    )
    assert created.status_code == 201
    assert isinstance(created.data, CustomInstructionResponse)
    assert created.data.model_dump(exclude={"id"}) == sent

    retrieved = call(
        api_client, "ai_mentor_orgs_users_custom_instruction_retrieve", org=ORG, user_id=user_id
    )
    assert retrieved.status_code == 200
    assert retrieved.data == created.data

    changes = {"about_user": "I teach university physics.", "profession": "Lecturer"}
    updated = call(
        api_client,
        "ai_mentor_orgs_users_custom_instruction_update",
        org=ORG,
        user_id=user_id,
        custom_instruction_response=_instruction(**changes),
    )
    assert updated.status_code == 200
    assert isinstance(updated.data, CustomInstructionResponse)
    assert updated.data.id == created.data.id
    assert updated.data.model_dump(exclude={"id"}) == {**sent, **changes}

    again = call(
        api_client, "ai_mentor_orgs_users_custom_instruction_retrieve", org=ORG, user_id=user_id
    )
    assert again.status_code == 200
    assert again.data == updated.data


def test_custom_instruction_is_per_user(api_client: ApiClient) -> None:
    first, second = "sdk-instruction-first", "sdk-instruction-second"
    for user_id, profession in ((first, "Nurse"), (second, "Pilot")):
        call(
            api_client,
            "ai_mentor_orgs_users_custom_instruction_create",
            org=ORG,
            user_id=user_id,
            custom_instruction_response=_instruction(profession=profession),
        )
    for user_id, profession in ((first, "Nurse"), (second, "Pilot")):
        answer = call(
            api_client, "ai_mentor_orgs_users_custom_instruction_retrieve", org=ORG, user_id=user_id
        )
        assert answer.data.profession == profession


def test_disclaimer_agreement_create_retrieve_list_filter(api_client: ApiClient) -> None:
    user_id = "sdk-agreement-user"
    ids_before = _all_agreement_ids(api_client, user_id)
    created = _create_agreement(api_client, user_id, DISCLAIMER)
    assert created.id not in ids_before

    retrieved = call(
        api_client,
        "ai_mentor_orgs_users_disclaimer_agreements_retrieve",
        org=ORG,
        user_id=user_id,
        id=created.id,
    )
    assert retrieved.status_code == 200
    assert retrieved.data == created

    listed = _list_agreements(api_client, user_id, page_size=100)
    assert listed.count == len(listed.results) == len(ids_before) + 1
    assert [a for a in listed.results if a.id == created.id] == [created]

    other = _create_agreement(api_client, user_id, OTHER_DISCLAIMER)
    filtered = _list_agreements(api_client, user_id, disclaimer=DISCLAIMER)
    assert filtered.count == len(filtered.results) == 1
    assert filtered.results[0] == created
    assert other.id not in {a.id for a in filtered.results}
    nothing = _list_agreements(api_client, user_id, disclaimer=DISCLAIMER + 100)
    assert (nothing.count, nothing.results) == (0, [])


def test_disclaimer_agreement_pagination(api_client: ApiClient) -> None:
    user_id = "sdk-pagination-user"
    for disclaimer in (DISCLAIMER, OTHER_DISCLAIMER, OTHER_DISCLAIMER + 1):
        _create_agreement(api_client, user_id, disclaimer)
    every_id = _all_agreement_ids(api_client, user_id)
    assert len(every_id) >= 3

    first = _list_agreements(api_client, user_id, page_size=1)
    assert first.count == len(every_id)
    assert len(first.results) == 1
    assert first.previous is None
    assert first.next is not None
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(first.next).query))
    assert query == {"page": "2", "page_size": "1"}

    # Follow `next` through the SDK, page by page, to the end.
    seen = [first.results[0].id]
    page, number = first, 1
    while page.next is not None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.next).query))
        number += 1
        assert int(query["page"]) == number
        page = _list_agreements(
            api_client, user_id, page=int(query["page"]), page_size=int(query["page_size"])
        )
        assert page.count == len(every_id)
        assert len(page.results) == 1
        assert page.previous is not None
        seen.append(page.results[0].id)
    assert seen == every_id

    with pytest.raises(ApiException) as beyond:
        _list_agreements(api_client, user_id, page=number + 1, page_size=1)
    assert beyond.value.status == 404


def test_disclaimer_agreement_delete(api_client: ApiClient) -> None:
    user_id = "sdk-delete-user"
    kept = _create_agreement(api_client, user_id, OTHER_DISCLAIMER)
    doomed = _create_agreement(api_client, user_id, DISCLAIMER)

    deleted = call(
        api_client,
        "ai_mentor_orgs_users_disclaimer_agreements_destroy",
        org=ORG,
        user_id=user_id,
        id=doomed.id,
    )
    assert deleted.status_code == 204
    assert deleted.raw_data == b""

    with pytest.raises(ApiException) as gone:
        call(
            api_client,
            "ai_mentor_orgs_users_disclaimer_agreements_retrieve",
            org=ORG,
            user_id=user_id,
            id=doomed.id,
        )
    assert gone.value.status == 404

    ids = _all_agreement_ids(api_client, user_id)
    assert doomed.id not in ids
    assert kept.id in ids
    assert _list_agreements(api_client, user_id, disclaimer=DISCLAIMER).count == 0

    with pytest.raises(ApiException) as twice:
        call(
            api_client,
            "ai_mentor_orgs_users_disclaimer_agreements_destroy",
            org=ORG,
            user_id=user_id,
            id=doomed.id,
        )
    assert twice.value.status == 404


def test_sdk_datetime_query_parameters_are_accepted(api_client: ApiClient) -> None:
    """The SDK writes a `date-time` query parameter with `%Y-%m-%dT%H:%M:%S.%f%z`, that is
    `2025-01-01T00:00:00.000000+0000` (no colon in the offset), which Django's `parse_datetime`,
    and so the backend, accepts."""
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    answer = call(
        api_client,
        "ai_analytics_costs_pertenant_list",
        start_date=start,
        end_date=start + datetime.timedelta(days=30),
    )
    assert answer.status_code == 200


def test_disclaimer_agreement_created_first_is_the_newest(api_client: ApiClient) -> None:
    """A user's first request being a create, the records listed afterwards that were there
    before it (the seeded ones) must not carry later ids than the record just created."""
    user_id = "sdk-first-create-user"
    created = _create_agreement(api_client, user_id, DISCLAIMER)
    ids = _all_agreement_ids(api_client, user_id)
    assert created.id in ids
    assert created.id == max(ids), f"created {created.id}, listed afterwards {ids}"


def test_an_override_body_is_what_the_sdk_model_parses(
    api_client: ApiClient, mock_server_url: str
) -> None:
    user_id = "sdk-override-user"
    body = {
        "id": 4242,
        "about_user": "Set by an override.",
        "mentor_tone": "Calm",
        "profession": "Tester",
        "desired_mentor_traits": "calm",
    }
    installed = _control(
        mock_server_url,
        "POST",
        "/__mock__/overrides",
        {
            "operation": "ai_mentor_orgs_users_custom_instruction_retrieve",
            "match": {"path": {"user_id": user_id}},
            "status": 200,
            "body": body,
        },
    )
    try:
        answer = call(
            api_client, "ai_mentor_orgs_users_custom_instruction_retrieve", org=ORG, user_id=user_id
        )
        assert isinstance(answer.data, CustomInstructionResponse)
        assert answer.data.model_dump() == body
        headers = {name.lower(): value for name, value in (answer.headers or {}).items()}
        assert headers["x-mock-override"] == installed["id"]
    finally:
        _control(mock_server_url, "DELETE", f"/__mock__/overrides/{installed['id']}")


def _control(base: str, method: str, path: str, payload: Any = None) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        text = answer.read()
    return json.loads(text) if text else None
