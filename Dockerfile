# The production image: the package as `pip install .` installs it, without the development
# extras (no pytest, Playwright, moto, mypy), run as `confessions serve` by an unprivileged
# user. Build and run: docs/deployment.md, "Docker".

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY core core
COPY confessions confessions
COPY emulator emulator
COPY models models
COPY playground playground
COPY webapp_api webapp_api
RUN python -m venv /opt/confessions \
    && /opt/confessions/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/confessions/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /srv/confessions --create-home \
        --shell /usr/sbin/nologin confessions \
    && mkdir /data \
    && chown confessions:confessions /data
COPY --from=build /opt/confessions /opt/confessions
ENV PATH=/opt/confessions/bin:$PATH \
    DATA_DIR=/data \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /srv/confessions
USER confessions
VOLUME ["/data"]
EXPOSE 8000
# Healthy once the database answers at the newest schema; python's urllib, so no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
CMD ["confessions", "serve", "--host", "0.0.0.0", "--port", "8000"]
