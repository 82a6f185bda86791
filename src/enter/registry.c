#include "enter/registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "base/read.h"

#define ENTRY_SUFFIX ".entry"
#define SOCKET_SUFFIX ".sock"
#define GROUP "sandbox"
/* An entry is a few lines; a command line longer than this is cut. */
#define ENTRY_MAX (256 * 1024)

struct _SbRegistration {
  char *dir;
  int dir_fd;
  int listen_fd;
  SbRegistryEntry *entry;
};

void
sb_registry_entry_free (SbRegistryEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_strfreev (entry->command);
  g_free (entry->confinement);
  g_free (entry);
}

static SbRegistryEntry *
entry_copy (const SbRegistryEntry *from)
{
  SbRegistryEntry *to = g_memdup2 (from, sizeof *from);

  to->name = g_strdup (from->name);
  to->command = g_strdupv (from->command);
  to->confinement = g_strdup (from->confinement);
  return to;
}

static char *
registry_dir (const char *runtime_dir, uid_t uid)
{
  if (runtime_dir != NULL && runtime_dir[0] == '/')
    return g_build_filename (runtime_dir, "sandbox", NULL);
  return g_strdup_printf ("/tmp/sandbox-%u", (guint) uid);
}

/* The registry's directory, locked.  Not a symlink, the user's own, and
 * nobody else's to read or write: a directory someone else made (in /tmp)
 * could hand us their entries.  -1 without an error when it does not
 * exist and CREATE is false. */
static int
open_dir (const char *path, uid_t uid, gboolean create, GError **error)
{
  g_autofd int fd = -1;
  struct stat st;

  if (create && mkdir (path, 0700) != 0 && errno != EEXIST)
    return sb_throw_errno (error, "creating the registry of named sandboxes %s", path), -1;
  fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && !create)
    return -1;
  if (fd < 0)
    return sb_throw_errno (error, "opening the registry of named sandboxes %s", path), -1;
  if (fstat (fd, &st) != 0)
    return sb_throw_errno (error, "checking %s", path), -1;
  if (st.st_uid != uid || (st.st_mode & 077) != 0)
    return sb_throw (error, SB_ERROR_SETUP,
                     "the registry of named sandboxes %s is not private to uid %u "
                     "(owner %u, mode %04o): remove it",
                     path, (guint) uid, (guint) st.st_uid, (guint) (st.st_mode & 07777)), -1;
  if (flock (fd, LOCK_EX) != 0)
    return sb_throw_errno (error, "locking %s", path), -1;
  return g_steal_fd (&fd);
}

/* Field 22 of /proc/PID/stat; 0 when the process is gone. */
static guint64
start_time (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  const char *p;
  guint64 value = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* After the command name, which may hold anything: field 3 on. */
  p = strrchr (text, ')');
  for (int field = 2; p != NULL && *p != '\0'; p++)
    {
      if (*p == ' ')
        field++;
      else if (field == 22 && g_ascii_isdigit (*p))
        value = value * 10 + (guint64) (*p - '0');
      else if (field > 22)
        break;
    }
  return value;
}

/* Whether ENTRY's process still runs: a pidfd of its pid, then its start
 * time, then the pidfd again (the pid was still that process when its
 * start time was read).  *PIDFD keeps the pidfd when asked for. */
static gboolean
entry_alive (const SbRegistryEntry *entry, int *pidfd)
{
  g_autofd int fd = entry->pid > 0 ? (int) syscall (SYS_pidfd_open, entry->pid, 0) : -1;

  if (fd < 0 && errno != ENOSYS)
    return FALSE;
  if (entry->start_time == 0 || start_time (entry->pid) != entry->start_time)
    return FALSE;
  if (fd >= 0 && syscall (SYS_pidfd_send_signal, fd, 0, NULL, 0) != 0 && errno == ESRCH)
    return FALSE;
  if (pidfd != NULL)
    *pidfd = g_steal_fd (&fd);
  return TRUE;
}

static char *
file_name (const char *name, const char *suffix)
{
  return g_strconcat (name, suffix, NULL);
}

