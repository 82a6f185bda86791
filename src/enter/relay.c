#include "enter/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "enter/registry.h"
#include "enter/wire.h"

typedef struct {
  int fd;
  guint32 id;
  gboolean running;   /* a command runs for it in the sandbox */
} Caller;

struct _SbEnterRelay {
  SbRegistration *registration;
  uid_t uid;          /* the only user whose requests are taken */
  int pid1_fd;        /* ours of the pair; -1 once pid 1 is gone */
  int sandbox_fd;     /* pid 1's, until it runs */
  GArray *callers;    /* of Caller */
  guint32 next_id;
};

SbEnterRelay *
sb_enter_relay_open (const SbPlan *plan, const char *confinement, GError **error)
{
  g_autoptr(SbEnterRelay) relay = NULL;
  SbRegistryEntry entry = {
    .name = plan->name,
    .started = (gint64) time (NULL),
    .command = plan->command,
    .confinement = (char *) confinement,
  };
  int pair[2];

  if (plan->name == NULL)
    return NULL;
  relay = g_new0 (SbEnterRelay, 1);
  relay->uid = plan->host.uid;
  relay->pid1_fd = relay->sandbox_fd = -1;
  relay->callers = g_array_new (FALSE, FALSE, sizeof (Caller));
  relay->next_id = 1;
  relay->registration = sb_registry_claim (plan->host.runtime_dir, plan->host.uid, &entry, error);
  if (relay->registration == NULL)
    return NULL;
  /* Ours is read until empty; pid 1 reads one message a poll. */
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0
      || fcntl (pair[0], F_SETFL, O_NONBLOCK) != 0)
    {
      sb_throw_errno (error, "--name %s: creating the socket to the sandbox", plan->name);
      return NULL;
    }
  relay->pid1_fd = pair[0];
  relay->sandbox_fd = pair[1];
  return g_steal_pointer (&relay);
}

int
sb_enter_relay_sandbox_end (const SbEnterRelay *relay)
{
  return relay != NULL ? relay->sandbox_fd : -1;
}

void
sb_enter_relay_started (SbEnterRelay *relay, pid_t sandbox_pid)
{
  g_autoptr(GError) error = NULL;

  if (relay == NULL)
    return;
  g_clear_fd (&relay->sandbox_fd, NULL);
  if (!sb_registration_set_sandbox_pid (relay->registration, sandbox_pid, &error))
    g_debug ("%s", error->message);
}

guint
sb_enter_relay_poll_fds (const SbEnterRelay *relay, struct pollfd *fds, guint max)
{
  guint n = 0;

  if (relay == NULL || max < 2)
    return 0;
  fds[n++] = (struct pollfd) { .fd = sb_registration_listen_fd (relay->registration), .events = POLLIN };
  if (relay->pid1_fd >= 0)
    fds[n++] = (struct pollfd) { .fd = relay->pid1_fd, .events = POLLIN };
  for (guint i = 0; i < relay->callers->len && n < max; i++)
    fds[n++] = (struct pollfd) { .fd = g_array_index (relay->callers, Caller, i).fd, .events = POLLIN };
  return n;
}

static void
reply (int fd, SbWireType type, int value, const char *text)
{
  SbWireMsg msg = { .type = type, .value = value };

  if (text != NULL)
    sb_wire_set_strings (&msg, &text, 1);
  if (!sb_wire_send (fd, &msg))
    g_debug ("answering a caller: %s", g_strerror (errno));
  g_free (msg.payload);
}

