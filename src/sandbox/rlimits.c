#include "sandbox/rlimits.h"

#include <errno.h>
#include <sys/resource.h>

#include "base/error.h"

static rlim_t
to_rlim (guint64 value)
{
  return value == SB_RLIM_UNLIMITED ? RLIM_INFINITY : (rlim_t) value;
}

gboolean
sb_rlimits_apply (const SbLimits *limits, GError **error)
{
  for (guint i = 0; i < limits->rlimits->len; i++)
    {
      const SbRlimit *limit = &g_array_index (limits->rlimits, SbRlimit, i);
      struct rlimit wanted = { to_rlim (limit->soft), to_rlim (limit->hard) };
      struct rlimit now;

      if (setrlimit (limit->resource, &wanted) == 0)
        continue;
      /* Above the hard limit it was given, only a process privileged
       * outside every user namespace may go. */
      if (errno == EPERM && getrlimit (limit->resource, &now) == 0 && now.rlim_max != RLIM_INFINITY
          && wanted.rlim_max > now.rlim_max)
        return sb_throw_errno_value (error, EPERM,
                                     "--rlimit %s: the hard limit cannot be raised above %llu "
                                     "without privileges",
                                     sb_limits_rlimit_name (limit->resource),
                                     (unsigned long long) now.rlim_max);
      return sb_throw_errno (error, "--rlimit %s", sb_limits_rlimit_name (limit->resource));
    }
  return TRUE;
}
