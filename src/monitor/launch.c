#include "monitor/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/caps.h"
#include "sandbox/channel.h"
#include "sandbox/child.h"
#include "sandbox/diag.h"
#include "base/error.h"
#include "sandbox/exec.h"
#include "base/glib-compat.h"
#include "base/pidfd.h"
#include "sandbox/reaper.h"
#include "monitor/signals.h"
#include "monitor/status.h"
#include "cgroup/cgroup.h"
#include "enter/relay.h"
#include "monitor/usermap.h"
#include "sandbox/terminal.h"

/* The monitor: the caller's process, outside every namespace, which
 * creates the sandbox, reports on it and waits for the command. */
typedef struct {
  const SbPlan *plan;
  SbNamespace created;
  const SbLandlockRuleset *landlock;  /* loaded before seccomp, or NULL; in place: no namespace */
  SbNamespace existing; /* of created, those there to report: the sandbox makes some later */
  pid_t child;          /* our child: the sandbox's pid 1, or the relay of --pidns */
  int child_pidfd;      /* -1 without pidfds (Linux < 5.3) */
  pid_t sandbox_pid;    /* pid 1 of the sandbox, once it said so */
  int sandbox_pidfd;    /* pid 1's own when it is not our child, else -1 */
  pid_t command_pid;
  SbStatusInfo info;    /* pid 1 and its namespaces, for the reports */
  int channel;          /* -1 once every sandbox end is closed */
  int signal_fd;
  int parent_pidfd;     /* --die-with-parent, -1 if unavailable */
  gboolean reported;    /* --info-fd and the first --json-status-fd line written */
  gboolean exec_started;
  gboolean signalled;   /* a terminating signal came for us: tear the sandbox down */
  gboolean reaped;      /* our child is reaped: its pid may be reused */
  gboolean has_pid1;    /* our child, or the one below the relay, is our pid 1, not the command */
  sigset_t received;    /* the signals that came for us */
  SbTerminal terminal;
  gboolean held_terminal;   /* the command was given the terminal's foreground */
  int command_wait_status;  /* as wait(2) gave it, for the signal that killed the command */
  GError *child_error;  /* the first error the sandbox reported */
  gint64 deadline;      /* monotonic time of --timeout's next step, 0 when none */
  gboolean timed_out;   /* --timeout's SIGTERM went out */
  gboolean timeout_killed;  /* ... and its SIGKILL, --kill-after later */
  SbCgroup *cgroup;     /* --memory, --pids, --cpus; NULL without them */
  SbUserMap *usermap;   /* --map-*, written after clone; NULL without them */
  SbCgroupReport usage; /* what the cgroup counted, once the sandbox is gone */
  SbEnterRelay *relay;  /* --name; NULL without */
  gboolean done;
  int status;
} Monitor;

/* A user namespace that is only to be tried needs no test here: a clone
 * that fails to create it is retried without (start_child). */
static SbNamespace
resolve_namespaces (const SbPlan *plan)
{
  SbNamespace ns = plan->unshare;

  if ((plan->unshare_try & SB_NS_CGROUP) != 0 && !plan->host.has_cgroup_ns)
    ns &= ~SB_NS_CGROUP;
  return ns;
}

/* clone3 without a stack is fork into new namespaces: the child is pid 1 of
 * its pid namespace straight away, with no intermediate process (fork then
 * unshare would need a second fork for that).  clone serves kernels before
 * 5.3 (ENOSYS, remembered: start_child may clone twice) and container
 * filters that hide clone3 (ENOSYS, or EPERM in profiles older than glibc's
 * use of it: clone then gives the real answer). */
