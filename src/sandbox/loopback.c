#include "sandbox/loopback.h"

#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "base/error.h"
#include "base/glib-compat.h"

gboolean
sb_net_loopback_up (GError **error)
{
  g_autofd int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq req;

  if (fd < 0)
    return sb_throw_errno (error, "creating a socket to set up the loopback");
  memset (&req, 0, sizeof req);
  g_strlcpy (req.ifr_name, "lo", sizeof req.ifr_name);
  if (ioctl (fd, SIOCGIFFLAGS, &req) != 0)
    return sb_throw_errno (error, "reading the flags of the loopback");
  req.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (fd, SIOCSIFFLAGS, &req) != 0)
    return sb_throw_errno (error, "bringing the loopback up");
  return TRUE;
}
