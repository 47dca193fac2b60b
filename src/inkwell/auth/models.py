"""The `throttle_hits` table: what the login and registration throttles count.

Counting here (not in process memory) makes a throttle hold across worker
processes and replicas. A hit counts against its key until `counts_until`; a
pending hit is a login attempt whose password is still being verified.
"""

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.core.db import Base, UTCDateTime


class ThrottleHit(Base):
    __tablename__ = "throttle_hits"
    __table_args__ = (Index("ix_throttle_hits_key_counts_until", "key", "counts_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "login-account:<login, lower-cased>", "login-address:<client>", "register-address:<client>"
    # (a client: an IPv4 address or an IPv6 network, throttle.client_key), "comment-account:<id>",
    # "email-change-account:<id>"
    key: Mapped[str] = mapped_column(String(320))
    pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    counts_until: Mapped[datetime] = mapped_column(UTCDateTime)
