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
#include "monitor/status.h"

/* The monitor: the caller's process, outside every namespace, which
 * creates the sandbox, reports on it and waits for the command. */
typedef struct {
  const SbPlan *plan;
  SbNamespace created;
  uid_t real_uid;       /* the caller's, before joining any user namespace */
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
  GError *child_error;  /* the first error the sandbox reported */
  gboolean done;
  int status;
} Monitor;

static const struct {
  SbNamespace ns;
  int flag;
} clone_flags_table[] = {
  { SB_NS_USER, CLONE_NEWUSER },
  { SB_NS_IPC, CLONE_NEWIPC },
  { SB_NS_PID, CLONE_NEWPID },
  { SB_NS_NET, CLONE_NEWNET },
  { SB_NS_UTS, CLONE_NEWUTS },
  { SB_NS_CGROUP, CLONE_NEWCGROUP },
};

/* A user namespace that is only to be tried needs no test here: a clone
 * that fails to create it is retried without (start_child). */
static SbNamespace
resolve_namespaces (const SbPlan *plan)
{
  SbNamespace ns = plan->unshare;

  if ((plan->unshare_try & SB_NS_CGROUP) != 0 && access ("/proc/self/ns/cgroup", F_OK) != 0)
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
clone_child (unsigned long flags)
{
  static gboolean clone3_missing;
  struct {
    guint64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  } args = { .flags = flags, .exit_signal = SIGCHLD };
  long pid;

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
  unsigned long flags = CLONE_NEWNS;

  for (guint i = 0; i < G_N_ELEMENTS (clone_flags_table); i++)
    if ((ns & clone_flags_table[i].ns) != 0)
      flags |= clone_flags_table[i].flag;
  return flags;
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
  if (!sb_status_read_namespaces (&m->info, m->created, &local_error))
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
      if (!sb_status_read_namespaces (&info, m->created, &local_error))
        g_debug ("%s", local_error->message);
    }
  info.command_pid = m->command_pid;

  if (plan->info_fd >= 0)
    {
      g_autofree char *text = sb_status_format_info (&info);
      gboolean ok = sb_status_write (plan->info_fd, text, NULL);

      if (!ok)
        sb_throw_errno (error, "Write to info_fd");
      close (plan->info_fd);
      if (!ok)
        return FALSE;
    }
  if (plan->json_status_fd >= 0)
    {
      g_autofree char *text = sb_status_format_start (&info);
      if (!sb_status_write (plan->json_status_fd, text, NULL))
        return sb_throw_errno (error, "Write to info_fd");
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
      m->status = msg->value;
      return TRUE;
    case SB_MSG_REPORTED:
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
  if (sb_pidfd_signal (m->child_pidfd, m->child, !m->reaped, sig) != 0 && errno != ESRCH)
    g_debug ("signalling the sandbox: %s", g_strerror (errno));
}

/* pid 1 of the sandbox.  When it is not our child (the relay of --pidns is)
 * and we have no pidfd of it, the relay gets the signal instead: SIGKILL
 * then ends pid 1 through its parent-death signal. */
static void
signal_sandbox (Monitor *m, int sig)
{
  if (m->sandbox_pidfd < 0)
    signal_child (m, sig);
  else if (sb_pidfd_signal (m->sandbox_pidfd, 0, FALSE, sig) != 0 && errno != ESRCH)
    g_debug ("signalling the sandbox: %s", g_strerror (errno));
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
      int status;
      pid_t pid = waitpid (m->child, &status, WNOHANG);

      if (pid < 0)
        return sb_throw_errno (error, "waiting for the sandbox");
      if (pid == m->child)
        {
          m->reaped = TRUE;
          /* What it said before dying is still queued. */
          if (!read_messages (m, error))
            return FALSE;
          if (!m->done)
            {
              m->done = TRUE;
              m->status = sb_reaper_exit_status (status);
            }
        }
      return TRUE;
    }

  /* Counted even when the terminal already sent it to the sandbox. */
  m->signalled = TRUE;
  /* Without --new-session the sandbox shares our terminal's signals. */
  if (sb_reaper_should_forward (si.ssi_code, m->plan->new_session))
    signal_sandbox (m, si.ssi_signo);
  return TRUE;
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
      struct pollfd fds[3];
      nfds_t n = 0;
      int ready;

      fds[n++] = (struct pollfd) { .fd = m->signal_fd, .events = POLLIN };
      if (m->channel >= 0)
        fds[n++] = (struct pollfd) { .fd = m->channel, .events = POLLIN };
      if (m->parent_pidfd >= 0)
        fds[n++] = (struct pollfd) { .fd = m->parent_pidfd, .events = POLLIN };

      ready = poll (fds, n, -1);
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready < 0)
        return sb_throw_errno (error, "waiting for the sandbox");

      for (nfds_t i = 0; i < n; i++)
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
  return (m->created & SB_NS_PID) != 0 && (m->signalled || !m->plan->keep_orphans);
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
      g_autofree char *text = sb_status_format_exit (m->status);
      g_autoptr(GError) error = NULL;
      if (!sb_status_write (plan->json_status_fd, text, &error))
        g_debug ("%s", error->message);
    }
  close (plan->json_status_fd);
}

