"""The application factory: `uvicorn --factory inkwell.main:create_app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from inkwell.auth.router import router as auth_router
from inkwell.core.config import Settings, get_settings
from inkwell.core.db import create_engine, create_sessionmaker
from inkwell.core.docs import mount_docs
from inkwell.core.errors import register_error_handlers
from inkwell.core.openapi import install_openapi
from inkwell.core.security import PasswordHasher
from inkwell.posts.router import router as posts_router
from inkwell.tags.router import router as tags_router
from inkwell.transfers.router import router as transfers_router
from inkwell.users.router import router as users_router

DESCRIPTION = """
Users, posts, tags and credit transfers over an async SQLAlchemy data layer.

Log in at `POST /auth/token` (or with the **Authorize** button) and send the token as
`Authorization: Bearer <token>`. Retry `POST`s safely with an `Idempotency-Key` header.

Errors are RFC 9457 `application/problem+json` documents.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="Inkwell",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.hasher = PasswordHasher(settings)
    register_error_handlers(app)
    for router in (auth_router, users_router, posts_router, tags_router, transfers_router):
        app.include_router(router)
    mount_docs(app)
    install_openapi(app)
    return app
