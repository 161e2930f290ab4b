#!/usr/bin/env bash
# Installs the system packages publisher needs and a fresh machine lacks:
#   fonts-noto-cjk       Chinese glyphs for charts, pages and PDFs
#   libharfbuzz-subset0  fast font subsetting in WeasyPrint (PDF in ~0.4 s instead of ~7 s)
#   libpango-1.0-0       WeasyPrint's text layout
#   chromium             the headless browser the page tests look through (driven by Playwright)
#   poppler-utils        pdftoppm, to turn PDFs into PNGs for looking at them
# Installs with apt-get when run as root (or with sudo); otherwise says what is missing.
set -u
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 chromium poppler-utils; do
  have_pkg "$pkg" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: no apt-get here; install by hand: ${need[*]}" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system-deps: not root and no sudo; install by hand: ${need[*]}" >&2; exit 0; fi
fi
echo "system-deps: installing ${need[*]} (apt-get)" >&2
$SUDO apt-get update -qq >/dev/null 2>&1 || echo "system-deps: apt-get update failed" >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || echo "system-deps: apt-get install failed for: ${need[*]}; charts and PDFs may lack Chinese glyphs" >&2
exit 0
