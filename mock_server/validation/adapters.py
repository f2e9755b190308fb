"""openapi-core's request/response protocols over the mock's own message types."""

from __future__ import annotations

from http.cookies import SimpleCookie

from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from mock_server.messages import MockRequest, MockResponse


class OpenAPIRequest:
    def __init__(self, request: MockRequest) -> None:
        self._request = request
        cookies = SimpleCookie(request.headers.get("cookie", ""))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.query)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict({k: v.value for k, v in cookies.items()}),
            path=dict(request.path_params),
        )

    @property
    def host_url(self) -> str:
        return self._request.host_url

    @property
    def path(self) -> str:
        return self._request.path

    @property
    def method(self) -> str:
        return self._request.method

    @property
    def body(self) -> bytes | None:
        return self._request.body or None

    @property
    def content_type(self) -> str:
        return self._request.content_type.lower()


class OpenAPIResponse:
    def __init__(self, response: MockResponse) -> None:
        self._response = response

    @property
    def data(self) -> bytes | None:
        return self._response.body or None

    @property
    def status_code(self) -> int:
        return self._response.status

    @property
    def content_type(self) -> str:
        return self._response.media_type or ""

    @property
    def headers(self) -> Headers:
        return Headers(self._response.headers)
