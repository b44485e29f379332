# The huunghi CLI as an image: `docker run IMAGE crawl`, `... daemon`, `... worker`, `... serve`.
# Configuration is mounted at /etc/huunghi/huunghi.toml; the archive comes from
# HUUNGHI_DATABASE_URL (PostgreSQL: compose.yaml). Runs as the unprivileged user huunghi.
#   docker build -t huunghi .
#   docker run --rm huunghi demo          # the replicas demo, into /var/lib/huunghi/huunghi-demo
ARG PYTHON_IMAGE=python:3.12-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# the user the processes run as; its home is where relative paths (the demo, an outbox) land
RUN useradd --uid 10001 --user-group --home-dir /var/lib/huunghi --create-home huunghi \
    && mkdir -p /etc/huunghi

# every dependency ships a manylinux wheel (lxml, psycopg[binary], numpy): no compiler needed
COPY pyproject.toml README.md /src/
COPY huunghi /src/huunghi
RUN python -m venv /opt/huunghi \
    && /opt/huunghi/bin/pip install /src \
    && rm -rf /src

ENV PATH=/opt/huunghi/bin:$PATH \
    HUUNGHI_CONFIG=/etc/huunghi/huunghi.toml

USER huunghi
WORKDIR /var/lib/huunghi
ENTRYPOINT ["huunghi"]
CMD ["--help"]
