/* --sysctl: which keys a namespace of ours owns, the key syntax, paths. */
#include <string.h>

#include "base/error.h"
#include "plan/sysctls.h"

static void
test_namespaced (void)
{
  static const struct {
    const char *text;
    SbNamespace ns;
  } cases[] = {
    { "net.ipv4.ip_unprivileged_port_start=80", SB_NS_NET },
    { "net.core.somaxconn=1024", SB_NS_NET },
    { "kernel.shmmax=1", SB_NS_IPC },
    { "kernel.shm_rmid_forced=1", SB_NS_IPC },
    { "kernel.msgmnb=1", SB_NS_IPC },
    { "kernel.sem=1 2 3 4", SB_NS_IPC },
    { "fs.mqueue.msg_max=20", SB_NS_IPC },
    { "user.max_user_namespaces=0", SB_NS_USER },
    { "user.max_net_namespaces=3", SB_NS_USER },
    { "net.ipv4.ping_group_range=0 2147483647", SB_NS_NET },
  };
  g_autoptr(GArray) sysctls = sb_sysctls_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      const SbSysctl *sysctl;

      g_test_message ("%s", cases[i].text);
      g_assert_true (sb_sysctl_parse (cases[i].text, sysctls, &error));
      g_assert_no_error (error);
      sysctl = &g_array_index (sysctls, SbSysctl, sysctls->len - 1);
      g_assert_cmpint (sysctl->ns, ==, cases[i].ns);
      g_assert_cmpstr (sysctl->value, ==, strchr (cases[i].text, '=') + 1);
    }
  g_assert_cmpint (sb_sysctls_namespaces (sysctls), ==, SB_NS_NET | SB_NS_IPC | SB_NS_USER);
  g_assert_true (sb_sysctls_find_unowned (sysctls, SB_NS_NET | SB_NS_IPC | SB_NS_USER) == NULL);
  g_assert_cmpstr (sb_sysctls_find_unowned (sysctls, SB_NS_NET | SB_NS_USER)->key, ==,
                   "kernel.shmmax");
}

static void
test_refused (void)
{
  static const struct {
    const char *text;
    const char *message;
  } cases[] = {
    { "kernel.panic=1", "--sysctl kernel.panic: not a sysctl of a namespace the sandbox can make "
      "(net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, user.max_*_namespaces): it "
      "would change the host" },
    { "kernel.hostname=x", NULL },
    { "kernel.semx=1", NULL },
    { "vm.overcommit_memory=1", NULL },
    { "user.max_user_namespacesx=1", NULL },
    { "user.max_a.b_namespaces=1", "--sysctl user.max_a.b_namespaces: not a sysctl of" },
    { "user.max__namespaces=1", NULL },
    { "net.ipv4.ip_forward", "--sysctl net.ipv4.ip_forward: expected KEY=VALUE, e.g. "
      "net.ipv4.ip_unprivileged_port_start=80" },
    { "net/../../kernel/panic=1", "--sysctl net/../../kernel/panic: not a sysctl name (dotted "
      "words, as sysctl(8) spells them)" },
    { "net..ipv4.x=1", "--sysctl net..ipv4.x: not a sysctl name" },
    { ".net.x=1", "--sysctl .net.x: not a sysctl name" },
    { "net.=1", "--sysctl net.: not a sysctl name" },
    { "=1", "--sysctl : not a sysctl name" },
    { "net.ipv4.x=1\n2", "--sysctl net.ipv4.x: the value holds a newline" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GArray) sysctls = sb_sysctls_new ();
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].text);
      g_assert_false (sb_sysctl_parse (cases[i].text, sysctls, &error));
      g_assert_error (error, SB_ERROR, SB_ERROR_USAGE);
      g_assert_true (g_str_has_prefix (error->message, "--sysctl "));
      if (cases[i].message != NULL)
        g_assert_true (g_str_has_prefix (error->message, cases[i].message));
      g_assert_cmpuint (sysctls->len, ==, 0);
    }
}

static void
test_path (void)
{
  g_autoptr(GArray) sysctls = sb_sysctls_new ();
  g_autofree char *path = NULL;

  g_assert_true (sb_sysctl_parse ("net.ipv4.conf.lo.forwarding=1", sysctls, NULL));
  path = sb_sysctl_path (&g_array_index (sysctls, SbSysctl, 0));
  g_assert_cmpstr (path, ==, "net/ipv4/conf/lo/forwarding");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sysctls/namespaced", test_namespaced);
  g_test_add_func ("/sysctls/refused", test_refused);
  g_test_add_func ("/sysctls/path", test_path);
  return g_test_run ();
}