static gboolean
start_child (Monitor *m, const SbPlan *plan, const SbSeccompSet *filters, int channel[2],
             const sigset_t *saved_mask, guint64 caller_caps, GError **error)
{
  g_autofree char *old_cwd = g_get_current_dir ();
  g_auto(SbExecPrep) exec = { 0 };
  gboolean nested_pid = plan->pidns_fd >= 0 && (m->created & SB_NS_PID) != 0;
  SbNamespace cloned = nested_pid ? m->created & ~SB_NS_PID : m->created;
  SbChildContext ctx = {
    .plan = plan,
    .filters = filters,
    .created = m->created,
    .nested_pid_ns = nested_pid,
    .outside_uid = getuid (),
    .outside_gid = getgid (),
    .exec = &exec,
    .channel = channel[1],
    .monitor_channel = channel[0],
    .monitor_pid = getpid (),
    .saved_mask = *saved_mask,
  };
  pid_t pid;

  sb_exec_prepare (&exec, plan, old_cwd);
  ctx.caller_caps = caller_caps;
  ctx.command_caps = sb_caps_wanted (plan, m->real_uid, caller_caps, &ctx.command_ambient);
  pid = clone_child (clone_flags (cloned));

  /* A user namespace that was only to be tried: go on without it. */
  if (pid < 0 && (cloned & SB_NS_USER) != 0 && (plan->unshare_try & SB_NS_USER) != 0
      && (errno == EPERM || errno == EINVAL || errno == ENOSPC || errno == EUSERS))
    {
      m->created &= ~SB_NS_USER;
      cloned &= ~SB_NS_USER;
      ctx.created = m->created;
      pid = clone_child (clone_flags (cloned));
    }
  if (pid < 0)
    {
      int errsv = errno;
      SbUsernsFacts facts;
      g_autofree char *message = NULL;

      sb_diag_userns_facts_read (&facts);
      message = sb_diag_clone_failure (plan->personality, cloned, errsv, &facts);
      g_set_error_literal (error, SB_ERRNO_ERROR, errsv, message);
      return FALSE;
    }
  if (pid == 0)
    sb_child_run (&ctx);
  m->child = pid;
  /* Not reaped before this: the pid is still our child's. */
  m->child_pidfd = sb_pidfd_open (pid);
  /* Else pid 1 will tell its pid (SB_MSG_INIT). */
  if (!nested_pid)
    note_sandbox (m, pid);
  return TRUE;
}

gboolean
sb_launch_run (const SbPlan *plan, const SbSeccompSet *filters, int *exit_status, GError **error)
{
  pid_t parent = getppid ();
  guint64 caller_caps = 0;
  int channel[2];
  sigset_t signals, saved_mask;
  gboolean blocked, ok;
  Monitor m = {
    .plan = plan,
    .created = resolve_namespaces (plan),
    .real_uid = getuid (),
    .channel = -1,
    .signal_fd = -1,
    .parent_pidfd = -1,
    .child_pidfd = -1,
    .sandbox_pidfd = -1,
  };

  /* What root keeps by default: what it holds before joining anything. */
  if (!sb_caps_get_permitted (&caller_caps, error))
    return FALSE;
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
  sb_reaper_signals (&signals);
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
      finish_reports (&m);
    }
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
    *exit_status = m.status;
  return ok;
}
