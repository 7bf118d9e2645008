# The validation service (kad-spec serve) in a container: docs/tjeneste.md, «Docker».
#
#   docker build -t kad-spec .
#   docker run --rm -p 8080:8080 kad-spec
#
# Listens on all addresses inside the container (port 8080); runs as a user without rights.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENBLAS_NUM_THREADS=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY kad_spec kad_spec
COPY model model
COPY codelists codelists
COPY generated generated
COPY examples examples
COPY docs docs
RUN pip install . \
    && rm -rf /src \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /home/kad kad

USER kad
WORKDIR /home/kad
# Compile the model and the code lists into the user's cache once, at build time, not on the first request.
RUN kad-spec validate /usr/local/lib/python3.11/site-packages/kad_spec/_data/examples/kad-melding.json

EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/api/v1/helse', timeout=4).status != 200)"]
ENTRYPOINT ["kad-spec", "serve", "--host", "0.0.0.0"]
CMD ["--port", "8080"]