static pid_t
clone_child (unsigned long flags, int cgroup_fd, gboolean *born_in_cgroup)
{
  static gboolean clone3_missing;
  struct {
    guint64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    guint64 set_tid, set_tid_size, cgroup;
  } args = { .flags = flags, .exit_signal = SIGCHLD };
  long pid;

  /* Born in the sandbox's v2 cgroup (CLONE_INTO_CGROUP, Linux 5.7), which
   * clone cannot do: without it (hidden clone3, or a kernel before 5.7:
   * E2BIG, EINVAL) the child joins the cgroup itself before anything else
   * (*BORN_IN_CGROUP, set in both processes). */
  *born_in_cgroup = FALSE;
  if (cgroup_fd >= 0 && !clone3_missing)
    {
      args.flags |= G_GUINT64_CONSTANT (0x200000000);
      args.cgroup = (guint64) cgroup_fd;
      pid = syscall (SYS_clone3, &args, sizeof args);
      if (pid >= 0)
        *born_in_cgroup = TRUE;
      if (pid >= 0 || (errno != ENOSYS && errno != EPERM && errno != E2BIG && errno != EINVAL))
        return pid;
      args.flags = flags;
      args.cgroup = 0;
    }
  if (!clone3_missing)
    {
      pid = syscall (SYS_clone3, &args, sizeof args);
      if (pid >= 0 || (errno != ENOSYS && errno != EPERM))
        return pid;
      clone3_missing = errno == ENOSYS;
    }
#if defined(__s390__) || defined(__CRIS__)
  pid = syscall (SYS_clone, NULL, flags | SIGCHLD);
#else
  pid = syscall (SYS_clone, flags | SIGCHLD, NULL);
#endif
  return pid;
}

static unsigned long
clone_flags (SbNamespace ns)
{
  return sb_namespace_clone_flags (ns | SB_NS_MNT);
}

gboolean
sb_launch_arm_parent_death (pid_t parent, GError **error)
{
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    return sb_throw_errno (error, "setting the parent-death signal");
  if (getppid () != parent)
    return sb_throw (error, SB_ERROR_SETUP, "the parent process died");
  return TRUE;
}

static gboolean
join_namespaces (const SbPlan *plan, pid_t parent, GError **error)
{
  if (plan->userns_fd >= 0)
    {
      if (setns (plan->userns_fd, CLONE_NEWUSER) != 0)
        {
          if (errno == EINVAL)
            return sb_throw_errno (error, "Joining the specified user namespace failed, it might "
                                   "not be a descendant of the current user namespace");
          return sb_throw_errno (error, "Joining specified user namespace failed");
        }
      if (plan->die_with_parent && !sb_launch_arm_parent_death (parent, error))
        return FALSE;
    }
  /* Our children are born in it from now on. */
  if (plan->pidns_fd >= 0 && setns (plan->pidns_fd, CLONE_NEWPID) != 0)
    return sb_throw_errno (error, "Setting pidns");
  return TRUE;
}

/* pid 1 of the sandbox is known: with reports to write, read its
 * namespaces now, as bwrap does right after clone, so that they are known
 * even if the setup then fails. */
static void
note_sandbox (Monitor *m, pid_t pid)
{
  g_autoptr(GError) local_error = NULL;

  m->sandbox_pid = pid;
  if (!sb_channel_command_waits (m->plan))
    return;
  m->info.child_pid = pid;
  if (!sb_status_read_namespaces (&m->info, m->existing, &local_error))
    g_debug ("%s", local_error->message);
}

/* Writes --info-fd and the first --json-status-fd line, once.  bwrap dies
 * when it cannot, with this text. */
static gboolean
report (Monitor *m, GError **error)
{
  const SbPlan *plan = m->plan;
  SbStatusInfo info = m->info;

  if (m->reported)
    return TRUE;
  m->reported = TRUE;
  if (!sb_channel_command_waits (plan))
    return TRUE;
  /* The relay of --pidns died before pid 1 said who it is: report what is
   * known. */
  if (info.child_pid == 0)
    {
      g_autoptr(GError) local_error = NULL;

      info.child_pid = m->child;
      if (!sb_status_read_namespaces (&info, m->existing, &local_error))
        g_debug ("%s", local_error->message);
    }
  info.command_pid = m->command_pid;

  if (plan->info_fd >= 0)
    {
      g_autofree char *text = sb_status_format_info (&info);
      gboolean ok = sb_status_write (plan->info_fd, text, NULL);

      if (!ok)
        sb_throw_errno (error, plan->personality == SB_PERSONALITY_BWRAP
                                 ? "Write to info_fd" : "Write to --info-fd");
      close (plan->info_fd);
      if (!ok)
        return FALSE;
    }
  if (plan->json_status_fd >= 0)
    {
      g_autofree char *text = sb_status_format_start (&info);
      if (!sb_status_write (plan->json_status_fd, text, NULL))
        return sb_throw_errno (error, plan->personality == SB_PERSONALITY_BWRAP
                                        ? "Write to info_fd" : "Write to --json-status-fd");
    }
  return TRUE;
}