static void
accept_callers (SbEnterRelay *relay)
{
  int listen_fd = sb_registration_listen_fd (relay->registration);
  int fd;

  while ((fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
    {
      struct ucred peer;
      socklen_t length = sizeof peer;
      Caller caller = { .fd = fd, .id = relay->next_id++ };

      /* The directory is the user's alone, but root passes through it. */
      if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || peer.uid != relay->uid)
        {
          reply (fd, SB_WIRE_FAILED, EPERM, "this sandbox is another user's");
          close (fd);
          continue;
        }
      if (relay->callers->len >= SB_ENTER_RELAY_MAX_CALLERS)
        {
          reply (fd, SB_WIRE_FAILED, EAGAIN, "too many callers at once; try again");
          close (fd);
          continue;
        }
      g_array_append_val (relay->callers, caller);
    }
}

static void
drop_caller (SbEnterRelay *relay, guint i)
{
  close (g_array_index (relay->callers, Caller, i).fd);
  g_array_remove_index (relay->callers, i);
}

static gint
find_caller (const SbEnterRelay *relay, guint32 id)
{
  for (guint i = 0; i < relay->callers->len; i++)
    if (g_array_index (relay->callers, Caller, i).id == id)
      return (gint) i;
  return -1;
}

/* A caller's request, or its going away. */
static void
serve_caller (SbEnterRelay *relay, guint i, SbEnterSignalSandbox signal_sandbox, void *data)
{
  Caller *caller = &g_array_index (relay->callers, Caller, i);
  SbWireMsg msg;
  SbWireResult result = sb_wire_recv (caller->fd, &msg);

  if (result == SB_WIRE_EMPTY)
    return;
  if (result != SB_WIRE_MESSAGE)
    {
      /* Its command loses its terminal, as a shell's jobs do. */
      if (caller->running && relay->pid1_fd >= 0)
        sb_wire_send (relay->pid1_fd, &(SbWireMsg) { .type = SB_WIRE_FORWARD, .id = caller->id,
                                                      .value = SIGHUP });
      drop_caller (relay, i);
      return;
    }
  msg.id = caller->id;
  switch (msg.type)
    {
    case SB_WIRE_RUN:
    case SB_WIRE_FORWARD:
      if (relay->pid1_fd < 0 || (msg.type == SB_WIRE_RUN && caller->running))
        reply (caller->fd, SB_WIRE_FAILED, ESRCH, "the sandbox is ending");
      else if (!sb_wire_send (relay->pid1_fd, &msg))
        reply (caller->fd, SB_WIRE_FAILED, errno, "the sandbox's pid 1 does not answer");
      else if (msg.type == SB_WIRE_RUN)
        caller->running = TRUE;
      break;
    case SB_WIRE_KILL:
      signal_sandbox (data, msg.value);
      reply (caller->fd, SB_WIRE_DONE, 0, NULL);
      drop_caller (relay, i);
      break;
    case SB_WIRE_EXITED:
    case SB_WIRE_FAILED:
    case SB_WIRE_DONE:
    default:
      /* Answers, not requests. */
      drop_caller (relay, i);
      break;
    }
  sb_wire_msg_clear (&msg);
}

/* pid 1's answer, to the caller it is for. */
static void
serve_pid1 (SbEnterRelay *relay)
{
  SbWireMsg msg;
  SbWireResult result;

  while ((result = sb_wire_recv (relay->pid1_fd, &msg)) == SB_WIRE_MESSAGE)
    {
      gint i = find_caller (relay, msg.id);

      if (i >= 0)
        {
          if (!sb_wire_send (g_array_index (relay->callers, Caller, i).fd, &msg))
            g_debug ("answering a caller: %s", g_strerror (errno));
          if (msg.type == SB_WIRE_EXITED)
            drop_caller (relay, (guint) i);
        }
      sb_wire_msg_clear (&msg);
    }
  if (result != SB_WIRE_EMPTY)
    g_clear_fd (&relay->pid1_fd, NULL);
}

void
sb_enter_relay_dispatch (SbEnterRelay *relay, const struct pollfd *fds, guint n,
                         SbEnterSignalSandbox signal_sandbox, void *data)
{
  if (relay == NULL)
    return;
  for (guint k = 0; k < n; k++)
    {
      gint i;

      if (fds[k].revents == 0)
        continue;
      if (fds[k].fd == sb_registration_listen_fd (relay->registration))
        accept_callers (relay);
      else if (fds[k].fd == relay->pid1_fd)
        serve_pid1 (relay);
      else
        for (i = 0; i < (gint) relay->callers->len; i++)
          if (g_array_index (relay->callers, Caller, i).fd == fds[k].fd)
            {
              serve_caller (relay, (guint) i, signal_sandbox, data);
              break;
            }
    }
}

void
sb_enter_relay_free (SbEnterRelay *relay)
{
  if (relay == NULL)
    return;
  while (relay->callers->len > 0)
    drop_caller (relay, relay->callers->len - 1);
  g_array_free (relay->callers, TRUE);
  g_clear_fd (&relay->pid1_fd, NULL);
  g_clear_fd (&relay->sandbox_fd, NULL);
  sb_registration_free (relay->registration);
  g_free (relay);
}
