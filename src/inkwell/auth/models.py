"""The `login_failures` table: failed logins counted in the database.

Counting here (not in process memory) makes the throttle hold across worker
processes and replicas.
"""

from datetime import datetime

from sqlalchemy import Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.core.db import Base, UTCDateTime, utcnow


class LoginFailure(Base):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_created_at", "key", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "account:<login, lower-cased>" or "address:<client IP>"
    key: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