static gboolean
handle_message (Monitor *m, SbMsg *msg, GError **error)
{
  switch (msg->type)
    {
    case SB_MSG_INIT:
      g_clear_fd (&m->sandbox_pidfd, NULL);
      m->sandbox_pidfd = g_steal_fd (&msg->fd);
      note_sandbox (m, msg->pid);
      /* An outside newuidmap waits for the child's pid before it can write
       * the maps the child waits for. */
      if (m->plan->userns_block_fd >= 0)
        return report (m, error);
      return TRUE;
    case SB_MSG_NAMESPACES:
      m->existing = m->created;
      note_sandbox (m, m->sandbox_pid);
      return TRUE;
    case SB_MSG_COMMAND:
      m->command_pid = msg->pid;
      if (!report (m, error))
        return FALSE;
      /* The command waits for this, as bwrap's child waits for its parent:
       * the reports are out before it runs. */
      if (sb_channel_command_waits (m->plan) && !sb_channel_send (m->channel, SB_MSG_REPORTED, 0))
        return sb_throw_errno (error, "writing to the sandbox's report socket");
      return TRUE;
    case SB_MSG_EXEC:
      m->exec_started = TRUE;
      return TRUE;
    case SB_MSG_ERROR:
      if (m->child_error == NULL)
        m->child_error = g_steal_pointer (&msg->error);
      /* With reports to write, the sender waits for this before it exits:
       * its namespaces are still there to report, as bwrap reports them
       * when the setup fails.  The error is what counts: a report that
       * cannot be written is not one. */
      if (sb_channel_command_waits (m->plan))
        {
          g_autoptr(GError) local_error = NULL;

          if (!report (m, &local_error)
              || !sb_channel_send (m->channel, SB_MSG_REPORTED, 0))
            g_debug ("answering a failed sandbox: %s",
                     local_error != NULL ? local_error->message : g_strerror (errno));
        }
      return TRUE;
    case SB_MSG_EXITED:
      m->done = TRUE;
      m->command_wait_status = msg->value;
      m->status = sb_reaper_exit_status (msg->value);
      return TRUE;
    case SB_MSG_STOPPED:
      sb_terminal_suspend (&m->terminal, msg->value);
      return TRUE;
    case SB_MSG_REPORTED:
    case SB_MSG_MAPPED:
    default:
      g_debug ("unknown report %d from the sandbox", msg->type);
      return TRUE;
    }
}

/* Reads every queued message. */
static gboolean
read_messages (Monitor *m, GError **error)
{
  while (m->channel >= 0)
    {
      SbMsg msg = { 0 };

      switch (sb_channel_recv (m->channel, &msg, error))
        {
        case SB_CHANNEL_MESSAGE:
          {
            gboolean ok = handle_message (m, &msg, error);
            sb_msg_clear (&msg);
            if (!ok)
              return FALSE;
            break;
          }
        case SB_CHANNEL_EMPTY:
          return TRUE;
        case SB_CHANNEL_CLOSED:
          g_clear_fd (&m->channel, NULL);
          return TRUE;
        case SB_CHANNEL_FAILED:
        default:
          return FALSE;
        }
    }
  return TRUE;
}

/* By pidfd: a pid names another process once its own is reaped.  Without
 * pidfds only our child is signalled, by pid, and only until we reap it. */
static void
signal_child (Monitor *m, int sig)
{
  if (sb_pidfd_signal (m->child_pidfd, m->child, !m->reaped, sig, NULL) != 0 && errno != ESRCH)
    g_debug ("signalling the sandbox: %s", g_strerror (errno));
}

/* Where a signal for the whole sandbox goes: pid 1.  When it is not our
 * child (the relay of --pidns is) and we have no pidfd of it, the relay
 * gets the signal instead: SIGKILL, or a signal that kills the relay, then
 * ends pid 1 through its parent-death signal. */
