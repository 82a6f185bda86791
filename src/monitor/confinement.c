/* Namespaces or confinement in place (confinement.h). */
#include "monitor/confinement.h"

#include "base/error.h"
#include "confine/landlock.h"

/* With the host's network, under the sandbox personality: its abstract unix
 * sockets (X11, D-Bus) kept out of reach where Landlock can (ABI 6), as a
 * network namespace would.  NULL where it cannot or is not to. */
static SbLandlockRuleset *
abstract_socket_scope (const SbPlan *plan)
{
  int abi;

  if (plan->personality != SB_PERSONALITY_SANDBOX || (plan->unshare & SB_NS_NET) != 0
      || plan->share_abstract_sockets)
    return NULL;
  abi = sb_landlock_abi (NULL);
  return abi >= 6 ? sb_landlock_scope_abstract (abi) : NULL;
}

/* The ruleset that stands for the namespaces the host refused (WHY says
 * how), and the notice that says so; NULL when the command must not run
 * that way. */
static SbLandlockRuleset *
prepare_in_place (const SbPlan *plan, SbSeccompSet *filters, const char *why, char **notice,
                  GError **error)
{
  g_autoptr(SbLandlockRuleset) ruleset = NULL;
  g_autofree char *gaps = NULL;
  GError *probe_error = NULL;

  if (plan->strict)
    {
      sb_throw (error, SB_ERROR_SETUP,
                "--strict: refusing to run confined in place without namespaces, as %s", why);
      return NULL;
    }
  ruleset = sb_landlock_rules_from_plan (plan, plan->host.uid, plan->host.gid, why, error);
  if (ruleset == NULL)
    return NULL;
  ruleset->abi = sb_landlock_abi (&probe_error);
  if (ruleset->abi == 0)
    {
      sb_throw (error, SB_ERROR_SETUP, "cannot run confined in place: %s, and %s",
                probe_error->message, why);
      g_error_free (probe_error);
      return NULL;
    }
  if (ruleset->deny_tcp && !sb_seccomp_add_socket_filter (filters, error))
    return NULL;

  gaps = sb_landlock_gaps (ruleset->abi, ruleset->deny_tcp);
  *notice = g_strdup_printf ("running confined in place, without namespaces (Landlock ABI %d%s%s, "
                             "seccomp), as %s",
                             ruleset->abi, gaps != NULL ? "; not enforced: " : "",
                             gaps != NULL ? gaps : "", why);
  return g_steal_pointer (&ruleset);
}

gboolean
sb_confinement_run (const SbPlan *plan, SbSeccompSet *filters, SbConfinementNotify notify,
                    gpointer data, SbExitStatus *exit_status, char **note, GError **error)
{
  g_autoptr(SbLandlockRuleset) scope = abstract_socket_scope (plan);
  g_autoptr(SbLandlockRuleset) in_place = NULL;
  g_autoptr(GError) refusal = NULL;
  g_autofree char *notice = NULL;

  if (sb_launch_run (plan, filters, scope, exit_status, note, &refusal))
    return TRUE;
  if (plan->personality != SB_PERSONALITY_SANDBOX
      || !g_error_matches (refusal, SB_ERROR, SB_ERROR_USERNS_REFUSED))
    {
      g_propagate_error (error, g_steal_pointer (&refusal));
      return FALSE;
    }
  in_place = prepare_in_place (plan, filters, refusal->message, &notice, error);
  if (in_place == NULL)
    return FALSE;
  notify (notice, data);
  return sb_launch_run (plan, filters, in_place, exit_status, note, error);
}
