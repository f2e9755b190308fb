"""The control API, `/__mock__/*`: a contract of its own (control.yaml), served beside the API.

```
document.py    control.yaml loaded, routed (PathRouter) and validated (ContractValidator)
routes.py      ControlAPI: the ASGI app (control key, 404/405, validation, dispatch)
operations.py  one method per operationId: state, journal, overrides, settings, snapshots
snapshots.py   named snapshots, their export format, and --state FILE
```
"""

from __future__ import annotations

from mock_server.admin.routes import ControlAPI
from mock_server.admin.snapshots import STATE_FORMAT, StateFileError

__all__ = ["STATE_FORMAT", "ControlAPI", "StateFileError"]