static SbSandboxTarget
sandbox_target (const Monitor *m)
{
  if (m->sandbox_pidfd >= 0)
    return (SbSandboxTarget) {
      .pid = m->sandbox_pid,
      .pidfd = m->sandbox_pidfd,
      .reaper = m->has_pid1,
    };
  return (SbSandboxTarget) {
    .pid = m->child,
    .pidfd = m->child_pidfd,
    .pid_is_unreaped_child = !m->reaped,
    .reaper = m->has_pid1 && m->sandbox_pid == m->child,
  };
}

static gboolean
handle_signal (Monitor *m, GError **error)
{
  struct signalfd_siginfo si;
  ssize_t n = read (m->signal_fd, &si, sizeof si);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return TRUE;
  if (n != sizeof si)
    return sb_throw_errno (error, "reading the monitor's signalfd");

  if (si.ssi_signo == SIGCHLD)
    {
      /* Our child is the command, which holds the terminal: its stops are
       * ours. */
      gboolean relay_stops = m->held_terminal && !m->has_pid1;
      int status;
      pid_t pid = waitpid (m->child, &status, WNOHANG | (relay_stops ? WUNTRACED : 0));

      if (pid < 0)
        return sb_throw_errno (error, "waiting for the sandbox");
      if (pid == m->child && WIFSTOPPED (status))
        sb_terminal_suspend (&m->terminal, WSTOPSIG (status));
      else if (pid == m->child)
        {
          m->reaped = TRUE;
          /* What it said before dying is still queued. */
          if (!read_messages (m, error))
            return FALSE;
          if (!m->done)
            {
              m->done = TRUE;
              m->command_wait_status = status;
              m->status = sb_reaper_exit_status (status);
            }
        }
      return TRUE;
    }

  /* Blocked only for our children to inherit. */
  if ((int) si.ssi_signo == sb_reaper_signal_all_request ())
    return TRUE;

  /* Counted even when the terminal already sent it to the sandbox. */
  m->signalled = TRUE;
  sigaddset (&m->received, (int) si.ssi_signo);
  {
    g_autoptr(GError) local_error = NULL;
    SbSandboxTarget target = sandbox_target (m);
    /* Without --new-session, and unless the command holds the terminal,
     * the sandbox's processes share our terminal's signals. */
    gboolean shared = !m->plan->new_session && !m->held_terminal;

    if (!sb_signals_relay (&target, &si, shared, &local_error))
      g_debug ("%s", local_error->message);
  }
  return TRUE;
}

/* Every process of the sandbox gets SIG: through its cgroup where it has
 * one, and through our pid 1 (which signals its whole pid namespace);
 * SIGKILL on pid 1 ends the namespace.  Without pid 1 of our own, our
 * child is the command. */
static void
signal_sandbox (Monitor *m, int sig)
{
  g_autoptr(GError) local_error = NULL;
  SbSandboxTarget target = sandbox_target (m);

  if (m->cgroup != NULL)
    sb_cgroup_signal (m->cgroup, sig);
  if (sig == SIGKILL ? !sb_signals_send_to_target (&target, sig, &local_error)
                     : !sb_signals_send_to_sandbox (&target, sig, &local_error))
    g_debug ("signalling the sandbox: %s", local_error->message);
}

/* `sandbox kill NAME`: as if the tool got the signal. */
static void
kill_request (void *data, int sig)
{
  Monitor *m = data;

  m->signalled = TRUE;
  signal_sandbox (m, sig);
}

/* --timeout: SIGTERM at the deadline, SIGKILL --kill-after later. */
static void
enforce_timeout (Monitor *m)
{
  if (!m->timed_out)
    {
      m->timed_out = TRUE;
      m->deadline = g_get_monotonic_time () + m->plan->limits.kill_after_us;
      signal_sandbox (m, SIGTERM);
      return;
    }
  m->timeout_killed = TRUE;
  m->deadline = 0;
  signal_sandbox (m, SIGKILL);
}

