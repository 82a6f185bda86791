#include "plan.h"

#include "error.h"

static void
mount_op_clear (gpointer data)
{
  SbMountOp *op = data;

  g_free (op->source);
  g_free (op->dest);
  g_strfreev (op->overlay_sources);
  g_free (op->overlay_workdir);
}

SbPlan *
sb_plan_new (SbPersonality personality)
{
  SbPlan *plan = g_new0 (SbPlan, 1);

  plan->personality = personality;
  plan->userns_fd = -1;
  plan->userns2_fd = -1;
  plan->pidns_fd = -1;
  plan->uid = -1;
  plan->gid = -1;
  plan->ops = g_array_new (FALSE, TRUE, sizeof (SbMountOp));
  g_array_set_clear_func (plan->ops, mount_op_clear);
  plan->lock_files = g_ptr_array_new_with_free_func (g_free);
  plan->seccomp_fd = -1;
  plan->seccomp_fds = g_array_new (FALSE, FALSE, sizeof (int));
  plan->info_fd = -1;
  plan->json_status_fd = -1;
  plan->block_fd = -1;
  plan->userns_block_fd = -1;
  plan->sync_fd = -1;
  plan->warnings = g_ptr_array_new_with_free_func (g_free);
  plan->envp = g_new0 (char *, 1);

  if (personality == SB_PERSONALITY_SANDBOX)
    {
      plan->unshare = SB_NS_ALL;
      plan->unshare_try = SB_NS_USER | SB_NS_CGROUP;
      plan->usr_merge_symlinks = true;
      plan->drop_root_caps = true;
      plan->seccomp_profile = SB_SECCOMP_PROFILE_DEFAULT;
    }
  else
    {
      plan->seccomp_profile = SB_SECCOMP_PROFILE_NONE;
      plan->allow_nesting = true;
    }

  return plan;
}

void
sb_plan_free (SbPlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->hostname);
  g_array_unref (plan->ops);
  g_ptr_array_unref (plan->lock_files);
  g_free (plan->chdir_path);
  g_strfreev (plan->envp);
  g_free (plan->argv0);
  g_strfreev (plan->command);
  g_array_unref (plan->seccomp_fds);
  g_free (plan->seccomp_profile_path);
  g_free (plan->exec_label);
  g_free (plan->file_label);
  g_ptr_array_unref (plan->warnings);
  g_free (plan);
}

SbMountOp *
sb_plan_add_op (SbPlan *plan, const SbMountOp *op)
{
  g_array_append_vals (plan->ops, op, 1);
  return sb_plan_op (plan, plan->ops->len - 1);
}
