#include "sandbox/child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "sandbox/caps.h"
#include "sandbox/channel.h"
#include "sandbox/diag.h"
#include "base/error.h"
#include "sandbox/exec.h"
#include "sandbox/fds.h"
#include "base/glib-compat.h"
#include "sandbox/idmap.h"
#include "sandbox/join.h"
#include "sandbox/loopback.h"
#include "base/pidfd.h"
#include "sandbox/reaper.h"
#include "sandbox/rlimits.h"
#include "plan/sysctls.h"
#include "sandbox/sysctl.h"
#include "sandbox/terminal.h"
#include "rootfs/rootfs.h"

typedef struct {
  const SbChildContext *ctx;
  const SbPlan *plan;
  int proc_fd;       /* the host's /proc, still reachable after pivot_root */
  int fd_dir;        /* pid 1's /proc/self/fd, where close_range is missing */
  pid_t parent;      /* what getppid() must return; 0 when the parent is not visible */
  GArray *lock_fds;  /* of int, held by pid 1 */
  guint64 bounding_left;  /* what the bounding set may still hold */
  guint64 pid1_guard;     /* see sb_caps_ptrace_guard */
} Child;

G_GNUC_NORETURN static void
fail (const Child *c, const GError *error)
{
  SbMsg msg = { 0 };

  /* With reports to write, the monitor reads our namespaces before we
   * exit: it answers, or is gone. */
  if (sb_channel_send_error (c->ctx->channel, error) && sb_channel_command_waits (c->plan))
    sb_channel_recv (c->ctx->channel, &msg, NULL);
  _exit (1);
}

/* The sandbox dies with the monitor, which --die-with-parent ties to the
 * caller: even a SIGKILLed monitor, which cannot tear it down, leaves
 * nothing behind.  bwrap does so only with --die-with-parent. */
static gboolean
dies_with_monitor (const Child *c)
{
  return c->plan->die_with_parent || !c->plan->keep_orphans;
}

/* The parent-death signal.  The kernel forgets it when credentials
 * change, so it is armed again after each change.  A parent that died
 * before it was armed is noticed here: it is no longer our parent, or the
 * monitor's end of the report socket is closed. */
static gboolean
arm_parent_death (const Child *c, GError **error)
{
  struct pollfd p = { .fd = c->ctx->channel, .events = 0 };

  if (!dies_with_monitor (c))
    return TRUE;
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    return sb_throw_errno (error, "setting the parent-death signal");
  if ((c->parent != 0 && getppid () != c->parent)
      || (poll (&p, 1, 0) == 1 && (p.revents & POLLHUP) != 0))
    _exit (1);
  return TRUE;
}

/* --block-fd, --userns-block-fd: one byte, or the end of the stream. */
static void
wait_on_fd (int fd)
{
  char byte;

  while (read (fd, &byte, 1) < 0 && errno == EINTR)
    ;
}

/* Closes every fd from 3 up but KEEP_FD (-1 for none). */
static gboolean
close_all_inherited (const Child *c, int keep_fd, GError **error)
{
  int fd_dir;

  return sb_fds_prepare_close (c->proc_fd, &fd_dir, error) && sb_fds_close_except (&keep_fd, 1, fd_dir, error);
}

/* --pidns with --unshare-pid: a pid namespace can only be created as a
 * child of the one we live in, and the clone put us in the --pidns one as
 * an ordinary process.  Create it here; the forked child is its pid 1 and
 * carries on, this process only waits for it and passes its exit status up
 * to the monitor. */
static gboolean
enter_nested_pid_ns (Child *c, GError **error)
{
  pid_t pid;
  int status;

  if (unshare (CLONE_NEWPID) != 0)
    return sb_throw_errno (error, "creating a pid namespace inside --pidns");
  pid = fork ();
  if (pid < 0)
    return sb_throw_errno (error, "forking into the new pid namespace");
  if (pid == 0)
    {
      /* The relay above is plumbing: never outlive it. */
      c->parent = 0;
      if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
        return sb_throw_errno (error, "setting the parent-death signal");
      return TRUE;
    }

  /* Nothing inherited stays open here for as long as the sandbox lives:
   * an --info-fd reader waits for its EOF. */
  if (!close_all_inherited (c, c->ctx->channel, error))
    return FALSE;
  close (c->ctx->channel);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      _exit (1);
  _exit (sb_reaper_exit_status (status));
}