/* poll's timeout until the deadline, rounded up to whole milliseconds. */
static int
poll_timeout (const Monitor *m)
{
  gint64 left;

  if (m->deadline == 0)
    return -1;
  left = m->deadline - g_get_monotonic_time ();
  if (left <= 0)
    return 0;
  return (int) MIN ((left + 999) / 1000, G_MAXINT);
}

static void
kill_sandbox (Monitor *m)
{
  signal_sandbox (m, SIGKILL);
  signal_child (m, SIGKILL);
}

static gboolean
monitor_loop (Monitor *m, GError **error)
{
  while (!m->done)
    {
      struct pollfd fds[3 + SB_ENTER_RELAY_MAX_POLL];
      nfds_t n = 0, relayed;
      int ready;

      fds[n++] = (struct pollfd) { .fd = m->signal_fd, .events = POLLIN };
      if (m->channel >= 0)
        fds[n++] = (struct pollfd) { .fd = m->channel, .events = POLLIN };
      if (m->parent_pidfd >= 0)
        fds[n++] = (struct pollfd) { .fd = m->parent_pidfd, .events = POLLIN };
      relayed = n;
      n += sb_enter_relay_poll_fds (m->relay, fds + n, SB_ENTER_RELAY_MAX_POLL);

      ready = poll (fds, n, poll_timeout (m));
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready < 0)
        return sb_throw_errno (error, "waiting for the sandbox");
      if (m->deadline != 0 && g_get_monotonic_time () >= m->deadline)
        enforce_timeout (m);

      sb_enter_relay_dispatch (m->relay, fds + relayed, n - relayed, kill_request, m);
      for (nfds_t i = 0; i < relayed; i++)
        {
          if (fds[i].revents == 0)
            continue;
          if (fds[i].fd == m->signal_fd && !handle_signal (m, error))
            return FALSE;
          if (fds[i].fd == m->channel && !read_messages (m, error))
            return FALSE;
          if (fds[i].fd == m->parent_pidfd)
            {
              /* The caller died: the parent-death signal will end us too. */
              kill_sandbox (m);
              g_clear_fd (&m->parent_pidfd, NULL);
            }
        }
    }
  return TRUE;
}

/* Whether the command's exit ends the sandbox: only a pid namespace of
 * ours can be ended as a whole.  Without one, the command got the signal
 * and its orphans live on, as with bwrap. */
static gboolean
tears_down (const Monitor *m)
{
  return (m->created & SB_NS_PID) != 0
         && (m->signalled || m->timed_out || !m->plan->keep_orphans);
}

/* SIGKILL on pid 1 kills every process of its namespace, and pid 1 is only
 * reaped once they are all gone: when our exit status is visible, nothing
 * of the sandbox runs any more.  With --pidns and --unshare-pid our child
 * is the relay above pid 1, which exits once pid 1 is reaped. */
static void
tear_down (Monitor *m)
{
  if (m->reaped)
    return;
  signal_sandbox (m, SIGKILL);
  while (waitpid (m->child, NULL, 0) < 0 && errno == EINTR)
    ;
  m->reaped = TRUE;
}

/* Without a pid namespace of ours to tear down, pid 1 normally exits right
 * after the command: reap it, so that it does not outlive us as a zombie
 * handed to our parent (or stay, in a --pidns namespace, a zombie that its
 * init waits for).  But do not wait long for the sandbox's background
 * processes, as bwrap does not wait at all. */
static void
reap_child_briefly (Monitor *m)
{
  gint64 deadline = g_get_monotonic_time () + 50 * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      struct pollfd p = { .fd = m->signal_fd, .events = POLLIN };
      struct signalfd_siginfo si;
      gint64 left = deadline - g_get_monotonic_time ();

      if (waitpid (m->child, NULL, WNOHANG) != 0 || left <= 0)
        return;
      if (poll (&p, 1, left / G_TIME_SPAN_MILLISECOND + 1) < 0 && errno != EINTR)
        return;
      while (read (m->signal_fd, &si, sizeof si) == sizeof si)
        ;
    }
}

