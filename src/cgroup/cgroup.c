#include "cgroup/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"

/* One directory of ours in one hierarchy. */
typedef struct {
  char *dir;          /* the sandbox's cgroup, prefix included */
  char *controller;   /* v1: "memory", "pids", "cpu", "cpuacct"; v2: NULL */
} Place;

struct _SbCgroup {
  GArray *places;     /* of Place */
  char *v2_parent;    /* v2: sandbox-PID-START, holding "monitor" (the tool) and "sandbox" */
  int clone_fd;       /* v2: the "sandbox" directory */
  GArray *join_fds;   /* v1: cgroup.procs of each place, of int */
};

void
sb_cgroup_host_clear (SbCgroupHost *host)
{
  g_clear_pointer (&host->prefix, g_free);
  g_clear_pointer (&host->membership, g_free);
  g_clear_pointer (&host->mountinfo, g_free);
  g_clear_pointer (&host->scope_helper, g_free);
}

/* The start time of /proc/PID/stat (PID 0: ours), its 22nd field, after
 * the command name (which may hold anything, up to the last ')'). */
static gboolean
read_start_time (pid_t pid, guint64 *start_time)
{
  g_autofree char *path = pid == 0 ? g_strdup ("/proc/self/stat")
                                   : g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  const char *p;
  int field = 2;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  p = strrchr (text, ')');
  for (; p != NULL && *p != '\0' && field < 22; p++)
    if (*p == ' ')
      field++;
  if (p == NULL || field != 22 || !g_ascii_isdigit (*p))
    return FALSE;
  *start_time = g_ascii_strtoull (p, NULL, 10);
  return TRUE;
}

static gboolean
read_membership (SbCgroupHost *host, GError **error)
{
  g_autofree char *path = g_strconcat (host->prefix, "/proc/self/cgroup", NULL);

  g_clear_pointer (&host->membership, g_free);
  if (!g_file_get_contents (path, &host->membership, NULL, NULL))
    return sb_throw_errno (error, "reading %s", path);
  return TRUE;
}

#define SCOPE_HELPER "sandbox-scope"

/* The helper of (b): beside our executable (a build tree), else where it
 * is installed. */
