#include "sandbox/caps.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "base/error.h"

/* The three sets of a process, read and written whole with capget/capset
 * (version 3: two 32-bit words per set).  No libcap object to allocate, one
 * syscall each way: these run in the sandbox's processes, where every page
 * touched after the fork counts. */
typedef struct {
  guint64 effective;
  guint64 permitted;
  guint64 inheritable;
} CapSets;

static int
cap_count (void)
{
  return MIN (cap_max_bits (), 64);
}

static guint64
cap_bit (int cap)
{
  return G_GUINT64_CONSTANT (1) << cap;
}

static guint64
all_caps (void)
{
  int max = cap_count ();

  return max >= 64 ? G_MAXUINT64 : cap_bit (max) - 1;
}

/* The name for messages ("cap_sys_admin"; libcap spells unknown ones as
 * numbers). */
static char *
cap_name (int cap)
{
  char *libcap_name = cap_to_name (cap);
  char *name = libcap_name != NULL ? g_strdup (libcap_name) : g_strdup_printf ("%d", cap);

  cap_free (libcap_name);
  return name;
}

static gboolean
get_sets (CapSets *sets, GError **error)
{
  struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0 } };

  if (capget (&header, data) != 0)
    return sb_throw_errno (error, "reading our capabilities");
  sets->effective = data[0].effective | (guint64) data[1].effective << 32;
  sets->permitted = data[0].permitted | (guint64) data[1].permitted << 32;
  sets->inheritable = data[0].inheritable | (guint64) data[1].inheritable << 32;
  return TRUE;
}

static int
set_sets (const CapSets *sets)
{
  struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {
    { (guint32) sets->effective, (guint32) sets->permitted, (guint32) sets->inheritable },
    { sets->effective >> 32, sets->permitted >> 32, sets->inheritable >> 32 },
  };

  return capset (&header, data);
}

guint64
sb_caps_wanted (const SbPlan *plan, uid_t caller_uid, guint64 caller_caps, gboolean *ambient)
{
  guint64 start = caller_uid == 0 && !plan->drop_root_caps ? caller_caps : 0;

  *ambient = caller_uid != 0 || plan->caps.add != 0 || plan->caps.drop != 0;
  return (start | plan->caps.add) & ~plan->caps.drop & all_caps ();
}

/* In order of preference: the ones that give nothing over the sandbox's
 * own resources (a user namespace's processes cannot use them at all). */
static const int guard_candidates[] = {
  CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_LEASE, CAP_AUDIT_READ, CAP_AUDIT_WRITE,
};

guint64
sb_caps_ptrace_guard (guint64 held, guint64 command_caps)
{
  guint64 candidates = held & ~command_caps;

  for (guint i = 0; i < G_N_ELEMENTS (guard_candidates); i++)
    if ((candidates & cap_bit (guard_candidates[i])) != 0)
      return cap_bit (guard_candidates[i]);
  /* Any other: the lowest. */
  return candidates & -candidates;
}

gboolean
sb_caps_get_permitted (guint64 *permitted, GError **error)
{
  CapSets sets = { 0 };

  if (!get_sets (&sets, error))
    return FALSE;
  *permitted = sets.permitted;
  return TRUE;
}

gboolean
sb_caps_drop_bounding (guint64 drop, GError **error)
{
  drop &= all_caps ();
  for (int cap = 0; drop != 0; cap++, drop >>= 1)
    {
      if ((drop & 1) == 0 || prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
        continue;
      /* Without CAP_SETPCAP, only what is not there can be "dropped". */
      if (errno == EPERM && prctl (PR_CAPBSET_READ, cap, 0, 0, 0) == 0)
        continue;
      {
        g_autofree char *name = cap_name (cap);
        return sb_throw_errno (error, "dropping %s from the bounding set", name);
      }
    }
  return TRUE;
}

/* Each capability of KEEP into the ambient set.  Nothing else can be there:
 * the kernel keeps the ambient set within permitted and inheritable. */
static gboolean
raise_ambient (guint64 keep, GError **error)
{
  for (int cap = 0; keep != 0; cap++, keep >>= 1)
    {
      if ((keep & 1) == 0 || prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) == 0)
        continue;
      if (errno == EINVAL && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) < 0)
        return sb_throw (error, SB_ERROR_SETUP,
                         "this kernel has no ambient capabilities, which a non-root user "
                         "needs to keep capabilities");
      {
        g_autofree char *name = cap_name (cap);
        return sb_throw_errno (error, "changing %s in the ambient set", name);
      }
    }
  return TRUE;
}

gboolean
sb_caps_apply (guint64 permitted, guint64 effective, gboolean ambient, GError **error)
{
  CapSets current = { 0 }, want;

  if (!get_sets (&current, error))
    return FALSE;
  want.permitted = permitted & current.permitted;
  want.effective = effective & want.permitted;
  want.inheritable = ambient ? want.permitted : 0;

  /* Some container seccomp policies refuse capset, and bwrap run by root
   * works there: no call when nothing changes. */
  if ((want.effective != current.effective || want.permitted != current.permitted
       || want.inheritable != current.inheritable)
      && set_sets (&want) != 0)
    return sb_throw_errno (error, "setting capabilities");
  return !ambient || raise_ambient (want.permitted, error);
}

gboolean
sb_caps_raise_effective (GError **error)
{
  CapSets sets = { 0 };

  if (!get_sets (&sets, error))
    return FALSE;
  sets.effective = sets.permitted;
  if (set_sets (&sets) != 0)
    return sb_throw_errno (error, "raising the effective capabilities");
  return TRUE;
}
