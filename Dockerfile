# Inkwell's production image.
#
#   docker build -t inkwell .
#   docker run -e DATABASE_URL=postgresql+asyncpg://USER:PASS@HOST/DB -e JWT_SECRET=... -p 8000:8000 inkwell
#
# The container runs `inkwell migrate`, then `inkwell serve` on 0.0.0.0:$PORT with $WORKERS workers
# (see scripts/docker-entrypoint.sh). Any other command runs instead: `docker run ... inkwell check`.
# Both stages use the same BASE_IMAGE: the virtualenv's python is a symlink into the base.
ARG BASE_IMAGE=python:3.12-slim

# ---- build: a virtualenv with the project and its runtime dependencies, nothing else ----
FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /build
RUN python3 -m venv /opt/venv
# Dependencies first, in their own layer, so editing the code does not reinstall them:
# the exact versions and hashes of the lock (`make lock` writes it).
COPY requirements/runtime.txt ./
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes -r runtime.txt
COPY pyproject.toml README.md ./
# Then the project itself, as a regular (non-editable) install without any extras.
COPY src ./src
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps . \
    && /opt/venv/bin/pip uninstall --yes pip setuptools

# ---- runtime ----
FROM ${BASE_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    VIRTUAL_ENV=/opt/venv \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    LOG_FORMAT=json \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=2
# An unprivileged user; the code and the venv stay owned by root, so it cannot modify them.
RUN groupadd --system --gid 10001 inkwell \
    && useradd --system --uid 10001 --gid inkwell --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin inkwell
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# `inkwell migrate` looks for migrations/ in the working directory.
COPY migrations ./migrations
COPY --chmod=755 scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# Numeric, so that runtimes enforcing "run as non-root" (Kubernetes runAsNonRoot) can check it.
USER 10001:10001
EXPOSE 8000
# Liveness only (no database): the slim base has no curl, so python's urllib asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('PORT', '8000'), timeout=4)"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["serve"]
