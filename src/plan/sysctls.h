/* --sysctl KEY=VALUE: only the sysctls that belong to a namespace the
 * sandbox makes, so that the write stays inside it.  Pure: the table of
 * namespaced sysctls and the checks; sandbox/child.c writes them. */
#pragma once

#include <glib.h>

#include "plan/plan.h"

typedef struct {
  char *key;          /* "net.ipv4.ip_unprivileged_port_start" */
  char *value;
  SbNamespace ns;     /* the namespace it belongs to */
} SbSysctl;

/* Parses "KEY=VALUE" and appends it to SYSCTLS (of SbSysctl, with a clear
 * function).  Refuses, naming --sysctl and the key, a key that no namespace
 * of ours owns or that is not a plain dotted name, and a value with a
 * newline. */
gboolean sb_sysctl_parse (const char *text, GArray *sysctls, GError **error);

/* A GArray of SbSysctl that frees them. */
GArray *sb_sysctls_new (void);

/* The path under /proc/sys: the dots as slashes. */
char *sb_sysctl_path (const SbSysctl *sysctl);

/* The namespaces SYSCTLS belong to. */
SbNamespace sb_sysctls_namespaces (const GArray *sysctls);

/* The first sysctl whose namespace is not in CREATED, or NULL. */
const SbSysctl *sb_sysctls_find_unowned (const GArray *sysctls, SbNamespace created);
