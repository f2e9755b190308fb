"""One world behind every answer: who exists, and how a value is made to agree with them.

`Directory` knows the tenants and people (the world file's, and those first named in a path);
`Coherer` rewrites a synthesized value so that it names them, runs forwards in time and counts
what it lists. The synthesizer calls it on every value it makes for an answer.
"""

from __future__ import annotations

from mock_server.coherence.coherer import Coherer
from mock_server.coherence.directory import Directory, Identity, Person, TenantIdentity
from mock_server.coherence.timeline import DEFAULT_ANCHOR, Timeline, parse_anchor

__all__ = [
    "DEFAULT_ANCHOR",
    "Coherer",
    "Directory",
    "Identity",
    "Person",
    "TenantIdentity",
    "Timeline",
    "parse_anchor",
]
