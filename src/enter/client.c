#include "enter/client.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "enter/wire.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/* One answer; FALSE with *error when the sandbox is gone or failed. */
static gboolean
answer (int connection, SbWireMsg *msg, GError **error)
{
  switch (sb_wire_recv (connection, msg))
    {
    case SB_WIRE_MESSAGE:
      if (msg->type != SB_WIRE_FAILED)
        return TRUE;
      {
        guint n = 0;
        g_autofree const char **text = sb_wire_strings (msg, &n);

        sb_throw (error, SB_ERROR_EXEC, "%s", text != NULL && n > 0 ? text[0] : "refused");
        sb_wire_msg_clear (msg);
        return FALSE;
      }
    case SB_WIRE_CLOSED:
      return sb_throw (error, SB_ERROR_SETUP, "the sandbox ended");
    case SB_WIRE_EMPTY:
    case SB_WIRE_BAD:
    default:
      return sb_throw_errno (error, "reading the sandbox's answer");
    }
}

gboolean
sb_enter_command (int connection, const char *term, const char *const *command, int *exit_code,
                  GError **error)
{
  g_autoptr(GPtrArray) strings = g_ptr_array_new ();
  SbWireMsg request = { .type = SB_WIRE_RUN, .n_fds = 3, .fds = { 0, 1, 2 } };
  sigset_t signals, saved;
  g_autofd int signal_fd = -1;
  gboolean ok;

  g_ptr_array_add (strings, (gpointer) (term != NULL ? term : ""));
  for (guint i = 0; command != NULL && command[i] != NULL; i++)
    g_ptr_array_add (strings, (gpointer) command[i]);
  sb_wire_set_strings (&request, (const char *const *) strings->pdata, strings->len);
  ok = request.payload_len <= SB_WIRE_MAX_PAYLOAD && sb_wire_send (connection, &request);
  g_free (request.payload);
  if (!ok)
    return sb_throw_errno (error, "sending the command to the sandbox");

  sigemptyset (&signals);
  for (guint i = 0; i < G_N_ELEMENTS (forwarded); i++)
    sigaddset (&signals, forwarded[i]);
  if (sigprocmask (SIG_BLOCK, &signals, &saved) != 0)
    return sb_throw_errno (error, "blocking signals");
  signal_fd = signalfd (-1, &signals, SFD_CLOEXEC);
  ok = signal_fd >= 0 || sb_throw_errno (error, "creating a signalfd");
  while (ok)
    {
      struct pollfd fds[2] = {
        { .fd = connection, .events = POLLIN },
        { .fd = signal_fd, .events = POLLIN },
      };
      SbWireMsg msg;

      if (poll (fds, 2, -1) < 0)
        {
          ok = errno == EINTR || sb_throw_errno (error, "waiting for the entered command");
          continue;
        }
      if (fds[1].revents != 0)
        {
          struct signalfd_siginfo si;

          if (read (signal_fd, &si, sizeof si) == sizeof si)
            sb_wire_send (connection, &(SbWireMsg) { .type = SB_WIRE_FORWARD,
                                                     .value = (gint32) si.ssi_signo });
        }
      if (fds[0].revents == 0)
        continue;
      ok = answer (connection, &msg, error);
      if (ok && msg.type == SB_WIRE_EXITED)
        {
          *exit_code = WIFSIGNALED (msg.value) ? 128 + WTERMSIG (msg.value) : WEXITSTATUS (msg.value);
          sb_wire_msg_clear (&msg);
          break;
        }
      if (ok)
        sb_wire_msg_clear (&msg);
    }
  sigprocmask (SIG_SETMASK, &saved, NULL);
  return ok;
}

gboolean
sb_enter_signal_sandbox (int connection, int sig, GError **error)
{
  SbWireMsg msg = { .type = SB_WIRE_KILL, .value = sig };

  SbWireResult result;

  if (!sb_wire_send (connection, &msg))
    return sb_throw_errno (error, "sending the signal to the sandbox");
  /* A sandbox that ended of it may close before it answers. */
  result = sb_wire_recv (connection, &msg);
  if (result == SB_WIRE_CLOSED)
    return TRUE;
  if (result != SB_WIRE_MESSAGE)
    return sb_throw_errno (error, "reading the sandbox's answer");
  sb_wire_msg_clear (&msg);
  return TRUE;
}
