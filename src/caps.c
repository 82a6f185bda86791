#include "caps.h"

#include <errno.h>
#include <sys/capability.h>

#include "error.h"

static void
cap_release (cap_t caps)
{
  cap_free (caps);
}
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (cap_t, cap_release, NULL)

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

static guint64
flag_mask (cap_t caps, cap_flag_t flag)
{
  guint64 mask = 0;

  for (int cap = 0; cap < cap_count (); cap++)
    {
      cap_flag_value_t value = CAP_CLEAR;

      if (cap_get_flag (caps, cap, flag, &value) == 0 && value == CAP_SET)
        mask |= cap_bit (cap);
    }
  return mask;
}

guint64
sb_caps_wanted (const SbPlan *plan, uid_t caller_uid, guint64 caller_caps, gboolean *ambient)
{
  guint64 start = caller_uid == 0 && !plan->drop_root_caps ? caller_caps : 0;

  *ambient = caller_uid != 0 || plan->caps.add != 0 || plan->caps.drop != 0;
  return (start | plan->caps.add) & ~plan->caps.drop & all_caps ();
}

gboolean
sb_caps_get_permitted (guint64 *permitted, GError **error)
{
  g_auto(cap_t) current = cap_get_proc ();

  if (current == NULL)
    return sb_throw_errno (error, "reading our capabilities");
  *permitted = flag_mask (current, CAP_PERMITTED);
  return TRUE;
}

static gboolean
set_ambient (guint64 keep, gboolean ambient, GError **error)
{
  if (!CAP_AMBIENT_SUPPORTED ())
    {
      if (ambient && keep != 0)
        return sb_throw (error, SB_ERROR_SETUP,
                         "this kernel has no ambient capabilities, which a non-root user "
                         "needs to keep capabilities");
      return TRUE;
    }
  for (int cap = 0; cap < cap_count (); cap++)
    {
      gboolean want = ambient && (keep & cap_bit (cap)) != 0;

      if (cap_get_ambient (cap) == (want ? 1 : 0))
        continue;
      if (cap_set_ambient (cap, want ? CAP_SET : CAP_CLEAR) != 0)
        return sb_throw_errno (error, "changing %s in the ambient set", cap_to_name (cap));
    }
  return TRUE;
}

gboolean
sb_caps_apply (guint64 keep, gboolean ambient, gboolean shrink_bounding, GError **error)
{
  const cap_flag_t sets[] = { CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE };
  g_auto(cap_t) current = cap_get_proc ();
  g_auto(cap_t) caps = cap_init ();
  gboolean same = TRUE;

  if (current == NULL || caps == NULL)
    return sb_throw_errno (error, "reading our capabilities");
  keep &= flag_mask (current, CAP_PERMITTED);

  /* The bounding set first: shrinking it needs CAP_SETPCAP, which the
   * capset below may remove. */
  for (int cap = 0; shrink_bounding && cap < cap_count (); cap++)
    if ((keep & cap_bit (cap)) == 0 && cap_get_bound (cap) == 1 && cap_drop_bound (cap) != 0)
      return sb_throw_errno (error, "dropping %s from the bounding set", cap_to_name (cap));

  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      guint64 want = sets[i] == CAP_INHERITABLE && !ambient ? 0 : keep;

      same = same && flag_mask (current, sets[i]) == want;
      for (int cap = 0; cap < cap_count (); cap++)
        {
          cap_value_t value = cap;

          if ((want & cap_bit (cap)) != 0 && cap_set_flag (caps, sets[i], 1, &value, CAP_SET) != 0)
            return sb_throw_errno (error, "building a capability set");
        }
    }
  if (!same && cap_set_proc (caps) != 0)
    return sb_throw_errno (error, "setting capabilities");

  return set_ambient (keep, ambient, error);
}

gboolean
sb_caps_raise_effective (GError **error)
{
  g_auto(cap_t) caps = cap_get_proc ();

  if (caps == NULL)
    return sb_throw_errno (error, "reading our capabilities");
  for (int cap = 0; cap < cap_count (); cap++)
    {
      cap_value_t value = cap;
      cap_flag_value_t permitted = CAP_CLEAR;

      if (cap_get_flag (caps, cap, CAP_PERMITTED, &permitted) != 0
          || cap_set_flag (caps, CAP_EFFECTIVE, 1, &value, permitted) != 0)
        return sb_throw_errno (error, "building a capability set");
    }
  if (cap_set_proc (caps) != 0)
    return sb_throw_errno (error, "raising the effective capabilities");
  return TRUE;
}
