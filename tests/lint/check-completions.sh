#!/bin/sh
# The three completion files load in their shells.
# usage: check-completions.sh BASH ZSH FISH
# Exit 77 (SKIP for meson) when a shell is missing and nothing failed: OK
# would claim a check that did not run (tools/deps installs zsh and fish).
set -u
status=0
missing=

if bash -c 'set -e; source "$1"; complete -p sandbox >/dev/null' bash "$1"; then
  echo "ok: bash loads $1"
else
  echo "not ok: bash cannot load $1"
  status=1
fi

check ()
{
  shell=$1 file=$2
  if ! command -v "$shell" >/dev/null 2>&1; then
    echo "skipped: $shell is not installed"
    missing="$missing $shell"
  elif "$shell" -n "$file"; then
    echo "ok: $shell -n $file"
  else
    echo "not ok: $shell -n $file"
    status=1
  fi
}
check zsh "$2"
check fish "$3"
if [ "$status" -eq 0 ] && [ -n "$missing" ]; then
  echo "SKIP: not checked in$missing"
  exit 77
fi
exit $status