static void
finish_reports (Monitor *m)
{
  const SbPlan *plan = m->plan;

  if (!report (m, NULL) || plan->json_status_fd < 0)
    return;
  /* As bwrap: an exit code only for a command that really ran. */
  if (m->exec_started && m->child_error == NULL)
    {
      SbStatusExit exit = {
        .exit_code = m->status,
        .timed_out = m->timed_out,
        .oom_killed = m->usage.oom_killed,
        .has_memory_peak = m->usage.has_memory_peak,
        .memory_peak = m->usage.memory_peak,
        .has_cpu_usage = m->usage.has_cpu_usage,
        .cpu_usage_us = m->usage.cpu_usage_us,
      };
      g_autofree char *text = sb_status_format_exit (&exit);
      g_autoptr(GError) error = NULL;
      if (!sb_status_write (plan->json_status_fd, text, &error))
        g_debug ("%s", error->message);
    }
  close (plan->json_status_fd);
}

/* The child waits for the maps of --map-* before anything else. */
static gboolean
map_child (Monitor *m, int channel, GError **error)
{
  if (m->usermap == NULL)
    return TRUE;
  if (sb_usermap_write (m->usermap, m->child, error))
    {
      if (sb_channel_send (channel, SB_MSG_MAPPED, 0))
        return TRUE;
      sb_throw_errno (error, "writing to the sandbox's report socket");
    }
  sb_pidfd_signal (m->child_pidfd, m->child, TRUE, SIGKILL, NULL);
  while (waitpid (m->child, NULL, 0) < 0 && errno == EINTR)
    ;
  m->reaped = TRUE;
  return FALSE;
}

static gboolean
start_child (Monitor *m, const SbPlan *plan, const SbSeccompSet *filters, int channel[2],
             const sigset_t *saved_mask, guint64 caller_caps, GError **error)
{
  g_auto(SbExecPrep) exec = { 0 };
  gboolean nested_pid = plan->pidns_fd >= 0 && (m->created & SB_NS_PID) != 0;
  SbNamespace cloned = nested_pid ? m->created & ~SB_NS_PID : m->created;
  SbChildContext ctx = {
    .plan = plan,
    .filters = filters,
    .created = m->created,
    .landlock = m->landlock,
    .nested_pid_ns = nested_pid,
    .outside_uid = getuid (),
    .outside_gid = getgid (),
    .exec = &exec,
    .channel = channel[1],
    .monitor_channel = channel[0],
    .monitor_pid = getpid (),
    .saved_mask = *saved_mask,
    .take_terminal = m->held_terminal,
    .join_fd = sb_enter_relay_sandbox_end (m->relay),
  };
  int cgroup_fd = m->cgroup != NULL ? sb_cgroup_clone_fd (m->cgroup) : -1;
  gboolean born_in_cgroup;
  pid_t pid;

  sb_exec_prepare (&exec, plan);
  ctx.caller_caps = caller_caps;
  ctx.command_caps = sb_caps_wanted (plan, plan->host.uid, caller_caps, &ctx.command_ambient);
  m->has_pid1 = sb_child_needs_pid1 (plan, m->created, nested_pid);
  if (m->cgroup != NULL)
    ctx.cgroup_fds = sb_cgroup_join_fds (m->cgroup, &ctx.n_cgroup_fds);
  ctx.made_inside = sb_child_namespaces_made_inside (plan, ctx.created, ctx.outside_uid,
                                                     ctx.outside_gid);
  pid = clone_child (sb_landlock_in_place (m->landlock) ? 0 : clone_flags (cloned & ~ctx.made_inside),
                     cgroup_fd, &born_in_cgroup);

  /* A user namespace that was only to be tried: go on without it. */
  if (pid < 0 && (cloned & SB_NS_USER) != 0 && (plan->unshare_try & SB_NS_USER) != 0
      && (errno == EPERM || errno == EINVAL || errno == ENOSPC || errno == EUSERS))
    {
      m->created &= ~SB_NS_USER;
      cloned &= ~SB_NS_USER;
      ctx.created = m->created;
      ctx.made_inside = sb_child_namespaces_made_inside (plan, ctx.created, ctx.outside_uid,
                                                         ctx.outside_gid);
      pid = clone_child (clone_flags (cloned & ~ctx.made_inside), cgroup_fd, &born_in_cgroup);
    }
  m->existing = m->created & ~ctx.made_inside;
  if (pid < 0)
    {
      int errsv = errno;
      SbUsernsFacts facts;
      g_autofree char *message = NULL;

      sb_diag_userns_facts_read (&facts);
      message = sb_diag_clone_failure (plan->personality, cloned, errsv, &facts);
      if ((cloned & SB_NS_USER) != 0 && (errsv == EPERM || errsv == ENOSPC))
        g_set_error_literal (error, SB_ERROR, SB_ERROR_USERNS_REFUSED, message);
      else
        g_set_error_literal (error, SB_ERRNO_ERROR, errsv, message);
      return FALSE;
    }
  if (pid == 0)
    {
      /* Already in its v2 cgroup: nothing left to join. */
      if (born_in_cgroup)
        ctx.n_cgroup_fds = 0;
      sb_child_run (&ctx);
    }
  m->child = pid;
  /* Not reaped before this: the pid is still our child's. */
  m->child_pidfd = sb_pidfd_open (pid);
  if (!map_child (m, channel[0], error))
    return FALSE;
  if (plan->limits.timeout_us != 0)
    m->deadline = g_get_monotonic_time () + plan->limits.timeout_us;
  /* Else pid 1 will tell its pid (SB_MSG_INIT). */
  if (!nested_pid)
    note_sandbox (m, pid);
  sb_enter_relay_started (m->relay, pid);
  return TRUE;
}

