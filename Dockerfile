# The bot, installed as a wheel from the lock file (hashes checked), running as its own user.
# Build stage: compile the catalogues and build the wheel (it carries bot/, handlers/,
# storage/ with its migrations, and locales/ with the compiled catalogues).
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements/lock.txt requirements/lock.txt
RUN pip install --require-hashes -r requirements/lock.txt
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
RUN pybabel compile -d locales -D messages \
    && pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

# Run stage: the locked dependencies, then the wheel alone (no resolution, no source tree).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY requirements/lock.txt /tmp/lock.txt
RUN pip install --require-hashes -r /tmp/lock.txt && rm /tmp/lock.txt
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-deps /tmp/wheels/*.whl && rm -rf /tmp/wheels

# The bot's own user owns its data: the SQLite default and the report files (FILES_DIR).
# A named volume mounted on /app/data/files starts with this ownership.
RUN useradd --create-home --uid 1000 roadmap \
    && mkdir -p /app/data/files \
    && chown -R roadmap:roadmap /app/data
WORKDIR /app
USER roadmap

# The bot migrates the database itself at start; `roadmap-bot migrate` does it alone.
CMD ["roadmap-bot", "run"]