static gboolean
plan_has_op (const SbPlan *plan, SbOpKind kind)
{
  for (guint i = 0; i < plan->ops->len; i++)
    if (sb_plan_op (plan, i)->kind == kind)
      return TRUE;
  return FALSE;
}

/* --uid / --gid, else the caller's id outside. */
static guint32
wanted_id (gint64 asked, guint32 outside)
{
  return asked >= 0 ? (guint32) asked : outside;
}

static guint32
wanted_uid (const Child *c)
{
  return wanted_id (c->plan->uid, c->ctx->outside_uid);
}

static guint32
wanted_gid (const Child *c)
{
  return wanted_id (c->plan->gid, c->ctx->outside_gid);
}

/* The IPC namespace's sysctls are writable by its root alone
 * (ipc_permissions in the kernel), whatever our capabilities. */
static gboolean
has_ipc_sysctls (const SbPlan *plan)
{
  return (sb_sysctls_namespaces (plan->sysctls) & SB_NS_IPC) != 0;
}

/* devpts can only be mounted with uid and gid 0 mapped, and the IPC
 * sysctls written by 0: then the setup runs as 0 in our user namespace,
 * and the command in a nested one that maps 0 to the requested ids, as
 * bwrap does for devpts. */
static gboolean
root_for_setup (const SbPlan *plan, SbNamespace created, guint32 outside_uid, guint32 outside_gid)
{
  /* Maps from outside (--map-*) always map 0. */
  return (created & SB_NS_USER) != 0 && (plan_has_op (plan, SB_OP_DEV) || has_ipc_sysctls (plan))
         && !sb_idmapping_wanted (&plan->idmapping)
         && (wanted_id (plan->uid, outside_uid) != 0 || wanted_id (plan->gid, outside_gid) != 0);
}

/* --disable-userns sets a limit in our user namespace, which the command
 * must not be able to change: it too runs in a nested one. */
static gboolean
nested_userns (const SbPlan *plan, SbNamespace created, guint32 outside_uid, guint32 outside_gid)
{
  return root_for_setup (plan, created, outside_uid, outside_gid)
         || ((created & SB_NS_USER) != 0 && plan->disable_userns);
}

static gboolean
needs_root_for_setup (const Child *c)
{
  return root_for_setup (c->plan, c->ctx->created, c->ctx->outside_uid, c->ctx->outside_gid);
}

static gboolean
needs_nested_userns (const Child *c)
{
  return nested_userns (c->plan, c->ctx->created, c->ctx->outside_uid, c->ctx->outside_gid);
}

/* The command's capabilities act on the namespaces its user namespace
 * owns: with a nested one, the network, uts and ipc namespaces are made
 * in it, after the setup (make_namespaces_inside), rather than by clone.
 * Not the ipc namespace that a --mqueue mounts during the setup, nor any
 * with --userns-block-fd: the reports, which name them, are written
 * before the maps; nor those a --sysctl is for, written before the rootfs
 * (set_up). */
SbNamespace
sb_child_namespaces_made_inside (const SbPlan *plan, SbNamespace created, guint32 outside_uid,
                                 guint32 outside_gid)
{
  SbNamespace inside = SB_NS_NET | SB_NS_UTS;
  /* Always here (enter_time_namespace): its offsets must be written
   * before any process enters it, which clone's child would. */
  SbNamespace time = created & SB_NS_TIME;

  if (!nested_userns (plan, created, outside_uid, outside_gid) || plan->userns_block_fd >= 0)
    return time;
  if (!plan_has_op (plan, SB_OP_MQUEUE))
    inside |= SB_NS_IPC;
  return (created & inside & ~sb_sysctls_namespaces (plan->sysctls)) | time;
}

static gboolean
write_maps (const Child *c, const SbIdMap *map, GError **error)
{
  SbUsernsFacts facts;
  g_autofree char *cause = NULL;

  if (sb_idmap_write (c->proc_fd, "self", map, error))
    return TRUE;
  if (!g_error_matches (*error, SB_ERRNO_ERROR, EPERM)
      && !g_error_matches (*error, SB_ERRNO_ERROR, EACCES))
    return FALSE;
  if (map->uid_outside == 0 && (c->ctx->caller_caps & (G_GUINT64_CONSTANT (1) << CAP_SETFCAP)) == 0)
    cause = g_strdup ("since Linux 5.12, mapping uid 0 of the parent namespace needs "
                      "CAP_SETFCAP there, which the caller lacks; run as another uid");
  else
    {
      sb_diag_userns_facts_read (&facts);
      cause = sb_diag_userns_cause (&facts, (*error)->code);
    }
  sb_error_add_hint (*error, "%s", cause);
  return FALSE;
}

