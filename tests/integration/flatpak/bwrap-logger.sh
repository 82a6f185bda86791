#!/bin/sh
# Stands in for bwrap as FLATPAK_BWRAP: appends to LOG its argv, environment,
# open fds and the decoded content of every --args FD, then execs REAL with
# the same arguments.  Installed as a copy with LOG and REAL filled in
# (Flatpak runs bwrap with an empty environment, so nothing can be passed in
# variables); runs under dash with absolute paths for the same reason.
log=@LOG@
real=@REAL@
{
  printf '=== pid %s argv:' "$$"
  for a in "$@"; do printf ' [%s]' "$a"; done
  printf '\n--- environment (%s variables):\n' "$(/usr/bin/env | /usr/bin/wc -l)"
  /usr/bin/env
  printf -- '--- fds:\n'
  for fd in /proc/$$/fd/*; do
    printf '%s -> %s\n' "${fd##*/}" "$(/usr/bin/readlink "$fd")"
  done
  prev=
  for a in "$@"; do
    if [ "$prev" = --args ]; then
      # Reopening through /proc leaves the offset of the caller's fd alone.
      printf -- '--- --args %s:\n' "$a"
      /usr/bin/tr '\0' '\n' < "/proc/$$/fd/$a"
      printf '\n'
    fi
    prev=$a
  done
} >> "$log" 2>&1
exec "$real" "$@"
