/* Closing every inherited fd but a few, for pid 1 of the sandbox.
 *
 * close_range (Linux 5.9) closes each gap between the kept fds in one call.
 * Where it is missing (an older kernel answers ENOSYS, a container's seccomp
 * profile that predates it ENOSYS or EPERM), the fds are found in the
 * process's fd directory instead, which must be opened beforehand: by then
 * the sandbox's /proc may be another pid namespace's, or absent. */
#pragma once

#include <glib.h>

/* What sb_fds_close_except needs, got while PROC_FD (a procfs directory
 * that sees this process) is at hand: *FD_DIR is -1 where close_range
 * works (asked of the kernel once per process), else this process's fd
 * directory (close-on-exec). */
gboolean sb_fds_prepare_close (int proc_fd, int *fd_dir, GError **error);

/* Closes every fd from 3 up but those in KEEP (sorted in place).  FD_DIR
 * is what sb_fds_prepare_close gave, and is closed too. */
gboolean sb_fds_close_except (int *keep, guint n_keep, int fd_dir, GError **error);
