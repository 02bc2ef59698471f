"""Imports every feature's models so that ``metadata`` knows all tables (for Alembic)."""
from .access import models as _access  # noqa: F401
from .accounts import models as _accounts  # noqa: F401
from .audit import models as _audit  # noqa: F401
from .auth import models as _auth  # noqa: F401
from .backoffice import models as _backoffice  # noqa: F401
from .db import Base
from .launch import models as _launch  # noqa: F401
from .notifications import models as _notifications  # noqa: F401
from .patient import models as _patient  # noqa: F401
from .web import models as _web  # noqa: F401
from .worklist import models as _worklist  # noqa: F401

metadata = Base.metadata