static guint32
setup_uid (const Child *c)
{
  return needs_root_for_setup (c) ? 0 : wanted_uid (c);
}

static guint32
setup_gid (const Child *c)
{
  return needs_root_for_setup (c) ? 0 : wanted_gid (c);
}

/* To UID and GID, keeping the capabilities until they are set for the
 * command. */
static gboolean
change_ids (const Child *c, uid_t uid, gid_t gid, GError **error)
{
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
    return sb_throw_errno (error, "keeping capabilities across the id switch");
  if (setresgid (gid, gid, gid) != 0)
    return sb_throw_errno (error, "switching to gid %u", (guint) gid);
  if (setresuid (uid, uid, uid) != 0)
    return sb_throw_errno (error, "switching to uid %u", (guint) uid);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
    return sb_throw_errno (error, "resetting keep-capabilities");
  /* A uid change empties the effective set; the steps left need it. */
  if (!sb_caps_raise_effective (error))
    return FALSE;
  return arm_parent_death (c, error);
}

/* --map-*: the monitor writes the maps (newuidmap) and says so.  We are
 * then whatever the caller's ids map to, maybe nothing: become --uid and
 * --gid before the setup creates files, without the caller's
 * supplementary groups, which the full gid map lets us drop (podman does
 * too). */
static gboolean
await_maps (const Child *c, GError **error)
{
  SbMsg msg = { 0 };

  if (sb_channel_recv (c->ctx->channel, &msg, NULL) != SB_CHANNEL_MESSAGE
      || msg.type != SB_MSG_MAPPED)
    _exit (1);
  if (c->plan->userns_block_fd >= 0)
    wait_on_fd (c->plan->userns_block_fd);
  /* newgidmap denies setgroups when it maps the caller's gid alone (no
   * --map-auto nor --map-groups): the groups stay then, as with one-line maps. */
  if (setgroups (0, NULL) != 0 && errno != EPERM)
    return sb_throw_errno (error, "dropping the supplementary groups");
  return change_ids (c, (uid_t) c->plan->uid, (gid_t) c->plan->gid, error);
}

static gboolean
map_outer_userns (const Child *c, GError **error)
{
  SbIdMap map = {
    .uid_inside = setup_uid (c),
    .uid_outside = c->ctx->outside_uid,
    .gid_inside = setup_gid (c),
    .gid_outside = c->ctx->outside_gid,
  };

  if ((c->ctx->created & SB_NS_USER) == 0)
    return TRUE;
  if (sb_idmapping_wanted (&c->plan->idmapping))
    return await_maps (c, error);
  /* An outside helper (newuidmap) writes the maps meanwhile. */
  if (c->plan->userns_block_fd >= 0)
    {
      wait_on_fd (c->plan->userns_block_fd);
      return TRUE;
    }
  return write_maps (c, &map, error);
}

/* What the sandbox's own network and uts namespaces need, done in
 * whichever user namespace made them (WHICH: those made by it). */
static gboolean
set_up_namespaces (const Child *c, SbNamespace which, GError **error)
{
  const char *hostname = c->plan->hostname;

  if ((which & SB_NS_NET) != 0 && !sb_net_loopback_up (error))
    return FALSE;
  if ((which & SB_NS_UTS) != 0 && hostname != NULL && sethostname (hostname, strlen (hostname)) != 0)
    return sb_throw_errno (error, "sethostname %s", hostname);
  return TRUE;
}

/* The namespaces the nested user namespace is to own (ctx->made_inside),
 * made just after it and set up. */
static gboolean
make_namespaces_inside (const Child *c, GError **error)
{
  SbNamespace inside = c->ctx->made_inside & ~SB_NS_TIME;
  int flags = ((inside & SB_NS_NET) ? CLONE_NEWNET : 0) | ((inside & SB_NS_UTS) ? CLONE_NEWUTS : 0)
              | ((inside & SB_NS_IPC) ? CLONE_NEWIPC : 0);

  if (inside == 0)
    return TRUE;
  if (unshare (flags) != 0)
    return sb_throw_errno (error, "creating the namespaces of the nested user namespace");
  return set_up_namespaces (c, inside, error);
}

