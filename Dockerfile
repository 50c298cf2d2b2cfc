FROM python:3.11-slim
WORKDIR /app
# pg_dump/pg_restore for `oversight backup`/`restore` (Debian 12: PostgreSQL 15, as the server);
# Pango, HarfBuzz's subsetter and Noto Serif CJK for the official documents (docs/documents.md)
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY cases cases
COPY workflows workflows
COPY tasks tasks
COPY web web
COPY migrations migrations
RUN pip install --no-cache-dir Babel && pybabel compile -f -d web/translations \
    && pip install --no-cache-dir '.[prod]'
ENV OVERSIGHT_INSTANCE_DIR=/var/lib/oversight
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "web.wsgi:app"]
