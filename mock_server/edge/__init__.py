"""The edge: ASGI guards every request passes before the Connexion stack sees it.

```
HostGuard     (hosts.py)    Host names that point at the mock, else Django's 400 (DNS rebinding)
ControlGuard  (control.py)  /__mock__/: no foreign origins, no simple-request writes, own CORS
BodyGuard     (body.py)     --max-body (413 before reading), the body's read deadline (408)
```

They speak plain ASGI and refuse with DRF-shaped JSON, recorded in the journal; the operations
never see a refused request, so response validation never judges these answers.
"""

from __future__ import annotations

from mock_server.edge.asgi import ASGIApp, Recorder, Refusals
from mock_server.edge.body import BodyGuard
from mock_server.edge.control import ControlGuard
from mock_server.edge.hosts import HostGuard, HostPolicy, exposure_warning
from mock_server.settings import Settings

__all__ = ["HostPolicy", "exposure_warning", "guarded"]


def guarded(app: ASGIApp, settings: Settings, journal: Recorder) -> ASGIApp:
    """`app` behind the edge guards, outermost first: host, control endpoints, body."""
    refusals = Refusals(journal)
    app = BodyGuard(app, settings.max_body, refusals)
    app = ControlGuard(app, settings.control_origins, refusals)
    return HostGuard(app, HostPolicy(settings.host, settings.allowed_hosts), refusals)