static char *
find_scope_helper (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self != NULL ? g_path_get_dirname (self) : NULL;
  g_autofree char *beside = dir != NULL ? g_build_filename (dir, SCOPE_HELPER, NULL) : NULL;

  if (beside != NULL && g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&beside);
  if (g_file_test (SANDBOX_LIBEXECDIR "/" SCOPE_HELPER, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (SANDBOX_LIBEXECDIR "/" SCOPE_HELPER);
  return NULL;
}

gboolean
sb_cgroup_host_read (SbCgroupHost *host, GError **error)
{
  *host = (SbCgroupHost) { .prefix = g_strdup (""), .pid = getpid () };
  if (!read_membership (host, error))
    return FALSE;
  if (!g_file_get_contents ("/proc/self/mountinfo", &host->mountinfo, NULL, NULL))
    return sb_throw_errno (error, "reading /proc/self/mountinfo");
  if (!read_start_time (0, &host->start_time))
    return sb_throw_errno (error, "reading /proc/self/stat");
  host->scope_helper = find_scope_helper ();
  return TRUE;
}

static gboolean
list_has (const char *comma_list, const char *word)
{
  g_auto(GStrv) words = g_strsplit (comma_list, ",", -1);

  return g_strv_contains ((const char *const *) words, word);
}

/* mountinfo escapes blanks and backslashes in paths as \ooo. */
static char *
unescape_octal (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *c = text; *c != '\0'; c++)
    {
      if (c[0] == '\\' && c[1] >= '0' && c[1] <= '3' && c[2] >= '0' && c[2] <= '7' && c[3] >= '0'
          && c[3] <= '7')
        {
          g_string_append_c (out, (char) ((c[1] - '0') * 64 + (c[2] - '0') * 8 + (c[3] - '0')));
          c += 3;
        }
      else
        g_string_append_c (out, *c);
    }
  return g_string_free (out, FALSE);
}

/* The mount of the hierarchy: v2 (CONTROLLER NULL) or the v1 one whose
 * super options name CONTROLLER.  Sets its mount point and root. */
static gboolean
find_mount (const SbCgroupHost *host, const char *controller, char **point, char **root)
{
  g_auto(GStrv) lines = g_strsplit (host->mountinfo, "\n", -1);

  for (char **line = lines; *line != NULL; line++)
    {
      const char *dash = strstr (*line, " - ");
      g_auto(GStrv) before = NULL;
      g_auto(GStrv) after = NULL;

      if (dash == NULL)
        continue;
      before = g_strsplit (*line, " ", 6);
      after = g_strsplit (dash + 3, " ", 3);
      if (g_strv_length (before) < 6 || g_strv_length (after) < 3)
        continue;
      if (controller == NULL ? strcmp (after[0], "cgroup2") != 0
                             : strcmp (after[0], "cgroup") != 0 || !list_has (after[2], controller))
        continue;
      *root = unescape_octal (before[3]);
      *point = unescape_octal (before[4]);
      return TRUE;
    }
  return FALSE;
}

/* The tool's path in that hierarchy, from /proc/self/cgroup: "0::PATH" on
 * v2, "ID:CONTROLLERS:PATH" on v1. */
static char *
find_membership (const SbCgroupHost *host, const char *controller)
{
  g_auto(GStrv) lines = g_strsplit (host->membership, "\n", -1);

  for (char **line = lines; *line != NULL; line++)
    {
      g_auto(GStrv) fields = g_strsplit (*line, ":", 3);

      if (g_strv_length (fields) != 3)
        continue;
      if (controller == NULL ? strcmp (fields[0], "0") == 0 && fields[1][0] == '\0'
                             : list_has (fields[1], controller))
        return g_strdup (fields[2]);
    }
  return NULL;
}

char *
sb_cgroup_own_dir (const SbCgroupHost *host, const char *controller)
{
  g_autofree char *point = NULL, *root = NULL, *path = NULL;
  const char *below;

  if (!find_mount (host, controller, &point, &root))
    return NULL;
  path = find_membership (host, controller);
  if (path == NULL)
    return NULL;
  /* A mount of a subtree (a container's) shows paths below its root. */
  if (strcmp (root, "/") == 0)
    below = path;
  else if (g_str_has_prefix (path, root) && (path[strlen (root)] == '/' || path[strlen (root)] == '\0'))
    below = path + strlen (root);
  else
    return NULL;
  while (*below == '/')
    below++;
  return *below == '\0' ? g_strdup (point) : g_build_filename (point, below, NULL);
}

gboolean
sb_cgroup_parse_name (const char *name, pid_t *pid, guint64 *start_time)
{
  guint64 number;
  char *end;

  if (!g_str_has_prefix (name, "sandbox-") || !g_ascii_isdigit (name[8]))
    return FALSE;
  number = g_ascii_strtoull (name + 8, &end, 10);
  if (*end != '-' || number == 0 || number > G_MAXINT || !g_ascii_isdigit (end[1]))
    return FALSE;
  *pid = (pid_t) number;
  *start_time = g_ascii_strtoull (end + 1, &end, 10);
  return *end == '\0';
}

/* A tool is gone when its pid is free or names a later process. */
static gboolean
tool_is_gone (pid_t pid, guint64 start_time)
{
  guint64 now;

  return !read_start_time (pid, &now) || now != start_time;
}

/* Removes DIR and the cgroups below it, deepest first; a cgroup that still
 * holds a process stays (EBUSY). */
static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) entries = g_dir_open (dir, 0, NULL);
  const char *name;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
    }
  if (rmdir (dir) != 0 && errno != ENOENT)
    g_debug ("removing the cgroup %s: %s", dir, g_strerror (errno));
}

