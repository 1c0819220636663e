# The same two steps as everywhere else: `make .venv/.installed` (what `make run`, `make test`
# and .ci/run install with) and `make run` (the README's run command).
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/confessions
COPY pyproject.toml Makefile README.md ./
COPY bot bot
COPY core core
COPY confessions confessions
COPY emulator emulator
COPY models models
COPY playground playground
COPY webapp_api webapp_api
RUN make .venv/.installed

ENV HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000
CMD ["make", "run"]
