/* The messages of `sandbox enter` and `sandbox kill`, on SOCK_SEQPACKET
 * sockets (one message a packet, so no framing): from the caller to the
 * monitor (the registry's NAME.sock), and from the monitor to the
 * sandbox's pid 1 and back (a socket pair made before clone).  Up to three
 * fds ride along (SCM_RIGHTS): the caller's stdin, stdout and stderr. */
#pragma once

#include <glib.h>

#define SB_WIRE_MAX_FDS 3
/* The arguments and TERM of one request. */
#define SB_WIRE_MAX_PAYLOAD (64 * 1024)

typedef enum {
  SB_WIRE_RUN = 1,  /* caller → monitor → pid 1: run a command inside; payload: TERM
                       ("" when unset), then the command's argv (empty: the shell);
                       fds: stdin, stdout, stderr */
  SB_WIRE_FORWARD,  /* caller → monitor → pid 1: VALUE, a signal for the entered command */
  SB_WIRE_KILL,     /* caller → monitor: VALUE, a signal for the whole sandbox */
  SB_WIRE_EXITED,   /* pid 1 → monitor → caller: the entered command ended, VALUE its wait
                       status */
  SB_WIRE_FAILED,   /* pid 1 → monitor → caller: it could not run, VALUE its errno; payload:
                       the message */
  SB_WIRE_DONE,     /* monitor → caller: the KILL went out */
} SbWireType;

typedef struct {
  SbWireType type;
  guint32 id;       /* between the monitor and pid 1: which caller it is about */
  gint32 value;
  guint n_fds;
  int fds[SB_WIRE_MAX_FDS];
  char *payload;    /* NUL-separated strings; NULL when none */
  gsize payload_len;
} SbWireMsg;

/* Closes the fds and frees the payload. */
void sb_wire_msg_clear (SbWireMsg *msg);

/* Sends MSG (its fds are not closed).  FALSE with errno set. */
gboolean sb_wire_send (int sock, const SbWireMsg *msg);

typedef enum {
  SB_WIRE_MESSAGE,  /* *msg filled; its fds are close-on-exec */
  SB_WIRE_EMPTY,    /* non-blocking socket, nothing queued */
  SB_WIRE_CLOSED,   /* the other end is gone */
  SB_WIRE_BAD,      /* malformed, or errno set */
} SbWireResult;

SbWireResult sb_wire_recv (int sock, SbWireMsg *msg);

/* The payload of SB_WIRE_RUN and SB_WIRE_FAILED. */
void sb_wire_set_strings (SbWireMsg *msg, const char *const *strings, guint n);
/* The strings of the payload, NULL-terminated (the array is to be freed,
 * the strings are the payload's); NULL when it does not end in a NUL. */
const char **sb_wire_strings (const SbWireMsg *msg, guint *n);
