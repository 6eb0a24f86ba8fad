# One image per service, all from this Dockerfile and the repository root (the shared
# build context), the service named by a build argument:
#   docker build --build-arg SERVICE=intake -t municipal/intake .
# (SERVICE: intake, business_desk, notify or vouchers.) Small (slim base, dependencies only
# from pyproject.toml, no build tools in the final stage), non-root, pinned base. The same
# image runs the web process (the default command) and every other process of its service,
# `python -m kernel.platform.run <service> relay|consumer|rebuild|<job>` (see deploy/k8s).
FROM python:3.11.11-slim-bookworm AS build
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<service>" >&2; exit 1; }
WORKDIR /app
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && python -m venv /venv \
 && /venv/bin/pip install --no-cache-dir -r requirements.txt
COPY libs/kernel libs/kernel
COPY libs/catalogue libs/catalogue
COPY services/${SERVICE}/${SERVICE} services/${SERVICE}/${SERVICE}
COPY config config
COPY contracts contracts
# Bytecode, and the service's gettext catalogues (.mo, from services/<service>/<service>/
# translations/, which every service has: the pages' words, notify's emails'): nothing is
# written at run time.
RUN PYTHONPATH=/app/libs:/app/services/${SERVICE} /venv/bin/python -m compileall -q libs services \
 && PYTHONPATH=/app/libs /venv/bin/python -c "import pathlib, sys; from kernel.web.i18n import Catalogues; Catalogues(pathlib.Path(sys.argv[1])).compile()" services/${SERVICE}/${SERVICE}/translations

FROM python:3.11.11-slim-bookworm
ARG SERVICE
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /venv /venv
COPY --from=build /app /app
ENV SERVICE=${SERVICE} \
    PATH=/venv/bin:$PATH \
    PYTHONPATH=/app/libs:/app/services/${SERVICE} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LOG_FORMAT=json
WORKDIR /app
USER 10001
EXPOSE 8000 9100
# the shell only names the service: exec leaves gunicorn as PID 1, to receive the signals
CMD ["/bin/sh", "-c", "exec gunicorn -c python:kernel.platform.gunicorn_conf --bind 0.0.0.0:8000 --name \"$SERVICE\" \"$SERVICE:create_app()\""]