/* --unshare-time: a time namespace is entered by the children of the
 * process that made it, once its offsets are written; we enter it
 * ourselves, so that pid 1 is in it too and reports it. */
static gboolean
enter_time_namespace (const Child *c, GError **error)
{
  g_autofree char *offsets = sb_time_offsets_format (&c->plan->time_offsets);
  g_autofd int ns_fd = -1;

  if ((c->ctx->created & SB_NS_TIME) == 0)
    return TRUE;
  if (unshare (CLONE_NEWTIME) != 0)
    return sb_throw_errno (error, "--unshare-time: creating the time namespace (Linux 5.6 and "
                           "later have them)");
  if (offsets != NULL)
    {
      g_autofd int fd = openat (c->proc_fd, "self/timens_offsets", O_WRONLY | O_CLOEXEC | O_NOCTTY);

      if (fd < 0 || write (fd, offsets, strlen (offsets)) != (ssize_t) strlen (offsets))
        return sb_throw_errno (error, "%s",
                               errno == ERANGE
                                 ? "--monotonic-offset, --boottime-offset: the clock in the "
                                   "sandbox would go below 0"
                                 : "writing the time namespace's offsets");
    }
  ns_fd = openat (c->proc_fd, "self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0 || setns (ns_fd, CLONE_NEWTIME) != 0)
    return sb_throw_errno (error, "entering the time namespace");
  return TRUE;
}

/* After the setup, which needed our powers over the namespaces: the
 * user-namespace changes that take them away. */
static gboolean
enter_final_userns (Child *c, GError **error)
{
  const SbPlan *plan = c->plan;

  if (plan->disable_userns)
    {
      g_autofd int fd = openat (c->proc_fd, "sys/user/max_user_namespaces",
                                O_WRONLY | O_CLOEXEC | O_NOCTTY);

      if (fd < 0)
        return sb_throw_errno (error, "cannot open /proc/sys/user/max_user_namespaces");
      if (write (fd, "1", 1) != 1)
        return sb_throw_errno (error, "sysctl user.max_user_namespaces = 1");
    }

  if (needs_nested_userns (c))
    {
      SbIdMap map = {
        .uid_inside = wanted_uid (c),
        .uid_outside = setup_uid (c),
        .gid_inside = wanted_gid (c),
        .gid_outside = setup_gid (c),
      };

      if (unshare (CLONE_NEWUSER) != 0)
        return sb_throw_errno (error, "unshare user ns");
      if (!write_maps (c, &map, error) || !arm_parent_death (c, error) || !make_namespaces_inside (c, error))
        return FALSE;
    }
  if (!enter_time_namespace (c, error))
    return FALSE;
  /* The monitor names these in the reports too. */
  if (c->ctx->made_inside != 0 && sb_channel_command_waits (plan)
      && !sb_channel_send (c->ctx->channel, SB_MSG_NAMESPACES, 0))
    _exit (1);

  if (plan->userns2_fd >= 0)
    {
      if (setns (plan->userns2_fd, CLONE_NEWUSER) != 0)
        return sb_throw_errno (error, "Setting userns2 failed");
      if (!arm_parent_death (c, error))
        return FALSE;
    }

  if ((plan->disable_userns || plan->assert_userns_disabled) && unshare (CLONE_NEWUSER) == 0)
    return sb_throw (error, SB_ERROR_SETUP,
                     "creation of new user namespaces was not disabled as requested");
  return TRUE;
}

/* With --userns, the joined namespace may map the caller to another id
 * than --uid/--gid ask for: switch.  (In a namespace of ours the maps did
 * it.) */
static gboolean
switch_ids (Child *c, GError **error)
{
  uid_t uid = c->plan->uid >= 0 ? (uid_t) c->plan->uid : getuid ();
  gid_t gid = c->plan->gid >= 0 ? (gid_t) c->plan->gid : getgid ();

  if ((c->ctx->created & SB_NS_USER) != 0 || (getuid () == uid && getgid () == gid))
    return TRUE;
  return change_ids (c, uid, gid, error);
}

static void
set_cloexec (int fd)
{
  int flags;

  if (fd < 0)
    return;
  flags = fcntl (fd, F_GETFD);
  if (flags >= 0)
    fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
}

/* The fds the plan names are ours to use, not the command's: bwrap closes
 * them too.  Inherited fds the plan does not name stay open, on purpose. */
static void
protect_plan_fds (const SbPlan *plan)
{
  const int fds[] = {
    plan->userns_fd, plan->userns2_fd, plan->pidns_fd, plan->info_fd, plan->json_status_fd,
    plan->block_fd, plan->userns_block_fd, plan->seccomp_fd,
  };

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    set_cloexec (fds[i]);
  for (guint i = 0; i < plan->seccomp_fds->len; i++)
    set_cloexec (g_array_index (plan->seccomp_fds, int, i));
  for (guint i = 0; i < plan->ops->len; i++)
    set_cloexec (sb_plan_op (plan, i)->fd);
  /* With --as-pid-1 there is no pid 1 of ours to hold it: bwrap leaks it
   * to the command. */
  if (!plan->as_pid_1)
    set_cloexec (plan->sync_fd);
}

static gboolean
take_locks (Child *c, GError **error)
{
  for (guint i = 0; i < c->plan->lock_files->len; i++)
    {
      const char *path = g_ptr_array_index (c->plan->lock_files, i);
      struct flock lock = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
      int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

      if (fd < 0)
        return sb_throw_errno (error, "Unable to open lock file %s", path);
      g_array_append_val (c->lock_fds, fd);
      if (fcntl (fd, F_SETLK, &lock) != 0)
        return sb_throw_errno (error, "Unable to lock file %s", path);
    }
  return TRUE;
}

static gboolean
set_exec_label (const Child *c, GError **error)
{
  const char *label = c->plan->exec_label;
  g_autofd int fd = -1;
  ssize_t n;

  if (label == NULL)
    return TRUE;
  fd = openat (c->proc_fd, "thread-self/attr/exec", O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return sb_throw_errno (error, "setting the exec label %s", label);
  do
    n = write (fd, label, strlen (label));
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return sb_throw_errno (error, "setting the exec label %s", label);
  return TRUE;
}

/* Whether pid 1 exits as soon as the command does, which kills every
 * other process of its pid namespace.  Without a pid namespace of ours it
 * stays the reaper of the orphans, however long they live. */
static gboolean
stop_with_command (const Child *c)
{
  return ((c->ctx->created & SB_NS_PID) != 0 || c->ctx->nested_pid_ns)
         && !c->plan->keep_orphans;
}

/* pid 1: holds the sync fd and the locks, reaps, passes signals on.  It
 * keeps nothing else (an inherited pipe would otherwise stay open as long
 * as the sandbox lives), keeps no capability but the guard (never
 * effective) and loads the filters, so that the command cannot use it to
 * get out. */
G_GNUC_NORETURN static void
run_pid1 (Child *c, pid_t command)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) keep = g_array_new (FALSE, FALSE, sizeof (int));
  sigset_t signals;
  int signal_fd;

  sb_reaper_signals (c->plan, &signals);
  signal_fd = signalfd (-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0)
    {
      sb_throw_errno (&error, "creating pid 1's signalfd");
      goto out;
    }
  g_array_append_val (keep, c->ctx->channel);
  g_array_append_val (keep, signal_fd);
  g_array_append_val (keep, c->plan->sync_fd);
  g_array_append_val (keep, c->ctx->join_fd);
  g_array_append_vals (keep, c->lock_fds->data, c->lock_fds->len);

  /* Without a pid namespace, orphans of the sandbox come back to us. */
  if ((c->ctx->created & SB_NS_PID) == 0 && !c->ctx->nested_pid_ns
      && prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    {
      sb_throw_errno (&error, "becoming the sandbox's reaper");
      goto out;
    }
  if (!sb_fds_close_except ((int *) keep->data, keep->len, g_steal_fd (&c->fd_dir), &error)
      || !sb_caps_drop_bounding (c->bounding_left, &error)
      || !sb_caps_apply (c->pid1_guard, 0, FALSE, &error) || !arm_parent_death (c, &error)
      || !sb_rlimits_apply (&c->plan->limits, &error)
      || !sb_seccomp_load (c->ctx->filters, &error))
    goto out;
  _exit (sb_reaper_run (&(SbReaper) {
    .command = command,
    .stop_with_command = stop_with_command (c),
    .report_stops = c->ctx->take_terminal,
    .signal_fd = signal_fd,
    .channel = c->ctx->channel,
    .join = &(SbJoinTarget) {
      .channel = c->ctx->join_fd,
      .envp = c->ctx->exec->envp,
      .mask = &c->ctx->saved_mask,
      .caps = c->ctx->command_caps,
      .ambient = c->ctx->command_ambient,
    },
  }));

out:
  kill (command, SIGKILL);
  fail (c, error);
}

/* The command's process, from the fork to exec: only what must happen in
 * it, as each page of code it touches adds to its memory before exec. */
G_GNUC_NORETURN static void
run_command (Child *c)
{
  const SbPlan *plan = c->plan;
  g_autoptr(GError) error = NULL;

  /* The monitor learns our pid from this, for the reports. */
  if (sb_channel_command_waits (plan))
    {
      SbMsg msg = { 0 };

      if (!sb_channel_send (c->ctx->channel, SB_MSG_COMMAND, 0))
        _exit (1);
      /* Anything but the go-ahead: the monitor failed and kills us. */
      if (sb_channel_recv (c->ctx->channel, &msg, NULL) != SB_CHANNEL_MESSAGE
          || msg.type != SB_MSG_REPORTED)
        _exit (1);
    }
  if (!sb_caps_apply (c->ctx->command_caps, c->ctx->command_caps, c->ctx->command_ambient,
                      &error)
      || !arm_parent_death (c, &error))
    fail (c, error);
  if (plan->block_fd >= 0)
    wait_on_fd (plan->block_fd);
  if (c->ctx->take_terminal && !sb_terminal_take_foreground (&error))
    fail (c, error);
  if (sigprocmask (SIG_SETMASK, &c->ctx->saved_mask, NULL) != 0)
    {
      sb_throw_errno (&error, "restoring the signal mask");
      fail (c, error);
    }
  /* Only the exit line of --json-status-fd needs to know. */
  if (plan->json_status_fd >= 0 && !sb_channel_send (c->ctx->channel, SB_MSG_EXEC, 0))
    _exit (1);
  /* Last: the filters may forbid anything the steps above need; the
   * limits as late as that, so that none of our steps runs into them. */
  if (!sb_rlimits_apply (&plan->limits, &error) || !sb_seccomp_load (c->ctx->filters, &error))
    fail (c, error);
  sb_exec_command (plan, c->ctx->exec, &error);
  fail (c, error);
}

/* bwrap leaves the bounding set of root alone outside a user namespace;
 * no_new_privs already stops any gain at exec.  Under the sandbox
 * personality (plan->drop_root_caps) root loses it too. */
static gboolean
shrink_bounding (const Child *c)
{
  /* In place, an unprivileged caller cannot drop it; no_new_privs still
   * keeps exec from gaining anything. */
  if (sb_landlock_in_place (c->ctx->landlock))
    return FALSE;
  return (c->ctx->created & SB_NS_USER) != 0 || c->plan->userns_fd >= 0
         || c->plan->drop_root_caps || getuid () != 0;
}

/* pid 1 is a copy of the monitor, which started with the caller's whole
 * environment, before --clearenv or --unsetenv: /proc/1/environ shows
 * those strings to anyone who may read pid 1's memory.  They are
 * overwritten in place, where the kernel reads them (env_start..env_end
 * of /proc/self/stat; PR_SET_MM, which could move the area, needs
 * CAP_SYS_RESOURCE outside).  Nothing reads the environment here after
 * this: the command gets plan->envp. */
static gboolean
scrub_caller_environment (const Child *c, GError **error)
{
  char text[1024];
  g_autofd int fd = openat (c->proc_fd, "self/stat", O_RDONLY | O_CLOEXEC);
  guint64 value[2] = { 0, 0 };
  const char *p;
  ssize_t n;
  int field;

  if (fd < 0)
    return sb_throw_errno (error, "opening /proc/self/stat");
  do
    n = read (fd, text, sizeof text - 1);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return sb_throw_errno (error, "reading /proc/self/stat");
  text[n] = '\0';

  /* The fields after the command name (which may hold anything), from the
   * third on, each after one space: env_start is the 50th, env_end the
   * 51st.  No library parser: each page of code touched here stays in pid
   * 1's memory. */
  p = strrchr (text, ')');
  for (field = 2; p != NULL && *p != '\0' && *p != '\n' && field <= 51; p++)
    {
      if (*p == ' ')
        field++;
      else if (field >= 50 && *p >= '0' && *p <= '9')
        value[field - 50] = value[field - 50] * 10 + (guint64) (*p - '0');
    }
  if (field < 51 || value[0] == 0 || value[1] < value[0])
    return sb_throw (error, SB_ERROR_SETUP, "unexpected /proc/self/stat: %s", text);
  memset ((void *) (uintptr_t) value[0], 0, value[1] - value[0]);
  return TRUE;
}

/* What the command's process and pid 1 share, done once before the fork:
 * the working directory (pid 1 shares it, as bwrap's does) and with it the
 * command's PWD, the bounding set, no_new_privs, Landlock, our
 * built-in policy. */
static gboolean
prepare_command (Child *c, GError **error)
{
  if (!sb_exec_enter_cwd (c->ctx->exec, error))
    return FALSE;
  c->bounding_left = G_MAXUINT64;
  if (shrink_bounding (c))
    {
      if (!sb_caps_drop_bounding (~c->ctx->command_caps, error))
        return FALSE;
      c->bounding_left = c->ctx->command_caps;
    }
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return sb_throw_errno (error, "setting no_new_privs");
  /* Before seccomp, whose policy file may refuse the Landlock calls. */
  if (c->ctx->landlock != NULL && !sb_landlock_apply (c->ctx->landlock, error))
    return FALSE;
  return sb_seccomp_load_shared (c->ctx->filters, error);
}

/* pid 1's guard (see sb_caps_ptrace_guard), and the scrubbed environment
 * when the command can read pid 1's memory anyway: it holds CAP_SYS_PTRACE
 * or every capability pid 1 has (root keeps them all under the bwrap
 * personality, as with bwrap). */
static gboolean
prepare_pid1 (Child *c, GError **error)
{
  guint64 held;

  if (!sb_caps_get_permitted (&held, error))
    return FALSE;
  c->pid1_guard = sb_caps_ptrace_guard (held, c->ctx->command_caps);
  if (!sb_fds_prepare_close (c->proc_fd, &c->fd_dir, error))
    return FALSE;
  if (c->pid1_guard == 0
      || (c->ctx->command_caps & (G_GUINT64_CONSTANT (1) << CAP_SYS_PTRACE)) != 0)
    return scrub_caller_environment (c, error);
  return TRUE;
}

gboolean
sb_child_needs_pid1 (const SbPlan *plan, SbNamespace created, gboolean nested_pid_ns)
{
  if (plan->as_pid_1)
    return FALSE;
  return (created & SB_NS_PID) != 0 || nested_pid_ns || plan->lock_files->len > 0
         || plan->sync_fd >= 0 || plan->name != NULL;
}

static gboolean
needs_pid1 (const Child *c)
{
  return sb_child_needs_pid1 (c->plan, c->ctx->created, c->ctx->nested_pid_ns);
}

/* The host's /proc, for the steps that write to it and for the ops, which
 * may cover /proc.  Only a real procfs will do: what the caller mounted
 * there could answer for "self". */
static gboolean
open_proc (Child *c, GError **error)
{
  struct statfs st;

  c->proc_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->proc_fd < 0)
    return sb_throw_errno (error, "opening /proc");
  if (fstatfs (c->proc_fd, &st) != 0)
    return sb_throw_errno (error, "checking /proc");
  if (st.f_type != PROC_SUPER_MAGIC)
    return sb_throw (error, SB_ERROR_SETUP, "/proc is not a procfs (filesystem type %#lx)",
                     (unsigned long) st.f_type);
  return TRUE;
}

