/* The sandbox's processes report to the monitor over one socket pair
 * (SOCK_SEQPACKET, close-on-exec): setup errors as {domain, code, message},
 * and, only when the monitor needs them, who they are, that exec is near
 * and the command's exit.  The kernel attaches each sender's pid,
 * translated into the monitor's pid namespace (SO_PASSCRED), so the
 * monitor learns pids it cannot otherwise see.  The monitor answers once,
 * SB_MSG_REPORTED, when the command waits for it.  Each message wakes the
 * monitor up while the sandbox starts: none is sent that is not needed. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "plan/plan.h"

typedef enum {
  SB_MSG_INIT = 1,  /* from pid 1 when clone did not create it (--pidns with --unshare-pid) */
  SB_MSG_NAMESPACES, /* from pid 1, for the reports: it made namespaces after clone, and is in them */
  SB_MSG_COMMAND,   /* from the command's process, when it waits for the reports */
  SB_MSG_EXEC,      /* the command is about to be executed (for --json-status-fd) */
  SB_MSG_ERROR,     /* setup failed: the error follows */
  SB_MSG_EXITED,    /* from pid 1: the command's wait status, when pid 1 outlives it
                       or a signal killed it */
  SB_MSG_REPORTED,  /* from the monitor: --info-fd and --json-status-fd are written */
  SB_MSG_STOPPED,   /* from pid 1: the command, which holds the terminal, stopped */
  SB_MSG_MAPPED,    /* from the monitor: it wrote the maps of --map-* (monitor/usermap.h) */
} SbMsgType;

typedef struct {
  SbMsgType type;
  pid_t pid;        /* the sender, in the receiver's pid namespace; 0 if unknown */
  int value;        /* SB_MSG_EXITED: the wait(2) status; SB_MSG_STOPPED: the signal */
  GError *error;    /* SB_MSG_ERROR: owned by the message */
  int fd;           /* SB_MSG_INIT: the sender's pidfd, or -1; owned by the message */
} SbMsg;

void sb_msg_clear (SbMsg *msg);

/* fds[0] is the monitor's end (receives credentials), fds[1] the sandbox's. */
gboolean sb_channel_open (int fds[2], GError **error);

/* Both return FALSE with errno set when the monitor is gone. */
gboolean sb_channel_send (int fd, SbMsgType type, int value);
gboolean sb_channel_send_error (int fd, const GError *error);
/* The same with PASSED_FD attached (none when -1). */
gboolean sb_channel_send_fd (int fd, SbMsgType type, int passed_fd);

typedef enum {
  SB_CHANNEL_MESSAGE, /* *msg is filled */
  SB_CHANNEL_EMPTY,   /* non-blocking socket, nothing queued */
  SB_CHANNEL_CLOSED,  /* every sandbox end is closed */
  SB_CHANNEL_FAILED,  /* *error is set */
} SbChannelResult;

/* Reads one message (msg->fd -1 when none came). */
SbChannelResult sb_channel_recv (int fd, SbMsg *msg, GError **error);

/* Whether the command waits for SB_MSG_REPORTED before it goes on: with
 * --info-fd or --json-status-fd, as bwrap's child waits for its parent,
 * so that the reports are out before the command runs. */
gboolean sb_channel_command_waits (const SbPlan *plan);
