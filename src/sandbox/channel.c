#include "sandbox/channel.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/error.h"

#define MAX_TEXT 4000

typedef enum {
  WIRE_DOMAIN_SB,
  WIRE_DOMAIN_ERRNO,
} WireDomain;

typedef struct {
  guint32 type;
  gint32 value;
  guint32 domain;
  gint32 code;
  char text[MAX_TEXT];
} Wire;

void
sb_msg_clear (SbMsg *msg)
{
  g_clear_error (&msg->error);
  if (msg->fd >= 0)
    close (msg->fd);
  memset (msg, 0, sizeof *msg);
  msg->fd = -1;
}

gboolean
sb_channel_open (int fds[2], GError **error)
{
  int one = 1;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0)
    return sb_throw_errno (error, "creating the sandbox's report socket");
  if (setsockopt (fds[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0)
    {
      int errsv = errno;
      close (fds[0]);
      close (fds[1]);
      return sb_throw_errno_value (error, errsv, "enabling credentials on the report socket");
    }
  return TRUE;
}

static gboolean
send_wire (int fd, const Wire *wire, int passed_fd)
{
  union {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = {
    .iov_base = (void *) wire,
    .iov_len = G_STRUCT_OFFSET (Wire, text) + strlen (wire->text) + 1,
  };
  struct msghdr hdr = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t n;

  if (passed_fd >= 0)
    {
      struct cmsghdr *c;

      memset (&control, 0, sizeof control);
      hdr.msg_control = control.buf;
      hdr.msg_controllen = sizeof control.buf;
      c = CMSG_FIRSTHDR (&hdr);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &passed_fd, sizeof passed_fd);
    }
  do
    n = sendmsg (fd, &hdr, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n >= 0;
}

gboolean
sb_channel_send (int fd, SbMsgType type, int value)
{
  Wire wire = { .type = type, .value = value };

  return send_wire (fd, &wire, -1);
}

gboolean
sb_channel_send_fd (int fd, SbMsgType type, int passed_fd)
{
  Wire wire = { .type = type };

  return send_wire (fd, &wire, passed_fd);
}

gboolean
sb_channel_send_error (int fd, const GError *error)
{
  Wire wire = { .type = SB_MSG_ERROR, .code = error->code };

  if (error->domain == SB_ERRNO_ERROR)
    wire.domain = WIRE_DOMAIN_ERRNO;
  else
    {
      wire.domain = WIRE_DOMAIN_SB;
      /* Errors of other libraries keep their text; the code is ours. */
      if (error->domain != SB_ERROR)
        wire.code = SB_ERROR_SETUP;
    }
  g_strlcpy (wire.text, error->message, sizeof wire.text);
  return send_wire (fd, &wire, -1);
}

SbChannelResult
sb_channel_recv (int fd, SbMsg *msg, GError **error)
{
  Wire wire;
  union {
    char buf[CMSG_SPACE (sizeof (struct ucred)) + CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = &wire, .iov_len = sizeof wire };
  struct msghdr hdr = {
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.buf,
    .msg_controllen = sizeof control.buf,
  };
  ssize_t n;

  memset (msg, 0, sizeof *msg);
  msg->fd = -1;
  do
    n = recvmsg (fd, &hdr, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return SB_CHANNEL_CLOSED;
  if (n < 0 && errno == EAGAIN)
    return SB_CHANNEL_EMPTY;
  if (n < 0)
    {
      sb_throw_errno (error, "reading the sandbox's report socket");
      return SB_CHANNEL_FAILED;
    }
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&hdr); c != NULL; c = CMSG_NXTHDR (&hdr, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS
        && c->cmsg_len >= CMSG_LEN (sizeof (struct ucred)))
      {
        struct ucred cred;
        memcpy (&cred, CMSG_DATA (c), sizeof cred);
        msg->pid = cred.pid;
      }
    else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
             && c->cmsg_len >= CMSG_LEN (sizeof (int)) && msg->fd < 0)
      memcpy (&msg->fd, CMSG_DATA (c), sizeof msg->fd);

  if ((size_t) n <= G_STRUCT_OFFSET (Wire, text) || (hdr.msg_flags & MSG_TRUNC) != 0)
    {
      sb_msg_clear (msg);
      sb_throw (error, SB_ERROR_SETUP, "malformed report from the sandbox (%zd bytes)", n);
      return SB_CHANNEL_FAILED;
    }
  wire.text[MIN ((size_t) n - G_STRUCT_OFFSET (Wire, text), sizeof wire.text - 1)] = '\0';

  msg->type = wire.type;
  msg->value = wire.value;
  if (msg->type == SB_MSG_ERROR)
    msg->error = g_error_new_literal (wire.domain == WIRE_DOMAIN_ERRNO ? SB_ERRNO_ERROR : SB_ERROR,
                                      wire.code, wire.text);
  return SB_CHANNEL_MESSAGE;
}

gboolean
sb_channel_command_waits (const SbPlan *plan)
{
  return plan->info_fd >= 0 || plan->json_status_fd >= 0;
}
