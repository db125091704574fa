# BankChurn inference API: `bankchurn serve` in a container.
#
#   docker build -t bankchurn-api .
#   docker run --rm -p 127.0.0.1:8080:8080 -v "$PWD/models:/app/models:ro" bankchurn-api
#
# The model artifact is NOT baked into the image: train it first (`make reports` writes
# models/target.joblib) and mount it read-only; BANKCHURN_API_MODEL_PATH points elsewhere.
# Without a usable artifact the container exits at once with one line and code 2.
# Not built in CI (no Docker engine on the CI machine): build it where Docker is available.

# Exact tag; pin the digest too (`docker buildx imagetools inspect python:3.11.14-slim-bookworm`)
# on a machine that can reach the registry.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OMP_NUM_THREADS=1 \
    BANKCHURN_API_MODEL_PATH=/app/models/target.joblib \
    BANKCHURN_API_PORT=8080

WORKDIR /app

# Runtime dependencies only, at exactly the versions of requirements.lock (used as a
# constraints file: the lock also pins the dev/docs tools, which the image does not need).
COPY requirements.lock pyproject.toml README.md params.yaml ./
COPY src ./src
RUN pip install --constraint requirements.lock . \
    && useradd --system --uid 10001 --no-create-home --home-dir /app bankchurn \
    && mkdir -p /app/models \
    && chown -R root:root /app

USER bankchurn
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=2).status != 200)"]

CMD ["bankchurn", "serve", "--host", "0.0.0.0"]
