/* The terminal under the sandbox personality: when the tool runs in the
 * foreground of the terminal on its standard input, the command gets the
 * foreground in a process group of its own, which lies inside its pid
 * namespace, so that an interactive shell there has job control and can
 * give the terminal back to its own group when it exits.  The monitor
 * stays in the caller's group and stands for the sandbox there: it stops
 * when the command stops (^Z), so that the caller's shell sees its job
 * stopped, and hands the terminal back to the sandbox when continued. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "plan/plan.h"

typedef struct {
  gboolean handed;      /* the sandbox holds the foreground, by our hand */
  pid_t own_group;      /* the monitor's process group, the caller's job */
  pid_t sandbox_group;  /* the sandbox's foreground group when it last stopped */
} SbTerminal;

/* Whether the command is to get the terminal: the sandbox personality, no
 * --new-session, standard input and output terminals (a command reading
 * the terminal in a pipeline would take it from the pipeline's other
 * members), the tool in the foreground group of standard input's
 * terminal.  Fills TERMINAL in the monitor. */
gboolean sb_terminal_hand_over (const SbPlan *plan, SbTerminal *terminal);

/* In the command's process, before exec: a process group of its own, the
 * foreground group of standard input's terminal. */
gboolean sb_terminal_take_foreground (GError **error);

/* In the monitor, when the command that holds the terminal stopped with
 * STOP_SIGNAL: takes the terminal back and stops the monitor likewise;
 * once continued, gives the terminal back to the sandbox if the monitor is
 * in the foreground again and continues the sandbox's group. */
void sb_terminal_suspend (SbTerminal *terminal, int stop_signal);

/* In the monitor, once the sandbox is gone: the terminal back to the
 * monitor's group, unless the caller took it meanwhile. */
void sb_terminal_take_back (SbTerminal *terminal);
