#!/usr/bin/env bash
# The installed irtcat does without the tree it was built in: `cmake --install` into a scratch prefix, then the
# installed tool, with the build and source trees out of reach, makes its default database under $XDG_DATA_HOME
# (else ~/.local/share) from the banks and designs installed in <prefix>/share/irtcat, and runs the commands that
# need them (bank, design, take, the simulate battery).
#
# "Out of reach": where the system allows it, every run of the installed tool happens in a private mount namespace
# (unshare) with an empty tmpfs mounted over the build tree and over the source tree, so a path compiled in that
# still pointed there would fail. Where it does not, the tool runs as it is and the test says so; the checks that
# the data come from the prefix (a relocated prefix with a bank removed fails naming that file) still hold.
#
# Usage: installed_tool.sh CMAKE BUILD_DIR SOURCE_DIR
set -euo pipefail
cmake=$1
build=$(cd "$2" && pwd -P)
source=$(cd "$3" && pwd -P)

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/irtcat_installed.XXXXXX")
trap 'rm -rf "$work"' EXIT
case "$work/" in "$build"/* | "$source"/*) fail "the scratch folder $work lies inside a tree it must hide" ;; esac

"$cmake" --install "$build" --prefix "$work/prefix" > "$work/install.log" || fail "cmake --install: $(cat "$work/install.log")"
share=$work/prefix/share/irtcat
for file in roles.json mathematics.json software_engineering.json designs/standard.json designs/quick.json; do
  [ -f "$share/$file" ] || fail "not installed: $share/$file"
done
[ ! -e "$share/tools" ] || fail "the bank tools were installed"

hide=()
if unshare -r -m true 2> /dev/null; then
  hide=(unshare -r -m)
elif unshare -m true 2> /dev/null; then
  hide=(unshare -m)
else
  echo "note: unshare is not available here: the build and source trees stay visible to the installed tool"
fi

# run TOOL ARGS...: the tool with the trees hidden (the build tree first: it may lie inside the source tree), no
# $IRTCAT_DB, and the environment given by the caller (XDG_DATA_HOME, HOME).
run() {
  if [ ${#hide[@]} -gt 0 ]; then
    env -u IRTCAT_DB "${hide[@]}" sh -c 'mount -t tmpfs none "$1" && mount -t tmpfs none "$2" && shift 2 && exec "$@"' \
      sh "$build" "$source" "$@"
  else
    env -u IRTCAT_DB "$@"
  fi
}

build_db=$build/irtcat.db
before=$(cksum < "$build_db" 2> /dev/null || echo none)
tool=$work/prefix/bin/irtcat
export XDG_DATA_HOME=$work/data HOME=$work/home

# The first command makes the default database from the installed banks and designs.
run "$tool" bank list > "$work/banks.csv" 2> "$work/err" || fail "bank list: $(cat "$work/err")"
[ -f "$work/data/irtcat/irtcat.db" ] || fail "no database at \$XDG_DATA_HOME/irtcat/irtcat.db"
[ "$(tail -n +2 "$work/banks.csv" | wc -l)" -eq 6 ] || fail "the default database does not hold the six banks: $(cat "$work/banks.csv")"
run "$tool" design list --bank mathematics > "$work/designs.csv" 2> "$work/err" || fail "design list: $(cat "$work/err")"
grep -q '^mathematics,standard,1,' "$work/designs.csv" || fail "no standard design: $(cat "$work/designs.csv")"
grep -q '^mathematics,quick,1,' "$work/designs.csv" || fail "no quick design: $(cat "$work/designs.csv")"
# take reads the installed roles.json; with no answers it stops at once, resumable.
run "$tool" take --bank mathematics --seed 3 < /dev/null > "$work/take.out" 2> "$work/err" || fail "take: $(cat "$work/err")"
grep -q 'design standard v1' "$work/take.out" || fail "take did not run the stored standard design: $(cat "$work/take.out")"
# The battery reads the installed banks, roles and designs.
run "$tool" simulate --candidates 5 --length 3 --out-dir "$work/study" > "$work/study.csv" 2> "$work/err" ||
  fail "simulate: $(cat "$work/err")"
[ -f "$work/study/report.html" ] || fail "simulate wrote no report"

# `irtcat serve` runs the installed irtcat-serve beside it.
run "$tool" serve client add installed-platform > "$work/client.out" 2> "$work/err" || fail "serve client add: $(cat "$work/err")"
grep -q '^client_id ' "$work/client.out" || fail "serve client add printed no client id: $(cat "$work/client.out")"
# Without XDG_DATA_HOME: ~/.local/share/irtcat/irtcat.db.
XDG_DATA_HOME='' run "$tool" bank list > /dev/null 2> "$work/err" || fail "bank list without XDG_DATA_HOME: $(cat "$work/err")"
[ -f "$work/home/.local/share/irtcat/irtcat.db" ] || fail "no database at ~/.local/share/irtcat/irtcat.db"

# The prefix moved elsewhere still finds its own share/irtcat: with a bank removed there, making the database fails
# naming that file (and nothing is left half made).
cp -a "$work/prefix" "$work/moved"
rm "$work/moved/share/irtcat/mathematics.json"
if XDG_DATA_HOME=$work/data2 run "$work/moved/bin/irtcat" bank list > /dev/null 2> "$work/err"; then
  fail "a prefix without mathematics.json made a database"
fi
grep -q "$work/moved/share/irtcat/mathematics.json" "$work/err" || fail "the error does not name the moved prefix's bank: $(cat "$work/err")"
[ "$(wc -l < "$work/err")" -eq 1 ] || fail "the error is not one line: $(cat "$work/err")"
[ ! -e "$work/data2/irtcat/irtcat.db" ] || fail "a failed first run left a database"

after=$(cksum < "$build_db" 2> /dev/null || echo none)
[ "$before" = "$after" ] || fail "the build's database changed"
echo "the installed irtcat made its database under XDG_DATA_HOME and ~/.local/share from $share${hide:+ (build and source trees hidden)}"
