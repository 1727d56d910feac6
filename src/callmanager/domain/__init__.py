"""The Call Manager resources around the log; importing this package registers every model."""

from callmanager.auth import models as _auth  # noqa: F401
from callmanager.domain.callflows import models as _callflows  # noqa: F401
from callmanager.domain.calllogs import models as _calllogs  # noqa: F401
from callmanager.domain.groups import models as _groups  # noqa: F401
from callmanager.domain.portal_users import models as _portal_users  # noqa: F401
from callmanager.domain.setup import models as _setup  # noqa: F401
from callmanager.domain.tenants import models as _tenants  # noqa: F401
from callmanager.partner import models as _partner  # noqa: F401
from callmanager.streams import models as _streams  # noqa: F401
from callmanager.tasks import models as _tasks  # noqa: F401
