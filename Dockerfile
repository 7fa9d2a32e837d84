FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md alembic.ini babel.cfg ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
# Editable install: the code, its locales/ and the Alembic migrations stay together in /app.
RUN pip install --upgrade pip \
    && pip install -e . \
    && pybabel compile -d locales -D messages

RUN useradd --create-home --uid 1000 roadmap && mkdir -p /app/data && chown roadmap /app/data
USER roadmap

# The bot migrates the database itself at start; `roadmap-bot migrate` does it alone.
CMD ["roadmap-bot", "run"]