/* --sysctl of the network and IPC namespaces, as root of them for the IPC
 * ones: with --map-* we are already --uid, and 0 is mapped to become it
 * for the writes. */
static gboolean
write_sysctls (const Child *c, GError **error)
{
  uid_t euid = geteuid ();
  gboolean become_root = euid != 0 && has_ipc_sysctls (c->plan);
  gboolean ok;

  if (become_root && seteuid (0) != 0)
    return sb_throw_errno (error, "--sysctl: becoming uid 0 of the sandbox for its IPC sysctls");
  ok = sb_sysctls_write (c->proc_fd, c->plan->sysctls, SB_NS_NET | SB_NS_IPC, error);
  if (!become_root)
    return ok;
  /* Leaving 0 for good would empty the permitted set, and leaving it at
   * all empties the effective one: the steps left need both. */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || seteuid (euid) != 0
      || prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
    return ok ? sb_throw_errno (error, "switching back to uid %u", (guint) euid) : FALSE;
  return ok && sb_caps_raise_effective (error);
}

static gboolean
set_up (Child *c, GError **error)
{
  const SbPlan *plan = c->plan;

  if (!arm_parent_death (c, error))
    return FALSE;
  if (!open_proc (c, error))
    return FALSE;
  if (c->ctx->nested_pid_ns)
    {
      if (!enter_nested_pid_ns (c, error))
        return FALSE;
      /* Only there is our pid not the one clone returned to the monitor,
       * and only a pidfd lets it signal us without hitting another
       * process that got the pid after we were reaped (none on Linux
       * before 5.3: the monitor then signals the relay). */
      g_autofd int pidfd = sb_pidfd_open (getpid ());

      if (!sb_channel_send_fd (c->ctx->channel, SB_MSG_INIT, pidfd))
        _exit (1);
    }

  /* Before the namespaces of ours are made inside a nested user namespace
   * (whose root we are not) and the rootfs: they are not with sysctls. */
  if (!map_outer_userns (c, error)
      || !set_up_namespaces (c, c->ctx->created & ~c->ctx->made_inside, error)
      || !write_sysctls (c, error))
    return FALSE;

  /* In place, the host's tree is the sandbox's, as Landlock lets it be seen. */
  if (!sb_landlock_in_place (c->ctx->landlock) && !sb_rootfs_build (plan, c->proc_fd, error))
    return FALSE;

  /* The limits of the user namespace the command will be in. */
  if (!enter_final_userns (c, error) || !switch_ids (c, error)
      || !sb_sysctls_write (c->proc_fd, plan->sysctls, SB_NS_USER, error))
    return FALSE;

  protect_plan_fds (plan);
  if (needs_pid1 (c) && !take_locks (c, error))
    {
      /* bwrap's message stands alone; ours says which option failed. */
      if (plan->personality == SB_PERSONALITY_SANDBOX)
        g_prefix_error (error, "--lock-file: ");
      return FALSE;
    }
  if (plan->new_session && setsid () == (pid_t) -1)
    return sb_throw_errno (error, "setsid");
  if (!set_exec_label (c, error) || !prepare_command (c, error))
    return FALSE;
  if (needs_pid1 (c) && !prepare_pid1 (c, error))
    return FALSE;
  g_clear_fd (&c->proc_fd, NULL);
  return TRUE;
}

