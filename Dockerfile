FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY cases cases
COPY workflows workflows
COPY tasks tasks
COPY web web
COPY migrations migrations
RUN pip install --no-cache-dir '.[prod]'
ENV OVERSIGHT_INSTANCE_DIR=/var/lib/oversight
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "web.wsgi:app"]
