#!/bin/sh
# The three completion files load in their shells.
# usage: check-completions.sh BASH ZSH FISH
set -u
status=0
bash -c 'set -e; source "$1"; complete -p sandbox >/dev/null' bash "$1" \
  && echo "ok: bash loads $1" || { echo "not ok: bash cannot load $1"; status=1; }
for shell in zsh fish; do
  case $shell in zsh) file=$2 ;; fish) file=$3 ;; esac
  if ! command -v $shell >/dev/null 2>&1; then
    echo "skipped: $shell is not installed"
    continue
  fi
  $shell -n "$file" && echo "ok: $shell -n $file" || { echo "not ok: $shell -n $file"; status=1; }
done
exit $status