/* The reports of the cgroup, and timeout(1)'s statuses: 124 when the command ended
 * after SIGTERM, 128+9 when it had to be killed; and the note for the user. */
static void
settle_limits (Monitor *m, char **note)
{
  if (m->cgroup != NULL)
    sb_cgroup_report (m->cgroup, &m->usage);
  if (m->usage.oom_killed)
    {
      g_autofree char *size = sb_limits_format_size (m->plan->limits.memory);
      *note = g_strdup_printf ("memory limit %s reached; the kernel killed a process of the "
                               "sandbox", size);
    }
  if (!m->timed_out)
    return;
  g_free (*note);
  m->status = m->timeout_killed ? 128 + SIGKILL : 124;
  *note = g_strdup_printf ("timeout of %g seconds reached; the sandbox was ended with %s",
                           (double) m->plan->limits.timeout_us / G_USEC_PER_SEC,
                           m->timeout_killed ? "SIGKILL" : "SIGTERM");
}

gboolean
sb_launch_run (const SbPlan *plan, const SbSeccompSet *filters, const SbLandlockRuleset *landlock,
               SbExitStatus *exit_status, char **note, GError **error)
{
  pid_t parent = plan->host.parent;
  g_autoptr(SbCgroup) cgroup = NULL;
  g_autoptr(SbEnterRelay) relay = NULL;
  g_autoptr(SbUserMap) usermap = NULL;
  guint64 caller_caps = 0;
  int channel[2];
  sigset_t signals, saved_mask;
  gboolean blocked, ok;
  Monitor m = {
    .plan = plan,
    .created = sb_landlock_in_place (landlock) ? 0 : resolve_namespaces (plan),
    .landlock = landlock,
    .info = {
      .confinement_keys = plan->personality == SB_PERSONALITY_SANDBOX,
      .in_place = sb_landlock_in_place (landlock),
      .landlock_abi = landlock != NULL ? landlock->abi : 0,
    },
    .channel = -1,
    .signal_fd = -1,
    .parent_pidfd = -1,
    .child_pidfd = -1,
    .sandbox_pidfd = -1,
  };

  /* Before anything starts: a limit that cannot be had is refused. */
  if (sb_limits_need_cgroup (&plan->limits))
    {
      g_auto(SbCgroupHost) host = { 0 };

      if (!sb_cgroup_host_read (&host, error))
        return FALSE;
      cgroup = sb_cgroup_create (&host, &plan->limits, error);
      if (cgroup == NULL)
        return FALSE;
      m.cgroup = cgroup;
    }
  relay = sb_enter_relay_open (plan, m.info.in_place ? "in-place" : "namespaces", error);
  if (plan->name != NULL && relay == NULL)
    return FALSE;
  m.relay = relay;
  /* What root keeps by default: what it holds before joining anything. */
  if (!sb_caps_get_permitted (&caller_caps, error))
    return FALSE;
  usermap = sb_usermap_prepare (plan, caller_caps, error);
  if (usermap == NULL && sb_idmapping_wanted (&plan->idmapping))
    return FALSE;
  m.usermap = usermap;
  if (plan->die_with_parent)
    {
      if (!sb_launch_arm_parent_death (parent, error))
        return FALSE;
      /* Also catches a caller whose thread that forked us ended while the
       * process lives on: the parent-death signal fires then too, the
       * pidfd not.  Either kills the sandbox. */
      m.parent_pidfd = sb_pidfd_open (parent);
      if (m.parent_pidfd >= 0 && getppid () != parent)
        {
          g_clear_fd (&m.parent_pidfd, NULL);
          return sb_throw (error, SB_ERROR_SETUP, "the parent process died");
        }
    }
  if (!join_namespaces (plan, parent, error) || !sb_channel_open (channel, error))
    {
      g_clear_fd (&m.parent_pidfd, NULL);
      return FALSE;
    }
  m.channel = channel[0];

  /* Blocked from before clone, so that no signal is lost on the way: the
   * sandbox's processes read theirs from a signalfd too, or restore the
   * caller's mask just before exec. */
  sigemptyset (&m.received);
  m.held_terminal = sb_terminal_hand_over (plan, &m.terminal);
  sb_reaper_signals (plan, &signals);
  blocked = sigprocmask (SIG_BLOCK, &signals, &saved_mask) == 0;
  if (!blocked)
    ok = sb_throw_errno (error, "blocking signals");
  else
    {
      m.signal_fd = signalfd (-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
      if (m.signal_fd < 0)
        ok = sb_throw_errno (error, "creating the monitor's signalfd");
      else
        ok = start_child (&m, plan, filters, channel, &saved_mask, caller_caps, error);
    }
  close (channel[1]);

  /* Without a pid namespace the sandbox sees us, with our uid: it could
   * ptrace us or open /proc/OUR_PID/{exe,mem} and act outside (runc's
   * CVE-2019-5736).  Not before clone: the child must stay dumpable to
   * write its own id maps. */
  if (ok && prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    {
      ok = sb_throw_errno (error, "making the monitor non-dumpable");
      kill_sandbox (&m);
    }
  if (ok)
    {
      if (fcntl (m.channel, F_SETFL, O_NONBLOCK) != 0)
        ok = sb_throw_errno (error, "setting up the report socket");
      /* An outside newuidmap waits for pid 1's pid before it can write
       * the maps pid 1 waits for. */
      else if (plan->userns_block_fd >= 0 && m.sandbox_pid != 0)
        ok = report (&m, error);
      if (ok)
        ok = monitor_loop (&m, error);
      if (!ok)
        kill_sandbox (&m);
      if (tears_down (&m))
        tear_down (&m);
      /* bwrap's monitor exits as soon as it has the command's status,
       * leaving pid 1 to finish: so does ours under that personality.
       * But a child of ours in a --pidns namespace, left to our parent,
       * would stay there as a zombie that the init of that namespace
       * waits for when it exits. */
      else if (!plan->keep_orphans || plan->pidns_fd >= 0)
        reap_child_briefly (&m);
      settle_limits (&m, note);
      finish_reports (&m);
    }
  sb_terminal_take_back (&m.terminal);
  if (blocked)
    sigprocmask (SIG_SETMASK, &saved_mask, NULL);
  g_clear_fd (&m.channel, NULL);
  g_clear_fd (&m.signal_fd, NULL);
  g_clear_fd (&m.parent_pidfd, NULL);
  g_clear_fd (&m.child_pidfd, NULL);
  g_clear_fd (&m.sandbox_pidfd, NULL);

  if (ok && m.child_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&m.child_error));
      return FALSE;
    }
  g_clear_error (&m.child_error);
  if (ok)
    *exit_status = (SbExitStatus) {
      .code = m.status,
      /* After --timeout, timeout(1)'s status, not the signal we sent. */
      .signal = m.timed_out ? 0 : sb_signals_tool_dies_of (plan, m.command_wait_status,
                                                           &m.received, m.held_terminal),
    };
  return ok;
}
