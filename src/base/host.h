/* Facts about the caller and the host, gathered once at start by main.c
 * and carried in the Plan, so that readers stay pure and stages do not
 * re-read them (each at another moment, after another namespace change). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct {
  uid_t uid;           /* the caller's real ids, before any namespace is joined */
  gid_t gid;
  char *cwd;           /* the working directory as get_current_dir_name() says it ($PWD when
                          it names the same directory); NULL when unknown */
  pid_t parent;        /* the parent at start: --die-with-parent watches this one */
  char *runtime_dir;   /* $XDG_RUNTIME_DIR, where named sandboxes are registered; NULL unset */
  bool has_cgroup_ns;  /* the kernel has cgroup namespaces (/proc/self/ns/cgroup) */
} SbHostFacts;

void sb_host_facts_gather (SbHostFacts *facts);
void sb_host_facts_copy (SbHostFacts *to, const SbHostFacts *from);
void sb_host_facts_clear (SbHostFacts *facts);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SbHostFacts, sb_host_facts_clear)
