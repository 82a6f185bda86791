#include "sandbox/join.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "base/error.h"
#include "enter/wire.h"
#include "sandbox/caps.h"
#include "sandbox/diag.h"

/* Where the entered command's process keeps the channel until exec. */
#define CHANNEL_FD 3
/* Above every fd the moves below may land on. */
#define MOVED_FDS 16

static void
send_failure (int channel, guint32 id, int errsv, const char *message)
{
  SbWireMsg msg = { .type = SB_WIRE_FAILED, .id = id, .value = errsv };

  sb_wire_set_strings (&msg, &message, 1);
  sb_wire_send (channel, &msg);
  g_free (msg.payload);
}

G_GNUC_NORETURN static void
fail_entered (guint32 id, const GError *error)
{
  send_failure (CHANNEL_FD, id, error->domain == SB_ERRNO_ERROR ? error->code : 0, error->message);
  _exit (1);
}

/* The sandbox's $SHELL if it is there, else /bin/sh. */
static const char *
default_shell (char **envp)
{
  const char *shell = g_environ_getenv (envp, "SHELL");

  return shell != NULL && shell[0] == '/' && access (shell, X_OK) == 0 ? shell : "/bin/sh";
}

/* The forked process, to exec.  Its fds: the caller's stdio as 0, 1, 2,
 * the channel (close-on-exec) for a failure, nothing else of pid 1's
 * (signalfd, locks, --sync-fd) and nothing of the host's. */
G_GNUC_NORETURN static void
run_entered (const SbJoinTarget *target, const SbWireMsg *request, const char *const *strings,
             guint n)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_strdupv ((char **) target->envp);
  const char *shell[2] = { NULL, NULL };
  const char *const *argv = strings + 1;
  int moved[SB_WIRE_MAX_FDS];
  int channel = fcntl (target->channel, F_DUPFD_CLOEXEC, MOVED_FDS);

  if (channel < 0 || dup3 (channel, CHANNEL_FD, O_CLOEXEC) < 0)
    _exit (1);
  for (guint i = 0; i < SB_WIRE_MAX_FDS; i++)
    if ((moved[i] = fcntl (request->fds[i], F_DUPFD_CLOEXEC, MOVED_FDS)) < 0)
      {
        sb_throw_errno (&error, "taking the caller's stdio");
        fail_entered (request->id, error);
      }
  for (int i = 0; i < SB_WIRE_MAX_FDS; i++)
    if (dup2 (moved[i], i) != i)
      {
        sb_throw_errno (&error, "taking the caller's stdio");
        fail_entered (request->id, error);
      }
  if (close_range (CHANNEL_FD + 1, ~0U, 0) != 0)
    {
      sb_throw_errno (&error, "closing pid 1's fds");
      fail_entered (request->id, error);
    }
  /* Out of the caller's session and the sandbox's: signals reach it
   * through the caller (SB_WIRE_FORWARD).  Not dumpable until exec; it
   * holds pid 1's guard capability until sb_caps_apply: no process of the
   * sandbox can ptrace it or read its /proc files meanwhile. */
  if (setsid () == (pid_t) -1 || prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    {
      sb_throw_errno (&error, "starting the entered command's session");
      fail_entered (request->id, error);
    }
  if (!sb_caps_apply (target->caps, target->caps, target->ambient, &error))
    fail_entered (request->id, error);
  if (sigprocmask (SIG_SETMASK, target->mask, NULL) != 0)
    {
      sb_throw_errno (&error, "restoring the signal mask");
      fail_entered (request->id, error);
    }
  if (strings[0][0] != '\0')
    envp = g_environ_setenv (envp, "TERM", strings[0], TRUE);
  else
    envp = g_environ_unsetenv (envp, "TERM");
  if (n < 2)
    {
      shell[0] = default_shell (envp);
      argv = shell;
    }
  /* execvp searches the PATH of environ: the sandbox's, inside it. */
  environ = envp;
  execvp (argv[0], (char *const *) argv);
  {
    int errsv = errno;
    g_autofree char *message = sb_diag_exec_failure (argv[0], g_environ_getenv (envp, "PATH"), errsv);

    send_failure (CHANNEL_FD, request->id, errsv, message);
  }
  _exit (127);
}

static void
run (const SbJoinTarget *target, GArray *joined, const SbWireMsg *request)
{
  g_autofree const char **strings = NULL;
  guint n = 0;
  pid_t pid;

  strings = sb_wire_strings (request, &n);
  if (strings == NULL || n < 1 || request->n_fds != SB_WIRE_MAX_FDS)
    {
      send_failure (target->channel, request->id, EINVAL, "a malformed request");
      return;
    }
  pid = fork ();
  if (pid < 0)
    {
      send_failure (target->channel, request->id, errno, g_strerror (errno));
      return;
    }
  if (pid == 0)
    run_entered (target, request, strings, n);
  g_array_append_val (joined, ((SbJoined) { .pid = pid, .id = request->id }));
}

gboolean
sb_join_serve (const SbJoinTarget *target, GArray *joined)
{
  SbWireMsg msg;
  SbWireResult result = sb_wire_recv (target->channel, &msg);

  if (result == SB_WIRE_EMPTY)
    return TRUE;
  if (result != SB_WIRE_MESSAGE)
    return FALSE;
  if (msg.type == SB_WIRE_RUN)
    run (target, joined, &msg);
  else if (msg.type == SB_WIRE_FORWARD && msg.value > 0 && msg.value < NSIG)
    for (guint i = 0; i < joined->len; i++)
      if (g_array_index (joined, SbJoined, i).id == msg.id)
        kill (g_array_index (joined, SbJoined, i).pid, msg.value);
  sb_wire_msg_clear (&msg);
  return TRUE;
}

gboolean
sb_join_reaped (const SbJoinTarget *target, GArray *joined, pid_t pid, int status)
{
  for (guint i = 0; i < joined->len; i++)
    {
      SbJoined entered = g_array_index (joined, SbJoined, i);

      if (entered.pid != pid)
        continue;
      g_array_remove_index (joined, i);
      sb_wire_send (target->channel, &(SbWireMsg) { .type = SB_WIRE_EXITED, .id = entered.id,
                                                    .value = status });
      return TRUE;
    }
  return FALSE;
}
