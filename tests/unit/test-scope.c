/* The systemd user scope (cgroup/scope.c) against a fake systemd user
 * instance: a GDBusServer on $XDG_RUNTIME_DIR/systemd/private, served in a
 * thread of its own, implementing StartTransientUnit and JobRemoved.  This
 * host has no systemd user instance: nothing here talks to a real one. */
#include <gio/gio.h>

#include "cgroup/scope.h"

#define MANAGER_XML                                                                \
  "<node><interface name='org.freedesktop.systemd1.Manager'>"                      \
  "<method name='StartTransientUnit'><arg type='s' direction='in'/>"               \
  "<arg type='s' direction='in'/><arg type='a(sv)' direction='in'/>"               \
  "<arg type='a(sa(sv))' direction='in'/><arg type='o' direction='out'/></method>" \
  "<signal name='JobRemoved'><arg type='u'/><arg type='o'/><arg type='s'/>"        \
  "<arg type='s'/></signal></interface></node>"

typedef struct {
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  GDBusServer *server;
  GDBusNodeInfo *node;
  const char *result;  /* what the job ends with */
  GMutex lock;         /* the fields below, written by the fake's thread */
  char *unit, *mode;
  gboolean delegate;
  guint32 pid;
} FakeManager;

static void
emit_job_removed (GDBusConnection *connection, guint32 id, const char *unit, const char *result)
{
  g_autofree char *job = g_strdup_printf ("/org/freedesktop/systemd1/job/%u", id);

  g_dbus_connection_emit_signal (connection, NULL, "/org/freedesktop/systemd1",
                                 "org.freedesktop.systemd1.Manager", "JobRemoved",
                                 g_variant_new ("(uoss)", id, job, unit, result), NULL);
}

static void
on_method (GDBusConnection *connection, const char *sender, const char *path,
           const char *interface, const char *method, GVariant *parameters,
           GDBusMethodInvocation *invocation, gpointer data)
{
  FakeManager *fake = data;
  g_autoptr(GVariantIter) properties = NULL;
  const char *unit, *mode, *key;
  GVariant *value;

  g_variant_get (parameters, "(&s&sa(sv)@a(sa(sv)))", &unit, &mode, &properties, NULL);
  g_mutex_lock (&fake->lock);
  fake->unit = g_strdup (unit);
  fake->mode = g_strdup (mode);
  while (g_variant_iter_next (properties, "(&sv)", &key, &value))
    {
      if (g_str_equal (key, "Delegate"))
        fake->delegate = g_variant_get_boolean (value);
      else if (g_str_equal (key, "PIDs") && g_variant_n_children (value) == 1)
        g_variant_get_child (value, 0, "u", &fake->pid);
      g_variant_unref (value);
    }
  g_mutex_unlock (&fake->lock);
  /* Another job's end first: only ours counts. */
  emit_job_removed (connection, 6, "other.service", "failed");
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(o)", "/org/freedesktop/systemd1/job/7"));
  emit_job_removed (connection, 7, unit, fake->result);
}

static const GDBusInterfaceVTable manager_vtable = { on_method, NULL, NULL };

static gboolean
on_new_connection (GDBusServer *server, GDBusConnection *connection, gpointer data)
{
  FakeManager *fake = data;

  g_dbus_connection_register_object (connection, "/org/freedesktop/systemd1",
                                     fake->node->interfaces[0], &manager_vtable, fake, NULL, NULL);
  g_object_ref (connection);
  return TRUE;
}

static gpointer
serve (gpointer data)
{
  FakeManager *fake = data;

  g_main_context_push_thread_default (fake->context);
  g_main_loop_run (fake->loop);
  g_main_context_pop_thread_default (fake->context);
  return NULL;
}

/* The fake on RUNTIME/systemd/private, answering jobs with RESULT. */
static FakeManager *
fake_start (const char *runtime, const char *result)
{
  FakeManager *fake = g_new0 (FakeManager, 1);
  g_autofree char *dir = g_build_filename (runtime, "systemd", NULL);
  g_autofree char *address = g_strdup_printf ("unix:path=%s/private", dir);
  g_autofree char *guid = g_dbus_generate_guid ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  fake->result = result;
  fake->node = g_dbus_node_info_new_for_xml (MANAGER_XML, &error);
  g_assert_no_error (error);
  fake->context = g_main_context_new ();
  fake->loop = g_main_loop_new (fake->context, FALSE);
  g_main_context_push_thread_default (fake->context);
  fake->server = g_dbus_server_new_sync (address, G_DBUS_SERVER_FLAGS_NONE, guid, NULL, NULL,
                                         &error);
  g_assert_no_error (error);
  g_signal_connect (fake->server, "new-connection", G_CALLBACK (on_new_connection), fake);
  g_dbus_server_start (fake->server);
  g_main_context_pop_thread_default (fake->context);
  fake->thread = g_thread_new ("fake-systemd", serve, fake);
  return fake;
}

static void
fake_stop (FakeManager *fake)
{
  g_main_loop_quit (fake->loop);
  g_thread_join (fake->thread);
  g_dbus_server_stop (fake->server);
  g_object_unref (fake->server);
  g_main_loop_unref (fake->loop);
  g_main_context_unref (fake->context);
  g_dbus_node_info_unref (fake->node);
  g_free (fake->unit);
  g_free (fake->mode);
  g_free (fake);
}

static void
remove_all (const char *path)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", path);

  g_assert_cmpint (system (command), ==, 0);
}

static gboolean
start_scope (GError **error)
{
  g_autoptr(GDBusConnection) connection = NULL;
  const char *manager = "unset";

  connection = sb_scope_connect (&manager, error);
  if (connection == NULL)
    return FALSE;
  g_assert_null (manager);  /* the private socket: peer to peer */
  return sb_scope_start (connection, manager, "sandbox-4242-99.scope", 4242, 5000, error);
}

static void
test_started (void)
{
  g_autofree char *runtime = g_dir_make_tmp ("sb-scope-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  FakeManager *fake;

  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  fake = fake_start (runtime, "done");
  g_assert_true (start_scope (&error));
  g_assert_no_error (error);
  g_assert_cmpstr (fake->unit, ==, "sandbox-4242-99.scope");
  g_assert_cmpstr (fake->mode, ==, "fail");
  g_assert_true (fake->delegate);
  g_assert_cmpuint (fake->pid, ==, 4242);
  fake_stop (fake);
  remove_all (runtime);
}

static void
test_job_failed (void)
{
  g_autofree char *runtime = g_dir_make_tmp ("sb-scope-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  FakeManager *fake;

  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  fake = fake_start (runtime, "failed");
  g_assert_false (start_scope (&error));
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==,
                   "the systemd user instance did not start the scope sandbox-4242-99.scope: "
                   "its job failed");
  fake_stop (fake);
  remove_all (runtime);
}

static void
test_no_instance (void)
{
  g_autofree char *runtime = g_dir_make_tmp ("sb-scope-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  const char *manager;

  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  g_assert_null (sb_scope_connect (&manager, &error));
  g_assert_cmpstr (error->message, ==,
                   "no systemd user instance: neither $XDG_RUNTIME_DIR/systemd/private nor a "
                   "session bus exists");
  remove_all (runtime);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_test_add_func ("/scope/started", test_started);
  g_test_add_func ("/scope/job-failed", test_job_failed);
  g_test_add_func ("/scope/no-instance", test_no_instance);
  return g_test_run ();
}
