# The production image: one build for web, worker and beat.
FROM python:3.11-slim-bookworm

# numba keeps the CCLF parser's compiled kernel (cclf/kernel.py) in NUMBA_CACHE_DIR: the
# source tree is not the app user's to write.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 PATH="/opt/venv/bin:$PATH" \
    NUMBA_CACHE_DIR=/app/var/numba
WORKDIR /app

RUN pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
RUN DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=collectstatic-only ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 app && mkdir -p /app/var && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"]
