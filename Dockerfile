# One image for every Poradnia process: the worker (default command) and the web admin (gunicorn).
#
#   docker build -t poradnia .
#   docker run --rm poradnia python worker.py            # see docker-compose.yml for the environment
#
# The only network access at build time is pip to the package index (dependencies from pyproject.toml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=poradnia.settings.prod \
    PORADNIA_DATA_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

RUN groupadd --system --gid 10001 poradnia \
    && useradd --system --uid 10001 --gid poradnia --home-dir /app --no-create-home --shell /usr/sbin/nologin poradnia

WORKDIR /app

# Dependencies first, in their own layer: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# .dockerignore leaves out tests/, devtools/ and bench/: dev and test tooling is not shipped.
COPY . .
RUN pip install --no-deps -e . \
    # Static files for whitenoise (hashed, compressed). The key and host below only satisfy the prod
    # settings at build time (they need both); no running container uses them.
    && SECRET_KEY=build-time-only-not-a-secret ALLOWED_HOSTS=build.invalid python manage.py collectstatic --noinput \
    && mkdir -p /app/var \
    && chown poradnia:poradnia /app/var

# Code and static files stay root-owned and read-only for the process.
USER poradnia:poradnia

CMD ["python", "worker.py"]
