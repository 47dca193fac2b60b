"""Login throttling per account and per client address, counted in the database.

After `LOGIN_MAX_FAILURES_PER_ACCOUNT` failed logins for one username/e-mail, or
`LOGIN_MAX_FAILURES_PER_ADDRESS` from one client address, within
`LOGIN_WINDOW_SECONDS`, further attempts get 429 with `Retry-After` until the
oldest failure leaves the window. A successful login clears the account's count.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.auth.models import LoginFailure
from inkwell.core.config import Settings
from inkwell.core.db import utcnow
from inkwell.core.errors import TooManyRequests


class TooManyLogins(TooManyRequests):
    slug = "too-many-logins"


@dataclass(frozen=True)
class Keys:
    account: str
    address: str

    @classmethod
    def of(cls, login: str, address: str | None) -> "Keys":
        return cls(f"account:{login.strip().lower()}"[:320], f"address:{address or 'unknown'}")


async def check(session: AsyncSession, keys: Keys, settings: Settings) -> None:
    """Refuse the attempt (429) while either key has too many recent failures."""
    window = timedelta(seconds=settings.login_window_seconds)
    now = utcnow()
    rows = await session.execute(
        select(LoginFailure.key, func.count(), func.min(LoginFailure.created_at))
        .where(
            LoginFailure.key.in_((keys.account, keys.address)),
            LoginFailure.created_at > now - window,
        )
        .group_by(LoginFailure.key)
    )
    limits = {
        keys.account: settings.login_max_failures_per_account,
        keys.address: settings.login_max_failures_per_address,
    }
    for key, count, oldest in rows:
        if count >= limits[key]:
            retry_after = max(1, math.ceil((oldest + window - now).total_seconds()))
            raise TooManyLogins(
                "Too many failed logins; try again later.",
                headers={"Retry-After": str(retry_after)},
            )


async def record_failure(session: AsyncSession, keys: Keys) -> None:
    session.add_all([LoginFailure(key=keys.account), LoginFailure(key=keys.address)])
    await session.flush()


async def clear_account(session: AsyncSession, keys: Keys) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.key == keys.account))


async def purge_expired(session: AsyncSession, settings: Settings) -> int:
    """Failures older than the window no longer count; drop them. Returns how many."""
    cutoff = utcnow() - timedelta(seconds=settings.login_window_seconds)
    result = await session.execute(delete(LoginFailure).where(LoginFailure.created_at <= cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]
