"""Infer, from the OpenAPI document alone, which operations share which kind of record.

The stateful handlers key their stores by `(resource, scope values)`. This package gives every
operation a role: its kind (collection, item, singleton, action, view), its verb, the resource type
it reads or writes, the canonical scope above it, and how an item names its record. Nothing is
listed per path; a few word tables (verbs, scope aliases, serializer suffixes) are the only lists.

In brief (the details sit with the code that applies them):

- Answers (`schemas`): a DRF page (`count` + `results` + page links) or a bare array is a list of
  the items' schema; a `$ref` to an object is one record. Record names are normalised
  (`PatchedMentorCreate`, `PaginatedMentorList` -> `Mentor`); without a schema the path's noun
  names the record (`disclaimer-agreements` -> `DisclaimerAgreement`).
- Paths (`classify`): a list with a create, a query-picked write or an item template under it is a
  collection; a parameter under a collection (or under an item) is an item; GET plus a write of
  the same record on one path is a singleton per scope (also under a trailing scope parameter such
  as `/users/{username}/`); read-only lists are collections when their type is stored elsewhere or
  their items carry an id, views when they aggregate over a period.
- Operations (`infer`): collection GET/POST -> LIST/CREATE, item GET/PUT/PATCH/DELETE ->
  RETRIEVE/REPLACE/UPDATE/DESTROY, singleton likewise with POST -> CREATE; writes under verb-like
  segments (`add-mentor`, `reset`) or under an item are actions, reads otherwise unclassified are
  views. Actions and views under an item, collection or singleton carry it as their target.
- Scopes (`paths`): `org`/`platform_key`/`platform`/`platform_org` -> tenant,
  `user_id`/`username`/`user` -> user, `mentor`/`mentor_id`/`mentor_unique_id` -> mentor.
- Ids (`schemas.choose_id_field`): the record field the item's parameter names, else `id`.
"""

from __future__ import annotations

from mock_server.model.infer import infer_resources
from mock_server.model.roles import OperationRole, ResourceKind, ResourceModel, Verb, describe

__all__ = ["OperationRole", "ResourceKind", "ResourceModel", "Verb", "describe", "infer_resources"]
