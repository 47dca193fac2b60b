"""users.service.update_with_password: the hash is made before the caller is read."""

from typing import cast

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth.hashing import PasswordHasher
from inkwell.users import service
from inkwell.users.models import User
from inkwell.users.schemas import UserUpdate
from tests.factories import load_user, make_user


class _Hasher:
    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def hash(self, password: str) -> str:
        self.events.append("hash")
        return f"hashed:{password}"


async def test_the_password_is_hashed_before_the_first_statement(
    client: AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ada = await make_user(client)
    events: list[str] = []
    async with sessions() as session, session.begin():

        async def load_caller() -> User:
            events.append("load")
            return await load_user(session, ada["id"])

        user = await service.update_with_password(
            session,
            load_caller,
            data=UserUpdate(bio="new"),
            password="a-new-password",
            hasher=cast(PasswordHasher, _Hasher(events)),
        )
    assert events == ["hash", "load"]
    assert (user.hashed_password, user.bio) == ("hashed:a-new-password", "new")
