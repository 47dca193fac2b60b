"""Code of a user of the client, checked with `mypy --strict` by test_typing.py and run
against a live server there: the package's types must carry through to such code."""

from decimal import Decimal

from inkwell_client import (
    AsyncInkwell,
    Conflict,
    InkwellError,
    Page,
    PostRead,
    RateLimited,
    TransferRead,
    UserPrivate,
    ValidationFailed,
)


async def titles_by_tag(client: AsyncInkwell, tag: str) -> list[str]:
    titles: list[str] = []
    async for post in client.posts.iterate(tag=tag, page_size=10):
        titles.append(post.title)
    return titles


async def pay(client: AsyncInkwell, to: int, amount: Decimal, key: str) -> TransferRead | None:
    try:
        return await client.transfers.create(to, amount, idempotency_key=key)
    except Conflict as error:
        if error.slug == "insufficient-credits":
            return None
        raise
    except ValidationFailed as error:
        fields: list[str] = [".".join(map(str, e["loc"])) for e in error.errors]
        raise ValueError(f"bad transfer: {fields}") from error
    except RateLimited as error:
        wait: float | None = error.retry_after
        raise RuntimeError(f"wait {wait} s") from error


async def run(url: str, username: str, password: str, to: int) -> dict[str, object]:
    async with AsyncInkwell(url, max_retries=2) as client:
        await client.login(username, password)
        me: UserPrivate = await client.users.me()
        post: PostRead = await client.posts.create(
            "Typed", "Written by typed code.", published=True, tags=["typed"]
        )
        renamed = await client.posts.update(post, title="Typed, again", if_match=True)
        etag: str | None = renamed.etag
        page: Page[PostRead] = await client.posts.list(tag="typed", limit=5)
        cursor: str | None = page.next_cursor
        sent = await pay(client, to, Decimal("1.25"), key=f"typed-{me.id}")
        credits = Decimal((await client.users.me()).credits)
        try:
            await client.posts.get(2_000_000_000)
        except InkwellError as error:
            status: int | None = error.status
        return {
            "titles": await titles_by_tag(client, "typed"),
            "etag": etag,
            "cursor": cursor,
            "sent": sent.amount if sent else None,
            "credits": credits,
            "status": status,
        }