/* The sandbox's cgroups (v1, or v2 without CLONE_INTO_CGROUP), joined first: every process of the sandbox
 * is born into them. */
static gboolean
join_cgroups (const SbChildContext *ctx, GError **error)
{
  for (guint i = 0; i < ctx->n_cgroup_fds; i++)
    {
      if (write (ctx->cgroup_fds[i], "0", 1) != 1)
        return sb_throw_errno (error, "joining the sandbox's cgroup");
      close (ctx->cgroup_fds[i]);
    }
  return TRUE;
}

void
sb_child_run (const SbChildContext *ctx)
{
  g_autoptr(GError) error = NULL;
  Child c = {
    .ctx = ctx,
    .plan = ctx->plan,
    .proc_fd = -1,
    .fd_dir = -1,
    .lock_fds = g_array_new (FALSE, FALSE, sizeof (int)),
  };
  pid_t command, pid1;

  close (ctx->monitor_channel);
  /* Outside a new pid namespace our parent, the monitor, stays visible. */
  if ((ctx->created & SB_NS_PID) == 0 && ctx->plan->pidns_fd < 0)
    c.parent = ctx->monitor_pid;

  if (!join_cgroups (ctx, &error) || !set_up (&c, &error))
    fail (&c, error);
  if (!needs_pid1 (&c))
    run_command (&c);

  pid1 = getpid ();
  command = fork ();
  if (command < 0)
    {
      sb_throw_errno (&error, "forking the command");
      fail (&c, error);
    }
  if (command > 0)
    run_pid1 (&c, command);
  c.parent = pid1;
  run_command (&c);
}
