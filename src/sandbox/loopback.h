/* The network of a new network namespace: loopback only. */
#pragma once

#include <glib.h>

/* Brings "lo" up; the kernel then gives it 127.0.0.1/8 and ::1.  Needs
 * CAP_NET_ADMIN over the network namespace. */
gboolean sb_net_loopback_up (GError **error);
