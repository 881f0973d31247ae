# triage: one image for the API (`triage serve`) and workers (`triage worker`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TRIAGE_ENV=prod TRIAGE_RUN_WORKER_IN_PROCESS=false

RUN useradd --create-home --uid 10001 triage
WORKDIR /app

COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY triage ./triage
COPY migrations ./migrations
COPY labels ./labels
COPY evals ./evals
RUN pip install --no-cache-dir -c constraints.txt -e . && chown -R triage:triage /app

USER triage
EXPOSE 8000
# Run migrations once per deploy (`docker run IMAGE triage migrate`), then serve or work:
#   docker run IMAGE                      -> API on :8000
#   docker run IMAGE triage worker        -> a job worker
CMD ["triage", "serve", "--host", "0.0.0.0", "--port", "8000"]
