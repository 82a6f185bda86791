/* The registry of named sandboxes (--name): one directory per user,
 * $XDG_RUNTIME_DIR/sandbox (else /tmp/sandbox-UID), mode 0700, owned by
 * the user.  Per sandbox: NAME.entry (a key file: who holds the name) and
 * NAME.sock (where the monitor takes requests, enter/relay.h).  An entry
 * is live while the process that wrote it runs: checked with a pidfd and
 * its start time, never a bare pid, which may be another process by now.
 * Stale entries are removed by whoever sees them, under the directory's
 * lock. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct {
  char *name;
  pid_t pid;            /* the tool's process (the monitor), in the caller's pid namespace */
  guint64 start_time;   /* its start time, clock ticks since boot (/proc/PID/stat) */
  pid_t sandbox_pid;    /* the sandbox's pid 1, in the caller's pid namespace; 0 unknown */
  gint64 started;       /* seconds since the epoch */
  char **command;
  char *confinement;    /* "namespaces" or "in-place" */
} SbRegistryEntry;

void sb_registry_entry_free (SbRegistryEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbRegistryEntry, sb_registry_entry_free)

typedef struct _SbRegistration SbRegistration;

/* Claims ENTRY->name for this process (pid and start time are filled in):
 * refused in one line while a live sandbox holds it.  Returns the
 * registration, whose socket listens (non-blocking); freeing it removes
 * the entry and the socket. */
SbRegistration *sb_registry_claim (const char *runtime_dir, uid_t uid, const SbRegistryEntry *entry,
                                   GError **error);
int sb_registration_listen_fd (const SbRegistration *registration);
/* Records the sandbox's pid 1 once clone made it. */
gboolean sb_registration_set_sandbox_pid (SbRegistration *registration, pid_t pid, GError **error);
void sb_registration_free (SbRegistration *registration);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbRegistration, sb_registration_free)

/* The caller's live sandboxes, by name (stale entries removed on the way). */
GPtrArray *sb_registry_list (const char *runtime_dir, uid_t uid, GError **error);

/* The caller's sandbox named TARGET, or whose tool or pid 1 has the pid
 * TARGET; refused in one line when there is none.  *PIDFD (when not NULL)
 * is a pidfd of its tool's process, valid as long as it is held. */
SbRegistryEntry *sb_registry_find (const char *runtime_dir, uid_t uid, const char *target,
                                   int *pidfd, GError **error);

/* A connection to ENTRY's request socket (SOCK_SEQPACKET, close-on-exec). */
int sb_registry_connect (const char *runtime_dir, uid_t uid, const SbRegistryEntry *entry,
                         GError **error);
