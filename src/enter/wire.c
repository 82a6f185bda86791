#include "enter/wire.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  guint32 type;
  guint32 id;
  gint32 value;
  guint32 payload_len;
} Header;

void
sb_wire_msg_clear (SbWireMsg *msg)
{
  for (guint i = 0; i < msg->n_fds; i++)
    if (msg->fds[i] >= 0)
      close (msg->fds[i]);
  g_free (msg->payload);
  memset (msg, 0, sizeof *msg);
}

gboolean
sb_wire_send (int sock, const SbWireMsg *msg)
{
  Header header = {
    .type = msg->type, .id = msg->id, .value = msg->value, .payload_len = (guint32) msg->payload_len,
  };
  struct iovec iov[2] = {
    { .iov_base = &header, .iov_len = sizeof header },
    { .iov_base = msg->payload, .iov_len = msg->payload_len },
  };
  union {
    char buf[CMSG_SPACE (sizeof (int) * SB_WIRE_MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct msghdr mh = { .msg_iov = iov, .msg_iovlen = msg->payload_len > 0 ? 2 : 1 };
  ssize_t n;

  if (msg->payload_len > SB_WIRE_MAX_PAYLOAD || msg->n_fds > SB_WIRE_MAX_FDS)
    {
      errno = E2BIG;
      return FALSE;
    }
  if (msg->n_fds > 0)
    {
      struct cmsghdr *cmsg;

      memset (&control, 0, sizeof control);
      mh.msg_control = control.buf;
      mh.msg_controllen = CMSG_SPACE (sizeof (int) * msg->n_fds);
      cmsg = CMSG_FIRSTHDR (&mh);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int) * msg->n_fds);
      memcpy (CMSG_DATA (cmsg), msg->fds, sizeof (int) * msg->n_fds);
    }
  do
    n = sendmsg (sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == (ssize_t) (sizeof header + msg->payload_len);
}

SbWireResult
sb_wire_recv (int sock, SbWireMsg *msg)
{
  Header header;
  g_autofree char *payload = g_malloc (SB_WIRE_MAX_PAYLOAD);
  struct iovec iov[2] = {
    { .iov_base = &header, .iov_len = sizeof header },
    { .iov_base = payload, .iov_len = SB_WIRE_MAX_PAYLOAD },
  };
  union {
    char buf[CMSG_SPACE (sizeof (int) * SB_WIRE_MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct msghdr mh = {
    .msg_iov = iov, .msg_iovlen = 2, .msg_control = control.buf, .msg_controllen = sizeof control.buf,
  };
  ssize_t n;

  memset (msg, 0, sizeof *msg);
  do
    n = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return SB_WIRE_EMPTY;
  if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
    return SB_WIRE_CLOSED;
  if (n < 0)
    return SB_WIRE_BAD;

  for (struct cmsghdr *cmsg = CMSG_FIRSTHDR (&mh); cmsg != NULL; cmsg = CMSG_NXTHDR (&mh, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      {
        guint count = (guint) ((cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int));

        for (guint i = 0; i < count; i++)
          {
            int fd;

            memcpy (&fd, CMSG_DATA (cmsg) + i * sizeof (int), sizeof fd);
            if (msg->n_fds < SB_WIRE_MAX_FDS)
              msg->fds[msg->n_fds++] = fd;
            else
              close (fd);
          }
      }
  if ((size_t) n < sizeof header || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0
      || header.payload_len != (size_t) n - sizeof header)
    {
      sb_wire_msg_clear (msg);
      errno = EBADMSG;
      return SB_WIRE_BAD;
    }
  msg->type = header.type;
  msg->id = header.id;
  msg->value = header.value;
  msg->payload_len = header.payload_len;
  if (msg->payload_len > 0)
    msg->payload = g_memdup2 (payload, msg->payload_len);
  return SB_WIRE_MESSAGE;
}

void
sb_wire_set_strings (SbWireMsg *msg, const char *const *strings, guint n)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_len (out, strings[i], (gssize) strlen (strings[i]) + 1);
  g_free (msg->payload);
  msg->payload_len = out->len;
  msg->payload = g_string_free (out, FALSE);
}

const char **
sb_wire_strings (const SbWireMsg *msg, guint *n)
{
  GPtrArray *strings = g_ptr_array_new ();

  if (msg->payload_len > 0 && msg->payload[msg->payload_len - 1] != '\0')
    {
      g_ptr_array_free (strings, TRUE);
      return NULL;
    }
  for (gsize at = 0; at < msg->payload_len; at += strlen (msg->payload + at) + 1)
    g_ptr_array_add (strings, msg->payload + at);
  *n = strings->len;
  g_ptr_array_add (strings, NULL);
  return (const char **) g_ptr_array_free (strings, FALSE);
}