/* The next run cleans what a SIGKILLed tool could not. */
static void
clean_stale (const char *parent)
{
  g_autoptr(GDir) entries = g_dir_open (parent, 0, NULL);
  const char *name;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      pid_t pid;
      guint64 start_time;

      if (sb_cgroup_parse_name (name, &pid, &start_time) && tool_is_gone (pid, start_time))
        {
          g_autofree char *dir = g_build_filename (parent, name, NULL);
          remove_tree (dir);
        }
    }
}

/* Control files exist in every cgroup directory of a real cgroupfs;
 * O_CREAT changes nothing there and lets the unit tests' plain directory
 * stand in for one. */
static gboolean
write_control (const char *dir, const char *file, const char *value, GError **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofd int fd = open (path, O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
  size_t length = strlen (value);

  if (fd < 0 || write (fd, value, length) != (ssize_t) length)
    return sb_throw_errno (error, "writing %s to %s", value, path);
  return TRUE;
}

static char *
read_control (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

/* "KEY N" lines (memory.events, cpu.stat, memory.oom_control). */
static gboolean
read_keyed (const char *dir, const char *file, const char *key, guint64 *value)
{
  g_autofree char *text = read_control (dir, file);
  g_auto(GStrv) lines = text != NULL ? g_strsplit (text, "\n", -1) : NULL;
  size_t length = strlen (key);

  for (char **line = lines; line != NULL && *line != NULL; line++)
    if (strncmp (*line, key, length) == 0 && (*line)[length] == ' ')
      {
        *value = g_ascii_strtoull (*line + length + 1, NULL, 10);
        return TRUE;
      }
  return FALSE;
}

static gboolean
read_number (const char *dir, const char *file, guint64 *value)
{
  g_autofree char *text = read_control (dir, file);

  if (text == NULL || !g_ascii_isdigit (text[0]))
    return FALSE;
  *value = g_ascii_strtoull (text, NULL, 10);
  return TRUE;
}

static void
place_clear (gpointer data)
{
  Place *place = data;

  g_free (place->dir);
  g_free (place->controller);
}

static SbCgroup *
cgroup_new (void)
{
  SbCgroup *cgroup = g_new0 (SbCgroup, 1);

  cgroup->places = g_array_new (FALSE, TRUE, sizeof (Place));
  g_array_set_clear_func (cgroup->places, place_clear);
  cgroup->join_fds = g_array_new (FALSE, FALSE, sizeof (int));
  cgroup->clone_fd = -1;
  return cgroup;
}

static void
add_place (SbCgroup *cgroup, const char *dir, const char *controller)
{
  Place place = { g_strdup (dir), g_strdup (controller) };

  g_array_append_val (cgroup->places, place);
}

static const Place *
find_place (const SbCgroup *cgroup, const char *controller)
{
  for (guint i = 0; i < cgroup->places->len; i++)
    {
      const Place *place = &g_array_index (cgroup->places, Place, i);

      if (place->controller == NULL || strcmp (place->controller, controller) == 0)
        return place;
    }
  return NULL;
}

/* The controllers LIMITS need, in the kernel's names. */
static GPtrArray *
needed_controllers (const SbLimits *limits)
{
  GPtrArray *names = g_ptr_array_new ();

  if (limits->memory != 0)
    g_ptr_array_add (names, "memory");
  if (limits->pids != 0)
    g_ptr_array_add (names, "pids");
  if (limits->cpu_quota_us != 0)
    g_ptr_array_add (names, "cpu");
  return names;
}

/* "--memory, --pids", the options that asked for them, for the refusal. */
static char *
options_of (GPtrArray *controllers)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < controllers->len; i++)
    {
      const char *name = g_ptr_array_index (controllers, i);
      g_string_append_printf (out, "%s--%s", i > 0 ? ", " : "",
                              strcmp (name, "cpu") == 0 ? "cpus" : name);
    }
  return g_string_free (out, FALSE);
}

static gboolean
make_dir (const char *dir, GError **error)
{
  if (mkdir (dir, 0755) != 0)
    return sb_throw_errno (error, "creating the cgroup %s", dir);
  return TRUE;
}

