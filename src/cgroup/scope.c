#include "cgroup/scope.h"

#include "base/error.h"

#define MANAGER_NAME "org.freedesktop.systemd1"
#define MANAGER_PATH "/org/freedesktop/systemd1"
#define MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"

static char *
unix_address (const char *path)
{
  g_autofree char *escaped = g_dbus_address_escape_value (path);

  return g_strconcat ("unix:path=", escaped, NULL);
}

GDBusConnection *
sb_scope_connect (const char **manager, GError **error)
{
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");
  const char *session = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autofree char *private_socket = NULL, *bus_socket = NULL, *address = NULL;
  GDBusConnectionFlags flags = G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT;
  GDBusConnection *connection;

  if (runtime != NULL && runtime[0] == '/')
    {
      private_socket = g_build_filename (runtime, "systemd", "private", NULL);
      bus_socket = g_build_filename (runtime, "bus", NULL);
    }
  *manager = NULL;
  if (private_socket != NULL && g_file_test (private_socket, G_FILE_TEST_EXISTS))
    address = unix_address (private_socket);
  else
    {
      if (session != NULL && session[0] != '\0')
        address = g_strdup (session);
      else if (bus_socket != NULL && g_file_test (bus_socket, G_FILE_TEST_EXISTS))
        address = unix_address (bus_socket);
      else
        {
          sb_throw (error, SB_ERROR_SETUP, "no systemd user instance: %s",
                    private_socket == NULL
                        ? "XDG_RUNTIME_DIR is not set and DBUS_SESSION_BUS_ADDRESS neither"
                        : "neither $XDG_RUNTIME_DIR/systemd/private nor a session bus exists");
          return NULL;
        }
      *manager = MANAGER_NAME;
      flags |= G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION;
    }
  connection = g_dbus_connection_new_for_address_sync (address, flags, NULL, NULL, error);
  if (connection == NULL)
    {
      g_dbus_error_strip_remote_error (*error);
      g_prefix_error (error, "connecting to the systemd user instance at %s: ", address);
    }
  return connection;
}

/* Every JobRemoved seen, by job path: the signal may be dispatched before
 * the reply that names our job. */
typedef struct {
  GHashTable *results;  /* job path -> result ("done", "failed", ...) */
  gboolean timed_out;
} JobWatch;

static void
on_job_removed (GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *signal, GVariant *parameters, gpointer data)
{
  JobWatch *watch = data;
  guint32 id;
  const char *job, *unit, *result;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uoss)")))
    return;
  g_variant_get (parameters, "(u&o&s&s)", &id, &job, &unit, &result);
  g_hash_table_insert (watch->results, g_strdup (job), g_strdup (result));
}

static gboolean
on_timeout (gpointer data)
{
  JobWatch *watch = data;

  watch->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* StartTransientUnit's arguments: name, mode, properties, auxiliary units. */
static GVariant *
start_arguments (const char *unit, pid_t pid)
{
  guint32 pids[] = { (guint32) pid };
  GVariantBuilder properties;

  g_variant_builder_init (&properties, G_VARIANT_TYPE ("a(sv)"));
  g_variant_builder_add (&properties, "(sv)", "Description", g_variant_new_string ("sandbox"));
  g_variant_builder_add (&properties, "(sv)", "Delegate", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&properties, "(sv)", "PIDs",
                         g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, pids, G_N_ELEMENTS (pids),
                                                    sizeof pids[0]));
  return g_variant_new ("(ssa(sv)a(sa(sv)))", unit, "fail", &properties, NULL);
}

/* Iterates CONTEXT until JOB's JobRemoved came; its result, or NULL with
 * *ERROR set. */
static const char *
wait_for_job (GDBusConnection *connection, GMainContext *context, JobWatch *watch, const char *job,
              int timeout_ms, GError **error)
{
  g_autoptr(GSource) timeout = g_timeout_source_new (timeout_ms);
  const char *result;

  g_source_set_callback (timeout, on_timeout, watch, NULL);
  g_source_attach (timeout, context);
  while ((result = g_hash_table_lookup (watch->results, job)) == NULL && !watch->timed_out
         && !g_dbus_connection_is_closed (connection))
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (result == NULL)
    sb_throw (error, SB_ERROR_SETUP, "the systemd user instance %s before its job %s ended",
              watch->timed_out ? "took too long" : "went away", job);
  return result;
}

gboolean
sb_scope_start (GDBusConnection *connection, const char *manager, const char *unit, pid_t pid,
                int timeout_ms, GError **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GHashTable) results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JobWatch watch = { .results = results };
  g_autoptr(GVariant) reply = NULL;
  const char *job = NULL, *result = NULL;
  guint subscription;

  /* Signals are dispatched in the thread-default context of the
   * subscription: ours, iterated only here.  Subscribed before the call, so
   * that a job which ends at once is not missed. */
  g_main_context_push_thread_default (context);
  subscription = g_dbus_connection_signal_subscribe (connection, manager, MANAGER_INTERFACE,
                                                     "JobRemoved", MANAGER_PATH, NULL,
                                                     G_DBUS_SIGNAL_FLAGS_NONE, on_job_removed,
                                                     &watch, NULL);
  reply = g_dbus_connection_call_sync (connection, manager, MANAGER_PATH, MANAGER_INTERFACE,
                                       "StartTransientUnit", start_arguments (unit, pid),
                                       G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, timeout_ms,
                                       NULL, error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (*error);
      g_prefix_error (error, "asking the systemd user instance for the scope %s: ", unit);
    }
  else
    {
      g_variant_get (reply, "(&o)", &job);
      result = wait_for_job (connection, context, &watch, job, timeout_ms, error);
    }
  g_dbus_connection_signal_unsubscribe (connection, subscription);
  g_main_context_pop_thread_default (context);

  if (result == NULL)
    return FALSE;
  if (g_strcmp0 (result, "done") != 0)
    return sb_throw (error, SB_ERROR_SETUP,
                     "the systemd user instance did not start the scope %s: its job %s", unit,
                     result);
  return TRUE;
}
