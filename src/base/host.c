#include "base/host.h"

#include <stdlib.h>
#include <unistd.h>

void
sb_host_facts_gather (SbHostFacts *facts)
{
  char *cwd = get_current_dir_name ();

  *facts = (SbHostFacts) {
    /* First, to know whether the caller is already gone by the time
     * --die-with-parent is seen. */
    .parent = getppid (),
    .uid = getuid (),
    .gid = getgid (),
    .cwd = g_strdup (cwd),
    .runtime_dir = g_strdup (g_getenv ("XDG_RUNTIME_DIR")),
    .has_cgroup_ns = access ("/proc/self/ns/cgroup", F_OK) == 0,
  };
  free (cwd);
}

void
sb_host_facts_copy (SbHostFacts *to, const SbHostFacts *from)
{
  *to = *from;
  to->cwd = g_strdup (from->cwd);
  to->runtime_dir = g_strdup (from->runtime_dir);
}

void
sb_host_facts_clear (SbHostFacts *facts)
{
  g_clear_pointer (&facts->cwd, g_free);
  g_clear_pointer (&facts->runtime_dir, g_free);
}
