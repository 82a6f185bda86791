/* Resolving paths inside the new root without ever leaving it.
 *
 * Every destination of a mount op is looked up from an fd on the new root,
 * with that fd acting as "/": ".." stops there, absolute symlinks restart
 * there, and magic links (/proc/PID/fd/N) are refused.  A symlink planted
 * along the path, even one swapped in while we build, can at worst redirect
 * the operation to another place inside the new root.  The kernel does this
 * for us with openat2 (RESOLVE_IN_ROOT, Linux 5.6); older kernels get a
 * userspace walk that opens one component at a time with O_NOFOLLOW. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Opens PATH ("/" prefix optional) as if ROOT_FD were "/", with FLAGS as for
 * openat (O_CLOEXEC is added; O_NOFOLLOW applies to the last component;
 * O_CREAT creates the last component inside the root, through a dangling
 * symlink too).  Returns an fd, or -1 with errno set. */
int sb_pathsafe_open (int root_fd, const char *path, int flags, mode_t mode);

/* Makes PATH and its missing parents directories with MODE (the umask
 * applies), resolving as sb_pathsafe_open does.  Returns an O_PATH fd on the
 * directory, or -1 with errno set (ENOTDIR when a component is not one). */
int sb_pathsafe_mkdirs (int root_fd, const char *path, mode_t mode);

/* Selects the userspace walk even when openat2 exists, so that the unit
 * tests can run both (the integration tests hide openat2 with seccomp). */
void sb_pathsafe_set_fallback (gboolean fallback);

/* bwrap's rule for missing parents of a destination created with PERMS
 * (0 for an op without a mode): 0755, without the group bits when PERMS
 * grants the group nothing, without the other bits likewise. */
guint32 sb_pathsafe_parent_mode (guint32 perms);
