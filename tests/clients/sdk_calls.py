"""The published Python SDK (`iblai`) as a catalogue of operations, and typed calls through it.

The SDK's generated methods return the raw urllib3 response. What each method would deserialize a
status into (its `_response_types_map`), which HTTP method and path it calls, and which of its
arguments carries which path or query parameter are read from the SDK's own source, so that the
tests use the SDK's declarations rather than a copy of them.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pathlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import iblai.api
from iblai.api_client import ApiClient
from iblai.api_response import ApiResponse
from iblai.configuration import Configuration
from iblai.rest import RESTResponse
from mock_process import API_KEY

SECURITY_SCHEME = "PlatformApiKeyAuthentication"


def make_api_client(base_url: str) -> ApiClient:
    """An SDK client for the mock, sending `Authorization: Api-Key <key>` as the document says.

    (The SDK's own `get_platform_api_client` helper would send the prefix `Api-Token` instead.)
    """
    configuration = Configuration(
        host=base_url,
        api_key={SECURITY_SCHEME: API_KEY},
        api_key_prefix={SECURITY_SCHEME: "Api-Key"},
    )
    return ApiClient(configuration)


@dataclass(frozen=True)
class SdkOperation:
    """One public method of one of the SDK's API classes."""

    module: str
    class_name: str
    method_name: str
    http_method: str
    path: str
    response_types: Mapping[str, str | None]
    path_arguments: Mapping[str, str] = field(default_factory=dict)  # wire name -> argument
    query_arguments: Mapping[str, str] = field(default_factory=dict)  # wire name -> argument

    @property
    def key(self) -> tuple[str, str]:
        return (self.http_method, self.path)

    def api(self, api_client: ApiClient) -> Any:
        module = importlib.import_module(f"iblai.api.{self.module}")
        return getattr(module, self.class_name)(api_client)

    def required_arguments(self) -> list[str]:
        """The method's arguments without a default, as its signature says."""
        module = importlib.import_module(f"iblai.api.{self.module}")
        method = getattr(getattr(module, self.class_name), self.method_name)
        signature = inspect.signature(inspect.unwrap(method))
        return [
            name
            for name, parameter in signature.parameters.items()
            if name != "self" and parameter.default is inspect.Parameter.empty
        ]


def _keyword(node: ast.AST, name: str) -> Any:
    for child in ast.walk(node):
        if isinstance(child, ast.keyword) and child.arg == name:
            return ast.literal_eval(child.value)
    raise LookupError(name)


def _response_types(method: ast.FunctionDef) -> dict[str, str | None]:
    for child in ast.walk(method):
        if isinstance(child, ast.AnnAssign | ast.Assign):
            targets = [child.target] if isinstance(child, ast.AnnAssign) else child.targets
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if "_response_types_map" in names and child.value is not None:
                return dict(ast.literal_eval(child.value))
    raise LookupError(f"{method.name} has no _response_types_map")


def _not_none_test(node: ast.If) -> str | None:
    """`argument` for an `if argument is not None:` statement."""
    test = node.test
    if (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.IsNot)
    ):
        return test.left.id
    return None


def _parameter_arguments(serialize: ast.FunctionDef) -> tuple[dict[str, str], dict[str, str]]:
    """Wire name -> argument name, for the path and for the query parameters."""
    path: dict[str, str] = {}
    query: dict[str, str] = {}
    for node in ast.walk(serialize):
        if not isinstance(node, ast.If) or (argument := _not_none_test(node)) is None:
            continue
        for child in (grandchild for statement in node.body for grandchild in ast.walk(statement)):
            if (
                isinstance(child, ast.Subscript)
                and isinstance(child.value, ast.Name)
                and child.value.id == "_path_params"
                and isinstance(child.slice, ast.Constant)
            ):
                path[str(child.slice.value)] = argument
                break
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr == "append"
                and isinstance(child.func.value, ast.Name)
                and child.func.value.id == "_query_params"
                and child.args
                and isinstance(child.args[0], ast.Tuple)
                and isinstance(child.args[0].elts[0], ast.Constant)
            ):
                query[str(child.args[0].elts[0].value)] = argument
                break
    return path, query


@functools.cache
def sdk_operations() -> tuple[SdkOperation, ...]:
    """Every public operation method of every API class of the installed SDK."""
    operations: list[SdkOperation] = []
    for source in sorted(pathlib.Path(iblai.api.__file__).parent.glob("*_api.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
            methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}
            for name, method in methods.items():
                serialize = methods.get(f"_{name}_serialize")
                if name.startswith("_") or serialize is None:
                    continue
                path_arguments, query_arguments = _parameter_arguments(serialize)
                operations.append(
                    SdkOperation(
                        module=source.stem,
                        class_name=cls.name,
                        method_name=name,
                        http_method=str(_keyword(serialize, "method")).upper(),
                        path=str(_keyword(serialize, "resource_path")),
                        response_types=_response_types(method),
                        path_arguments=path_arguments,
                        query_arguments=query_arguments,
                    )
                )
    return tuple(operations)


@functools.cache
def _by_method_name() -> dict[str, SdkOperation]:
    return {operation.method_name: operation for operation in sdk_operations()}


def sdk_operation(method_name: str) -> SdkOperation:
    return _by_method_name()[method_name]


def deserialize(
    api_client: ApiClient, raw: Any, response_types: Mapping[str, str | None]
) -> ApiResponse[Any]:
    """What the SDK makes of a raw response: its model, or `ApiException` for a non-2xx."""
    response = RESTResponse(raw)
    response.read()
    return api_client.response_deserialize(response, dict(response_types))


def call(api_client: ApiClient, method_name: str, /, **arguments: Any) -> ApiResponse[Any]:
    """Call an SDK method and deserialize its answer with the method's own response types."""
    operation = sdk_operation(method_name)
    raw = getattr(operation.api(api_client), method_name)(**arguments)
    return deserialize(api_client, raw, operation.response_types)
