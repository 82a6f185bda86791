#!/bin/sh
# The man page formats without a single groff warning.
# usage: check-man.sh MANPAGE
command -v groff >/dev/null 2>&1 || { echo "skipped: groff is not installed"; exit 77; }
warnings=$(groff -man -ww -z "$1" 2>&1)
if [ -n "$warnings" ]; then
  printf '%s\n' "$warnings"
  exit 1
fi
echo "ok: groff -man -ww -z $1 is clean"
