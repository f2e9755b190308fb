"""The routing view Connexion is given is valid OpenAPI: the mock skips Connexion's check of it."""

from __future__ import annotations

from connexion.spec import Specification

from mock_server.routing import RoutingSpecification, routing_view
from mock_server.spec import load_document
from mock_server.spec.index import OperationIndex


def test_the_routing_view_passes_connexions_own_validation() -> None:
    index = OperationIndex.from_document(load_document().document)
    view = routing_view(index, {"title": "ibl-data-manager", "version": "test"})
    validated = Specification.from_dict(view)  # raises InvalidSpecification if not
    trusted = RoutingSpecification(view)
    assert list(trusted["paths"]) == list(validated["paths"]) == list(index.by_path)
    assert sum(len(item) for item in trusted["paths"].values()) == 1176