static SbRegistryEntry *
read_entry (int dir_fd, const char *name)
{
  g_autofree char *file = file_name (name, ENTRY_SUFFIX);
  g_autofd int fd = openat (dir_fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  g_autoptr(GByteArray) data = NULL;
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  SbRegistryEntry *entry;

  if (fd < 0)
    return NULL;
  data = sb_read_to_eof (fd, ENTRY_MAX);
  if (data == NULL
      || !g_key_file_load_from_data (keys, (const char *) data->data, data->len, 0, NULL))
    return NULL;
  entry = g_new0 (SbRegistryEntry, 1);
  entry->name = g_strdup (name);
  entry->pid = (pid_t) g_key_file_get_int64 (keys, GROUP, "pid", NULL);
  entry->start_time = g_key_file_get_uint64 (keys, GROUP, "start-time", NULL);
  entry->sandbox_pid = (pid_t) g_key_file_get_int64 (keys, GROUP, "sandbox-pid", NULL);
  entry->started = g_key_file_get_int64 (keys, GROUP, "started", NULL);
  entry->command = g_key_file_get_string_list (keys, GROUP, "command", NULL, NULL);
  entry->confinement = g_key_file_get_string (keys, GROUP, "confinement", NULL);
  if (entry->command == NULL)
    entry->command = g_new0 (char *, 1);
  if (entry->confinement == NULL)
    entry->confinement = g_strdup ("");
  return entry;
}

/* Written whole under another name, then renamed: a reader never sees
 * half an entry. */
static gboolean
write_entry (int dir_fd, const SbRegistryEntry *entry, GError **error)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *file = file_name (entry->name, ENTRY_SUFFIX);
  g_autofree char *partial = g_strconcat (".", file, ".new", NULL);
  g_autofree char *text = NULL;
  g_autofd int fd = -1;
  gsize length, done = 0;

  g_key_file_set_int64 (keys, GROUP, "pid", entry->pid);
  g_key_file_set_uint64 (keys, GROUP, "start-time", entry->start_time);
  g_key_file_set_int64 (keys, GROUP, "sandbox-pid", entry->sandbox_pid);
  g_key_file_set_int64 (keys, GROUP, "started", entry->started);
  g_key_file_set_string_list (keys, GROUP, "command", (const char *const *) entry->command,
                              g_strv_length (entry->command));
  g_key_file_set_string (keys, GROUP, "confinement", entry->confinement);
  text = g_key_file_to_data (keys, &length, NULL);

  fd = openat (dir_fd, partial, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return sb_throw_errno (error, "writing the entry of %s", entry->name);
  while (done < length)
    {
      ssize_t n = write (fd, text + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sb_throw_errno (error, "writing the entry of %s", entry->name);
      done += (gsize) n;
    }
  if (renameat (dir_fd, partial, dir_fd, file) != 0)
    return sb_throw_errno (error, "writing the entry of %s", entry->name);
  return TRUE;
}

static void
remove_entry (int dir_fd, const char *name)
{
  g_autofree char *entry = file_name (name, ENTRY_SUFFIX);
  g_autofree char *sock = file_name (name, SOCKET_SUFFIX);

  unlinkat (dir_fd, sock, 0);
  unlinkat (dir_fd, entry, 0);
}

static gboolean
socket_address (struct sockaddr_un *address, const char *dir, const char *name, GError **error)
{
  g_autofree char *path = g_strconcat (dir, "/", name, SOCKET_SUFFIX, NULL);

  *address = (struct sockaddr_un) { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof address->sun_path)
    return sb_throw (error, SB_ERROR_SETUP, "%s: longer than a unix socket's path may be (%zu bytes)",
                     path, sizeof address->sun_path - 1);
  memcpy (address->sun_path, path, strlen (path) + 1);
  return TRUE;
}

SbRegistration *
sb_registry_claim (const char *runtime_dir, uid_t uid, const SbRegistryEntry *entry,
                   GError **error)
{
  g_autoptr(SbRegistration) registration = g_new0 (SbRegistration, 1);
  g_autoptr(SbRegistryEntry) held = NULL;
  struct sockaddr_un address;
  int dir_fd;

  registration->listen_fd = -1;
  registration->dir = registry_dir (runtime_dir, uid);
  registration->dir_fd = dir_fd = open_dir (registration->dir, uid, TRUE, error);
  if (dir_fd < 0)
    return NULL;
  registration->entry = entry_copy (entry);
  registration->entry->pid = getpid ();
  registration->entry->start_time = start_time (getpid ());

  held = read_entry (dir_fd, entry->name);
  if (held != NULL && entry_alive (held, NULL))
    {
      sb_throw (error, SB_ERROR_INVALID, "--name %s: a running sandbox (pid %d) holds this name",
                entry->name, (int) held->pid);
      g_clear_pointer (&registration->entry, sb_registry_entry_free);
      return NULL;
    }
  remove_entry (dir_fd, entry->name);

  if (!socket_address (&address, registration->dir, entry->name, error))
    return NULL;
  registration->listen_fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (registration->listen_fd < 0
      || bind (registration->listen_fd, (struct sockaddr *) &address, sizeof address) != 0
      || listen (registration->listen_fd, 8) != 0)
    {
      sb_throw_errno (error, "--name %s: listening on %s", entry->name, address.sun_path);
      remove_entry (dir_fd, entry->name);
      g_clear_pointer (&registration->entry, sb_registry_entry_free);
      return NULL;
    }
  if (!write_entry (dir_fd, registration->entry, error))
    return NULL;
  flock (dir_fd, LOCK_UN);
  return g_steal_pointer (&registration);
}

int
sb_registration_listen_fd (const SbRegistration *registration)
{
  return registration->listen_fd;
}

gboolean
sb_registration_set_sandbox_pid (SbRegistration *registration, pid_t pid, GError **error)
{
  gboolean ok;

  if (flock (registration->dir_fd, LOCK_EX) != 0)
    return sb_throw_errno (error, "locking %s", registration->dir);
  registration->entry->sandbox_pid = pid;
  ok = write_entry (registration->dir_fd, registration->entry, error);
  flock (registration->dir_fd, LOCK_UN);
  return ok;
}

/* Removes the entry, if it is still ours: a name is never taken from
 * another live sandbox, even one that found ours stale. */
void
sb_registration_free (SbRegistration *registration)
{
  if (registration == NULL)
    return;
  if (registration->entry != NULL && flock (registration->dir_fd, LOCK_EX) == 0)
    {
      g_autoptr(SbRegistryEntry) now = read_entry (registration->dir_fd, registration->entry->name);

      if (now != NULL && now->pid == registration->entry->pid
          && now->start_time == registration->entry->start_time)
        remove_entry (registration->dir_fd, registration->entry->name);
    }
  g_clear_fd (&registration->listen_fd, NULL);
  g_clear_fd (&registration->dir_fd, NULL);
  sb_registry_entry_free (registration->entry);
  g_free (registration->dir);
  g_free (registration);
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const SbRegistryEntry *const *x = a, *const *y = b;

  return strcmp ((*x)->name, (*y)->name);
}

GPtrArray *
sb_registry_list (const char *runtime_dir, uid_t uid, GError **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) sb_registry_entry_free);
  g_autofree char *dir = registry_dir (runtime_dir, uid);
  g_autoptr(GError) local_error = NULL;
  g_autofd int dir_fd = open_dir (dir, uid, FALSE, &local_error);
  DIR *listing;
  struct dirent *d;

  if (dir_fd < 0 && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (dir_fd < 0)
    return g_steal_pointer (&entries);
  listing = fdopendir (fcntl (dir_fd, F_DUPFD_CLOEXEC, 3));
  if (listing == NULL)
    {
      sb_throw_errno (error, "listing %s", dir);
      return NULL;
    }
  while ((d = readdir (listing)) != NULL)
    {
      g_autofree char *name = NULL;
      SbRegistryEntry *entry;

      if (d->d_name[0] == '.' || !g_str_has_suffix (d->d_name, ENTRY_SUFFIX))
        continue;
      name = g_strndup (d->d_name, strlen (d->d_name) - strlen (ENTRY_SUFFIX));
      entry = read_entry (dir_fd, name);
      if (entry != NULL && entry_alive (entry, NULL))
        g_ptr_array_add (entries, entry);
      else
        {
          /* Its tool was killed (SIGKILL) before it could remove it. */
          sb_registry_entry_free (entry);
          remove_entry (dir_fd, name);
        }
    }
  closedir (listing);
  g_ptr_array_sort (entries, compare_entries);
  return g_steal_pointer (&entries);
}

static gboolean
matches (const SbRegistryEntry *entry, const char *target, gint64 pid)
{
  return strcmp (entry->name, target) == 0
         || (pid > 0 && (entry->pid == pid || entry->sandbox_pid == pid));
}

SbRegistryEntry *
sb_registry_find (const char *runtime_dir, uid_t uid, const char *target, int *pidfd,
                  GError **error)
{
  g_autoptr(GPtrArray) entries = sb_registry_list (runtime_dir, uid, error);
  gint64 pid = 0;
  char *end = NULL;

  if (entries == NULL)
    return NULL;
  if (g_ascii_isdigit (target[0]))
    {
      pid = g_ascii_strtoll (target, &end, 10);
      if (*end != '\0')
        pid = 0;
    }
  for (guint i = 0; i < entries->len; i++)
    {
      SbRegistryEntry *entry = g_ptr_array_index (entries, i);

      if (matches (entry, target, pid) && entry_alive (entry, pidfd))
        return g_ptr_array_steal_index (entries, i);
    }
  if (pid > 0)
    sb_throw (error, SB_ERROR_INVALID, "%s: not one of your named sandboxes (see sandbox list)",
              target);
  else
    sb_throw (error, SB_ERROR_INVALID, "%s: no sandbox of yours has this name (see sandbox list)",
              target);
  return NULL;
}

int
sb_registry_connect (const char *runtime_dir, uid_t uid, const SbRegistryEntry *entry,
                     GError **error)
{
  g_autofree char *dir = registry_dir (runtime_dir, uid);
  struct sockaddr_un address;
  g_autofd int fd = -1;

  if (!socket_address (&address, dir, entry->name, error))
    return -1;
  fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    return sb_throw_errno (error, "%s: connecting to the sandbox", entry->name), -1;
  return g_steal_fd (&fd);
}
