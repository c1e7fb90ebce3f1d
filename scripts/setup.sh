# Shared by scripts/build and scripts/test: makes .venv with Briefing installed.
# Sourced, not run. Installs only what is missing; says what it does.

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    say "need root to install Debian packages: $*"; exit 1
  fi
}

apt_install() {
  # apt_install PACKAGE... : install Debian packages that are not installed yet.
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root "${missing[*]}"
  say "installing Debian packages: ${missing[*]}"
  if [ -z "${BRIEFING_APT_UPDATED:-}" ]; then
    apt-get update -qq
    export BRIEFING_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_python() {
  PYTHON=${PYTHON:-python3}
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "Briefing needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)"; exit 1
  fi
}

ensure_venv() {
  # ensure_venv [EXTRA] : .venv with Briefing installed in editable mode (plus [EXTRA]).
  local extra=${1:-}
  ensure_python
  if [ ! -x .venv/bin/python ]; then
    say "creating the virtualenv .venv"
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      apt_install python3-venv
      "$PYTHON" -m venv .venv
    fi
  fi
  local spec="." stamp=".venv/.briefing-installed"
  [ -n "$extra" ] && spec=".[$extra]"
  local want
  want="$spec $(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ] || ! grep -qxF "$want" "$stamp"; then
    say "installing Briefing and its dependencies into .venv ($spec)"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e "$spec"
    echo "$want" > "$stamp"
  fi
  # Bytecode for the editable install, as pip writes it for installed packages: where
  # PYTHONDONTWRITEBYTECODE is set, every build would compile Briefing again (0.1 s).
  .venv/bin/python -m compileall -q plugins/briefing >/dev/null
}

ensure_zensical_venv() {
  # .venv-zensical: Zensical 0.0.73 with Briefing (editable), for the tests that build
  # `briefing export` with Zensical (tests/test_hosts.py). Pinned: every release from
  # 0.0.74 on requires zensical-ui, which the package registry here does not serve
  # (`pip download zensical-ui`: "no matching distribution", checked 2026-11-29);
  # 0.0.73 needs only packages the registry has.
  ensure_python
  local want stamp=".venv-zensical/.briefing-installed"
  want="zensical==0.0.73 $(sha256sum pyproject.toml | cut -c1-16)"
  if [ -f "$stamp" ] && grep -qxF "$want" "$stamp"; then return 0; fi
  say "creating .venv-zensical (Zensical 0.0.73 and Briefing)"
  [ -x .venv-zensical/bin/python ] || "$PYTHON" -m venv .venv-zensical
  .venv-zensical/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv-zensical/bin/python -m pip install -q "zensical==0.0.73" -e .
  echo "$want" > "$stamp"
}

ensure_pdf_deps() {
  # Typst lays out the PDF book (its compiler comes in the typst wheel from PyPI); the
  # book's fonts are Noto CJK (Chinese glyphs, embedded in the PDF), Noto Color Emoji
  # (emoji, in colour) and DejaVu, which fc-match finds and Typst reads from their folders.
  apt_install fontconfig fonts-noto-cjk fonts-noto-color-emoji fonts-dejavu-core
}

ensure_bench_deps() {
  # benchmarks/pdf_book.py compares the book with plain WeasyPrint (in the [test]
  # extra), which needs Pango; HarfBuzz's subsetter keeps its font embedding fast.
  apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
}

ensure_browser_deps() {
  # The browser tests: Debian's Chromium (never a downloaded browser build), driven by
  # the playwright package; axe-core from the npm registry, run inside the pages.
  apt_install chromium
  if ! command -v npm >/dev/null 2>&1; then apt_install nodejs npm; fi
  if [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ]; then
    say "installing axe-core from the npm registry into .cache/npm"
    npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4 >/dev/null
  fi
}

export NO_MKDOCS_2_WARNING=1
