#!/usr/bin/env bash
# Install the system tools the grader and its tests use, when we are root on Debian/Ubuntu and
# they are missing.
#
#   scripts/install-sandbox.sh                  everything below; never fatal (make setup)
#   scripts/install-sandbox.sh --require LEVEL  only what sandbox LEVEL (L0, L1, L2, L2+L1) needs,
#                                               then exit 1 with one line unless LEVEL can run here
#                                               (deadline grading: never silently below it)
#
#   bubblewrap               sandbox level L2 (without it: L0/L1, and the grader says so)
#   util-linux (setpriv)     L2+L1: the worker's own uid inside bubblewrap
#   sudo                     the tests' runner simulation (an unprivileged user with sudo, as on GitHub)
#   chromium-headless-shell  a real browser for the feedback-page safety tests
#                            (falls back to the full 'chromium' package; without either
#                            those tests are skipped with a reason)
set -u
require=""
if [ "${1:-}" = "--require" ]; then
  require="${2:?usage: install-sandbox.sh [--require L0|L1|L2|L2+L1]}"
  case "$require" in L0|L1|L2|L2+L1) ;; *) echo "install-sandbox.sh: unknown sandbox level '$require'" >&2; exit 2 ;; esac
fi

need=()
case "$require" in
  "")
    command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
    command -v sudo >/dev/null 2>&1 || need+=(sudo)
    command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1 \
      || need+=(chromium-headless-shell) ;;
  L2|L2+L1)
    command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap) ;;
esac
[ "$require" = "L2+L1" ] && { command -v setpriv >/dev/null 2>&1 || need+=(util-linux); }

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: not installed: ${need[*]} (needs root and apt-get); the grader uses a weaker sandbox level" \
         "without bubblewrap, and the browser tests of feedback pages are skipped without chromium" >&2
  else
    export DEBIAN_FRONTEND=noninteractive
    if [ -n "$require" ]; then   # a required level: show apt's own errors, do not swallow them
      apt-get update -qq || echo "install-sandbox.sh: apt-get update failed" >&2
      apt-get install -y -qq --no-install-recommends "${need[@]}" || true
    else
      apt-get update -qq >/dev/null 2>&1 || echo "note: apt-get update failed; trying to install anyway" >&2
      install() { apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; }
      for pkg in "${need[@]}"; do
        case "$pkg" in
          chromium-headless-shell)
            install chromium-headless-shell || install chromium \
              || echo "note: could not install chromium; the browser tests of feedback pages will be skipped" >&2 ;;
          *) install "$pkg" || echo "note: could not install $pkg" >&2 ;;
        esac
      done
    fi
  fi
fi

[ -z "$require" ] && exit 0
# The level must really be usable: root for a uid of its own, the tools on PATH.
missing=""
case "$require" in *L1*) [ "$(id -u)" = 0 ] || missing="root (run this script and the grader with sudo)" ;; esac
case "$require" in L2*) command -v bwrap >/dev/null 2>&1 || missing="${missing:+$missing, }bubblewrap (bwrap)" ;; esac
[ "$require" = "L2+L1" ] && { command -v setpriv >/dev/null 2>&1 || missing="${missing:+$missing, }setpriv"; }
if [ -n "$missing" ]; then
  echo "install-sandbox.sh: sandbox level $require is required but this machine lacks: $missing;" \
       "refusing to grade below it" >&2
  exit 1
fi
echo "sandbox level $require: tools present"
