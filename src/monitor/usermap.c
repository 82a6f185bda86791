#include "monitor/usermap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "base/read.h"
#include "sandbox/idmap.h"

/* Far more than any real /etc/subuid or /etc/passwd. */
#define HOST_FILE_LIMIT (4 * 1024 * 1024)
/* What we keep of a helper's complaint. */
#define HELPER_OUTPUT_LIMIT 65536

/* One side of the maps: users or groups. */
typedef struct {
  const char *file;        /* /etc/subuid */
  const char *helper;      /* newuidmap */
  const char *option;      /* --map-users */
  guint32 own;             /* the caller's id outside */
  gint64 inside;           /* --uid / --gid, which the parser defaulted to 0 */
  const GArray *explicit;  /* the option's ranges, maybe none */
} Side;

void
sb_usermap_free (SbUserMap *map)
{
  if (map == NULL)
    return;
  g_clear_pointer (&map->uids, g_array_unref);
  g_clear_pointer (&map->gids, g_array_unref);
  g_free (map->newuidmap);
  g_free (map->newgidmap);
  g_free (map);
}

/* The file's text; a missing file is empty. */
static char *
read_host_file (const char *path, GError **error)
{
  g_autofd int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  g_autoptr(GByteArray) data = NULL;

  if (fd < 0 && errno == ENOENT)
    return g_strdup ("");
  if (fd < 0)
    {
      sb_throw_errno (error, "opening %s", path);
      return NULL;
    }
  data = sb_read_to_eof (fd, HOST_FILE_LIMIT);
  if (data == NULL)
    {
      sb_throw_errno (error, "reading %s", path);
      return NULL;
    }
  g_byte_array_append (data, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (g_steal_pointer (&data), FALSE);
}

static GArray *
resolve_side (const SbIdMapping *mapping, const Side *side, const char *user,
              gboolean privileged, GError **error)
{
  g_autoptr(GArray) grants = g_array_new (FALSE, FALSE, sizeof (SbIdRange));
  g_autoptr(GArray) ranges = NULL;
  g_autofree char *text = NULL;

  if (side->explicit->len == 0 && !mapping->map_auto)
    {
      SbIdRange self = { (guint32) side->inside, side->own, 1 };

      ranges = g_array_new (FALSE, FALSE, sizeof (SbIdRange));
      g_array_append_val (ranges, self);
      return g_steal_pointer (&ranges);
    }
  text = read_host_file (side->file, error);
  if (text == NULL)
    return NULL;
  sb_subids_parse (text, user, side->own, grants);
  if (side->explicit->len == 0)
    return sb_idranges_auto ("--map-auto", side->file, user, side->own, (guint32) side->inside,
                             grants, error);
  if (!sb_idranges_check (side->option, side->file, user, side->own, side->explicit, grants,
                          privileged, error))
    return NULL;
  return g_array_ref ((GArray *) side->explicit);
}

/* From the caller's PATH, as podman and unshare(1) find them. */
static char *
find_helper (const char *option, const char *name, GError **error)
{
  char *path = g_find_program_in_path (name);

  if (path == NULL)
    sb_throw (error, SB_ERROR_SETUP,
              "%s: %s is not installed (or not in PATH): it writes the maps of an unprivileged "
              "caller (Debian and Ubuntu: apt-get install uidmap)", option, name);
  return path;
}

SbUserMap *
sb_usermap_prepare (const SbPlan *plan, guint64 caller_caps, GError **error)
{
  const SbIdMapping *mapping = &plan->idmapping;
  guint64 setid = (G_GUINT64_CONSTANT (1) << CAP_SETUID) | (G_GUINT64_CONSTANT (1) << CAP_SETGID);
  gboolean privileged = (caller_caps & setid) == setid;
  g_autofree char *passwd = NULL;
  g_autofree char *user = NULL;
  g_autoptr(SbUserMap) map = NULL;
  Side users = {
    "/etc/subuid", "newuidmap", "--map-users", plan->host.uid, plan->uid, mapping->users,
  };
  Side groups = {
    "/etc/subgid", "newgidmap", "--map-groups", plan->host.gid, plan->gid, mapping->groups,
  };

  if (!sb_idmapping_wanted (mapping))
    return NULL;
  /* Both files name users (by name or uid), the groups' file too. */
  passwd = read_host_file ("/etc/passwd", error);
  if (passwd == NULL)
    return NULL;
  user = sb_passwd_name (passwd, plan->host.uid);

  map = g_new0 (SbUserMap, 1);
  map->uids = resolve_side (mapping, &users, user, privileged, error);
  if (map->uids == NULL)
    return NULL;
  map->gids = resolve_side (mapping, &groups, user, privileged, error);
  if (map->gids == NULL)
    return NULL;
  if (privileged)
    return g_steal_pointer (&map);
  map->newuidmap = find_helper (mapping->option, users.helper, error);
  if (map->newuidmap == NULL)
    return NULL;
  map->newgidmap = find_helper (mapping->option, groups.helper, error);
  if (map->newgidmap == NULL)
    return NULL;
  return g_steal_pointer (&map);
}

/* HELPER PID INSIDE OUTSIDE COUNT..., its complaint (the first line of its
 * stderr) in the error when it fails. */
static gboolean
run_helper (const char *helper, pid_t pid, const GArray *ranges, GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  char *const no_env[] = { NULL };
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t none, all;
  g_autofd int out = -1;
  g_autoptr(GByteArray) said = NULL;
  g_autofree char *complaint = NULL;
  int pipe_fds[2], spawned, status;
  pid_t child;

  g_ptr_array_add (argv, g_strdup (helper));
  g_ptr_array_add (argv, g_strdup_printf ("%d", (int) pid));
  for (guint i = 0; i < ranges->len; i++)
    {
      const SbIdRange *range = &g_array_index (ranges, SbIdRange, i);

      g_ptr_array_add (argv, g_strdup_printf ("%u", range->inside));
      g_ptr_array_add (argv, g_strdup_printf ("%u", range->outside));
      g_ptr_array_add (argv, g_strdup_printf ("%u", range->count));
    }
  g_ptr_array_add (argv, NULL);

  if (pipe2 (pipe_fds, O_CLOEXEC) != 0)
    return sb_throw_errno (error, "creating a pipe for %s", helper);
  out = pipe_fds[0];
  /* The monitor blocks its signals for its signalfd: the helper must not
   * inherit that. */
  sigemptyset (&none);
  sigfillset (&all);
  posix_spawnattr_init (&attr);
  posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setsigmask (&attr, &none);
  posix_spawnattr_setsigdefault (&attr, &all);
  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_adddup2 (&actions, pipe_fds[1], STDERR_FILENO);
  spawned = posix_spawn (&child, helper, &actions, &attr, (char **) argv->pdata, no_env);
  posix_spawn_file_actions_destroy (&actions);
  posix_spawnattr_destroy (&attr);
  close (pipe_fds[1]);
  if (spawned != 0)
    return sb_throw_errno_value (error, spawned, "running %s", helper);

  said = sb_read_to_eof (out, HELPER_OUTPUT_LIMIT);
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return sb_throw_errno (error, "waiting for %s", helper);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return TRUE;

  if (said != NULL && said->len > 0)
    {
      g_auto(GStrv) lines = NULL;

      g_byte_array_append (said, (const guint8 *) "", 1);
      lines = g_strsplit ((const char *) said->data, "\n", 2);
      complaint = g_strdup (g_strstrip (lines[0]));
    }
  else
    complaint = WIFEXITED (status) ? g_strdup_printf ("exit status %d", WEXITSTATUS (status))
                                   : g_strdup_printf ("killed by signal %d", WTERMSIG (status));
  return sb_throw (error, SB_ERROR_SETUP, "%s failed to write the id map: %s", helper,
                   complaint);
}

gboolean
sb_usermap_write (const SbUserMap *map, pid_t pid, GError **error)
{
  if (map->newuidmap == NULL)
    {
      g_autofd int proc_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
      g_autofree char *pid_text = g_strdup_printf ("%d", (int) pid);

      if (proc_fd < 0)
        return sb_throw_errno (error, "opening /proc");
      return sb_idmap_write_ranges (proc_fd, pid_text, map->uids, map->gids, error);
    }
  return run_helper (map->newuidmap, pid, map->uids, error)
         && run_helper (map->newgidmap, pid, map->gids, error);
}
