# syntax=docker/dockerfile:1
# feedbot as a container: `feedbot run` (scheduler, Telegram delivery, feed server with /healthz
# and /metrics) as the unprivileged user feedbot. Build and run: docs/deployment.md.
#   docker build -t feedbot .
#   docker run -d -e FEEDBOT_TELEGRAM_TOKEN -v feedbot-data:/var/lib/feedbot \
#              -v feedbot-feeds:/srv/feeds feedbot

# ---- build: the package and its dependencies in a virtual environment ------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY feeds/ feeds/
# The postgres extra (psycopg) comes with the PostgreSQL work; SQLite needs nothing more.
RUN python -m venv /opt/feedbot \
 && /opt/feedbot/bin/pip install '.[postgres]'

# ---- run: the environment alone, no compilers, no sources ------------------------------
FROM python:3.11-slim
# libpq for psycopg when it is installed without its bundled binary.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 feedbot \
 && useradd --system --uid 10001 --gid feedbot --home-dir /var/lib/feedbot \
            --shell /usr/sbin/nologin feedbot
COPY --from=build /opt/feedbot /opt/feedbot
COPY deploy/config.docker.toml /etc/feedbot/config.toml
# Created here, owned by feedbot, so new named volumes start with the right owner.
RUN mkdir -p /var/lib/feedbot /srv/feeds /app \
 && chown feedbot:feedbot /var/lib/feedbot /srv/feeds
ENV PATH=/opt/feedbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    FEEDBOT_LISTEN=0.0.0.0:8080
# Nothing is written here: the database and the feeds live in the volumes.
WORKDIR /app
USER feedbot
VOLUME ["/var/lib/feedbot", "/srv/feeds"]
# The built-in feed server with /healthz and /metrics: for the compose network or a proxy.
EXPOSE 8080
# ok and degraded (Telegram unreachable, feeds still served) are healthy; the first pass and
# a migration may take a while, hence the start period.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \
    CMD ["feedbot", "healthcheck", "--config", "/etc/feedbot/config.toml", "--timeout", "8"]
# SIGTERM stops it within a few seconds; queued posts stay queued (docker stop waits 10 s).
STOPSIGNAL SIGTERM
# --upgrade (apply pending schema migrations at start) comes with the migrations work.
CMD ["feedbot", "run", "--config", "/etc/feedbot/config.toml", "--upgrade"]
