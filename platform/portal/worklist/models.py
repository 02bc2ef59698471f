"""``worklist_views``: when each provider last looked at their worklist.

"New" letters and reports are those made available since the provider's previous sitting
(``new_since``). A sitting lasts while the provider keeps coming back within
``views.SITTING``: paging, filtering and printing then show the same new items instead of
none at all after the first page.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class WorklistView(Base):
    """One row per account: the last look and what counts as new in the current sitting."""

    __tablename__ = "worklist_views"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    looked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    new_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
