#!/usr/bin/env bash
# Opens the HTML report of a small battery study in headless Chromium: the screenshot must not be blank (much
# larger than a blank page's, which compresses to almost nothing) and the console must stay silent (the report has
# no scripts, so any console line is an error).
# Usage: report_screenshot.sh IRTCAT CHROMIUM WORK_DIR
set -euo pipefail
irtcat=$1
chromium=$2
work=$3
rm -rf "$work" && mkdir -p "$work"

"$irtcat" simulate --candidates 60 --length 10 --threads 2 --seed 3 --out-dir "$work/study" > "$work/summary.csv"
test -s "$work/study/report.html"
echo '<!DOCTYPE html><html><body></body></html>' > "$work/blank.html"

shoot() {  # page, png, log
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$work/profile-$2" \
    --window-size=1200,2400 --enable-logging=stderr --v=0 --screenshot="$work/$2" "file://$1" 2> "$work/$3" || true
}
shoot "$work/study/report.html" report.png report.log
shoot "$work/blank.html" blank.png blank.log

report_size=$(stat -c %s "$work/report.png")
blank_size=$(stat -c %s "$work/blank.png")
echo "screenshot: report $report_size bytes, blank page $blank_size bytes"
if [ "$report_size" -le $((3 * blank_size)) ]; then
  echo "the report's screenshot looks blank" >&2
  exit 1
fi
if grep -q "CONSOLE" "$work/report.log"; then
  echo "the report wrote to the console:" >&2
  grep "CONSOLE" "$work/report.log" >&2
  exit 1
fi
echo "report renders, console silent"