/* The limits of one place: v2 writes them all in its one directory. */
static gboolean
write_limits (const char *dir, const char *controller, const SbLimits *limits, GError **error)
{
  gboolean v2 = controller == NULL;
  g_autofree char *memory = g_strdup_printf ("%" G_GUINT64_FORMAT, limits->memory);
  g_autofree char *pids = g_strdup_printf ("%" G_GUINT64_FORMAT, limits->pids);
  g_autofree char *quota = g_strdup_printf ("%" G_GUINT64_FORMAT, limits->cpu_quota_us);
  g_autofree char *period = g_strdup_printf ("%" G_GUINT64_FORMAT, SB_CPU_PERIOD_US);
  g_autofree char *cpu_max = g_strdup_printf ("%s %s", quota, period);

  if (limits->memory != 0 && (v2 || strcmp (controller, "memory") == 0))
    {
      g_autofree char *swap = NULL;

      if (!write_control (dir, v2 ? "memory.max" : "memory.limit_in_bytes", memory, error))
        return FALSE;
      /* Swap counted in the limit where the host accounts it: on v1 memsw
       * is memory plus swap; on v2 swap is apart, so none is allowed. */
      swap = g_build_filename (dir, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes", NULL);
      if (g_file_test (swap, G_FILE_TEST_EXISTS)
          && !write_control (dir, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes",
                             v2 ? "0" : memory, error))
        return FALSE;
    }
  if (limits->pids != 0 && (v2 || strcmp (controller, "pids") == 0)
      && !write_control (dir, "pids.max", pids, error))
    return FALSE;
  if (limits->cpu_quota_us != 0 && v2 && !write_control (dir, "cpu.max", cpu_max, error))
    return FALSE;
  if (limits->cpu_quota_us != 0 && !v2 && strcmp (controller, "cpu") == 0
      && (!write_control (dir, "cpu.cfs_period_us", period, error)
          || !write_control (dir, "cpu.cfs_quota_us", quota, error)))
    return FALSE;
  return TRUE;
}

/* The first of NEEDED that the cgroup DIR offers its children not
 * (cgroup.controllers), or NULL. */
static const char *
first_missing (const char *dir, GPtrArray *needed)
{
  g_autofree char *controllers = read_control (dir, "cgroup.controllers");
  g_auto(GStrv) available = g_strsplit_set (controllers != NULL ? g_strstrip (controllers) : "",
                                            " ", -1);

  for (guint i = 0; i < needed->len; i++)
    if (!g_strv_contains ((const char *const *) available, g_ptr_array_index (needed, i)))
      return g_ptr_array_index (needed, i);
  return NULL;
}

/* (a) The tool's own v2 cgroup, when it is delegated: writable, with the
 * controllers.  NULL with *why set when it is not. */
static char *
v2_usable (const SbCgroupHost *host, GPtrArray *needed, char **why)
{
  g_autofree char *own = sb_cgroup_own_dir (host, NULL);
  g_autofree char *dir = NULL;
  const char *missing;

  if (own == NULL)
    {
      *why = g_strdup ("there is no cgroup v2 hierarchy");
      return NULL;
    }
  dir = g_strconcat (host->prefix, own, NULL);
  missing = first_missing (dir, needed);
  if (missing != NULL)
    {
      *why = g_strdup_printf ("the cgroup v2 hierarchy offers no %s controller in %s", missing, own);
      return NULL;
    }
  if (access (dir, W_OK) != 0)
    {
      *why = g_strdup_printf ("the cgroup %s is not delegated to this user", own);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

static char *
cgroup_name (const SbCgroupHost *host)
{
  return g_strdup_printf ("sandbox-%d-%" G_GUINT64_FORMAT, (int) host->pid, host->start_time);
}

/* Runs the helper, which returns once the tool is in the scope. */
static gboolean
move_into_scope (const SbCgroupHost *host, char **why)
{
  g_autofree char *name = cgroup_name (host);
  g_autofree char *unit = g_strconcat (name, ".scope", NULL);
  g_autofree char *pid = g_strdup_printf ("%d", (int) host->pid);
  const char *argv[] = { host->scope_helper, unit, pid, NULL };
  g_autofree char *errors = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                     &errors, &status, &error))
    {
      *why = g_strdup_printf ("no systemd user scope: %s", error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_strstrip (errors);
      *why = g_strdup_printf ("no systemd user scope: %s",
                              errors[0] != '\0' ? errors : "its helper failed");
      return FALSE;
    }
  return TRUE;
}

/* (b) A transient scope of the systemd user instance, delegated: once the
 * tool is in it, it serves as (a).  Not tried where the v2 hierarchy lacks
 * the controllers altogether (the v1 ones of a hybrid host). */
static char *
scope_usable (SbCgroupHost *host, GPtrArray *needed, char **why)
{
  g_autofree char *point = NULL, *root = NULL, *top = NULL;
  g_autoptr(GError) error = NULL;
  const char *missing;

  if (!find_mount (host, NULL, &point, &root))
    {
      *why = g_strdup ("no systemd user scope without it");
      return NULL;
    }
  top = g_strconcat (host->prefix, point, NULL);
  missing = first_missing (top, needed);
  if (missing != NULL)
    {
      *why = g_strdup_printf ("no systemd user scope: the cgroup v2 hierarchy has no %s "
                              "controller at all", missing);
      return NULL;
    }
  if (host->scope_helper == NULL)
    {
      *why = g_strdup ("no systemd user scope: its helper " SCOPE_HELPER " is not installed");
      return NULL;
    }
  if (!move_into_scope (host, why))
    return NULL;
  if (!read_membership (host, &error))
    {
      *why = g_strdup_printf ("no systemd user scope: %s", error->message);
      return NULL;
    }
  return v2_usable (host, needed, why);
}

/* "+memory +pids" for cgroup.subtree_control. */
static char *
enable_line (GPtrArray *needed)
{
  GString *line = g_string_new (NULL);

  for (guint i = 0; i < needed->len; i++)
    g_string_append_printf (line, "%s+%s", i > 0 ? " " : "", (char *) g_ptr_array_index (needed, i));
  return g_string_free (line, FALSE);
}

/* DIR's cgroup.procs, opened for the sandbox's first process to join
 * (O_CREAT as in write_control). */
static gboolean
open_join_fd (SbCgroup *cgroup, const char *dir, GError **error)
{
  g_autofree char *procs = g_build_filename (dir, "cgroup.procs", NULL);
  int fd = open (procs, O_WRONLY | O_CLOEXEC | O_CREAT | O_NOFOLLOW, 0644);

  if (fd < 0)
    return sb_throw_errno (error, "opening %s", procs);
  g_array_append_val (cgroup->join_fds, fd);
  return TRUE;
}

/* Our cgroup P = OWN/sandbox-PID-START holds two leaves: "monitor", where
 * the tool moves first (a cgroup that hands controllers down may hold no
 * process), and "sandbox", limited, where the sandbox is cloned into. */
static gboolean
create_v2 (SbCgroup *cgroup, const SbCgroupHost *host, const char *own, GPtrArray *needed,
           const SbLimits *limits, GError **error)
{
  g_autofree char *name = cgroup_name (host);
  g_autofree char *parent = g_build_filename (own, name, NULL);
  g_autofree char *monitor = g_build_filename (parent, "monitor", NULL);
  g_autofree char *sandbox = g_build_filename (parent, "sandbox", NULL);
  g_autofree char *pid = g_strdup_printf ("%d", (int) host->pid);
  g_autofree char *enable = enable_line (needed);

  clean_stale (own);
  if (!make_dir (parent, error))
    return FALSE;
  cgroup->v2_parent = g_strdup (parent);
  if (!make_dir (monitor, error) || !write_control (monitor, "cgroup.procs", pid, error))
    return FALSE;
  if (!write_control (own, "cgroup.subtree_control", enable, error))
    {
      g_prefix_error (error, "the cgroup %s holds other processes than this tool: ",
                      own + strlen (host->prefix));
      return FALSE;
    }
  if (!write_control (parent, "cgroup.subtree_control", enable, error)
      || !make_dir (sandbox, error))
    return FALSE;
  add_place (cgroup, sandbox, NULL);
  if (!write_limits (sandbox, NULL, limits, error))
    return FALSE;
  cgroup->clone_fd = open (sandbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup->clone_fd < 0)
    return sb_throw_errno (error, "opening the cgroup %s", sandbox);
  /* For a child that clone could not put there (sb_cgroup_join_fds). */
  return open_join_fd (cgroup, sandbox, error);
}

/* (c) A v1 hierarchy per controller, where the caller may create a cgroup
 * below its own.  cpuacct joins for the report of CPU time where it can. */
static gboolean
v1_usable (const SbCgroupHost *host, GPtrArray *needed, char **why)
{
  for (guint i = 0; i < needed->len; i++)
    {
      const char *controller = g_ptr_array_index (needed, i);
      g_autofree char *own = sb_cgroup_own_dir (host, controller);
      g_autofree char *dir = own != NULL ? g_strconcat (host->prefix, own, NULL) : NULL;

      if (own == NULL)
        {
          *why = g_strdup_printf ("there is no cgroup v1 %s hierarchy", controller);
          return FALSE;
        }
      if (access (dir, W_OK) != 0)
        {
          *why = g_strdup_printf ("the cgroup %s is not writable by this user", own);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
create_v1_place (SbCgroup *cgroup, const SbCgroupHost *host, const char *controller,
                 const SbLimits *limits, GError **error)
{
  g_autofree char *own = sb_cgroup_own_dir (host, controller);
  g_autofree char *parent = g_strconcat (host->prefix, own, NULL);
  g_autofree char *name = cgroup_name (host);
  g_autofree char *dir = g_build_filename (parent, name, NULL);

  /* cpu and cpuacct often share one hierarchy: one directory then. */
  for (guint i = 0; i < cgroup->places->len; i++)
    if (strcmp (g_array_index (cgroup->places, Place, i).dir, dir) == 0)
      return TRUE;
  clean_stale (parent);
  if (!make_dir (dir, error))
    return FALSE;
  add_place (cgroup, dir, controller);
  if (!write_limits (dir, controller, limits, error))
    return FALSE;
  return open_join_fd (cgroup, dir, error);
}

static gboolean
create_v1 (SbCgroup *cgroup, const SbCgroupHost *host, GPtrArray *needed, const SbLimits *limits,
           GError **error)
{
  g_autofree char *why = NULL;
  g_autoptr(GPtrArray) accounting = g_ptr_array_new ();

  for (guint i = 0; i < needed->len; i++)
    if (!create_v1_place (cgroup, host, g_ptr_array_index (needed, i), limits, error))
      return FALSE;
  /* Only for the report: a hierarchy we cannot use is no reason to fail. */
  g_ptr_array_add (accounting, "cpuacct");
  if (v1_usable (host, accounting, &why))
    return create_v1_place (cgroup, host, "cpuacct", limits, error);
  return TRUE;
}

SbCgroup *
sb_cgroup_create (SbCgroupHost *host, const SbLimits *limits, GError **error)
{
  g_autoptr(GPtrArray) needed = needed_controllers (limits);
  g_autoptr(SbCgroup) cgroup = cgroup_new ();
  g_autofree char *why_v2 = NULL, *why_scope = NULL, *why_v1 = NULL, *v2_dir = NULL;
  g_autofree char *what = NULL;
  gboolean ok;

  v2_dir = v2_usable (host, needed, &why_v2);
  if (v2_dir == NULL)
    v2_dir = scope_usable (host, needed, &why_scope);
  if (v2_dir != NULL)
    ok = create_v2 (cgroup, host, v2_dir, needed, limits, error);
  else if (v1_usable (host, needed, &why_v1))
    ok = create_v1 (cgroup, host, needed, limits, error);
  else
    {
      what = options_of (needed);
      sb_throw (error, SB_ERROR_SETUP,
                "%s need%s a cgroup of its own and none is available: %s; %s; %s (run in a "
                "systemd user session or in a cgroup delegated to this user, or use --rlimit "
                "for per-process limits)",
                what, needed->len > 1 ? "" : "s", why_v2, why_scope, why_v1);
      return NULL;
    }
  if (!ok)
    return NULL;
  return g_steal_pointer (&cgroup);
}

int
sb_cgroup_clone_fd (const SbCgroup *cgroup)
{
  return cgroup->clone_fd;
}

const int *
sb_cgroup_join_fds (const SbCgroup *cgroup, guint *n_fds)
{
  *n_fds = cgroup->join_fds->len;
  return (const int *) cgroup->join_fds->data;
}

void
sb_cgroup_signal (const SbCgroup *cgroup, int sig)
{
  const Place *place = &g_array_index (cgroup->places, Place, 0);
  g_autofree char *text = NULL;
  g_auto(GStrv) pids = NULL;

  if (cgroup->places->len == 0)
    return;
  /* cgroup.kill (Linux 5.14) kills them all at once, new forks included. */
  if (sig == SIGKILL && place->controller == NULL && write_control (place->dir, "cgroup.kill", "1", NULL))
    return;
  text = read_control (place->dir, "cgroup.procs");
  pids = g_strsplit (text != NULL ? text : "", "\n", -1);
  for (char **pid = pids; *pid != NULL; pid++)
    if (g_ascii_isdigit (**pid) && kill ((pid_t) g_ascii_strtoll (*pid, NULL, 10), sig) != 0)
      g_debug ("signalling %s: %s", *pid, g_strerror (errno));
}

void
sb_cgroup_report (const SbCgroup *cgroup, SbCgroupReport *report)
{
  const Place *memory = find_place (cgroup, "memory");
  const Place *cpu = find_place (cgroup, "cpuacct");
  guint64 kills = 0, usage_ns = 0;

  *report = (SbCgroupReport) { 0 };
  if (memory != NULL && memory->controller == NULL)
    {
      report->oom_killed = read_keyed (memory->dir, "memory.events", "oom_kill", &kills) && kills > 0;
      report->has_memory_peak = read_number (memory->dir, "memory.peak", &report->memory_peak);
      report->has_cpu_usage = read_keyed (memory->dir, "cpu.stat", "usage_usec", &report->cpu_usage_us);
      return;
    }
  if (memory != NULL)
    {
      report->oom_killed = read_keyed (memory->dir, "memory.oom_control", "oom_kill", &kills) && kills > 0;
      report->has_memory_peak = read_number (memory->dir, "memory.max_usage_in_bytes", &report->memory_peak);
    }
  if (cpu != NULL && read_number (cpu->dir, "cpuacct.usage", &usage_ns))
    {
      report->has_cpu_usage = TRUE;
      report->cpu_usage_us = usage_ns / 1000;
    }
}

/* The last process may take a moment to leave its cgroup after it was
 * reaped. */
static void
remove_dir (const char *dir)
{
  for (int attempt = 0; attempt < 50; attempt++)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return;
      if (errno != EBUSY)
        break;
      g_usleep (2 * G_TIME_SPAN_MILLISECOND);
    }
  g_debug ("removing the cgroup %s: %s", dir, g_strerror (errno));
}

void
sb_cgroup_destroy (SbCgroup *cgroup)
{
  if (cgroup == NULL)
    return;
  for (guint i = 0; i < cgroup->join_fds->len; i++)
    close (g_array_index (cgroup->join_fds, int, i));
  g_clear_fd (&cgroup->clone_fd, NULL);
  for (guint i = 0; i < cgroup->places->len; i++)
    remove_dir (g_array_index (cgroup->places, Place, i).dir);
  /* The tool's own leaf stays while it lives: the next run removes it. */
  if (cgroup->v2_parent != NULL)
    remove_tree (cgroup->v2_parent);
  g_free (cgroup->v2_parent);
  g_array_unref (cgroup->places);
  g_array_unref (cgroup->join_fds);
  g_free (cgroup);
}
