/* Compiling, reading and loading seccomp filters.  The loading tests run the
 * filter in a forked child (no namespace needed) and check the errno of each
 * refused call from there. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <linux/filter.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "plan/plan.h"
#include "confine/seccomp-programs.h"

/* A failure found in the child, sent to the parent: the child cannot use
 * g_assert (the parent's test would not see it). */
static char child_failure[512];

#define EXPECT_ERRNO(call, want)                                                 \
  do                                                                             \
    {                                                                            \
      long ret_ = (call);                                                        \
      int err_ = errno;                                                          \
      if (child_failure[0] == '\0' && !(ret_ == -1 && err_ == (want)))           \
        g_snprintf (child_failure, sizeof child_failure, "%s: returned %ld, %s, " \
                    "expected %s", #call, ret_, ret_ == -1 ? g_strerror (err_) : "-", \
                    g_strerror (want));                                          \
    }                                                                            \
  while (0)

#define EXPECT_OK(call)                                                          \
  do                                                                             \
    {                                                                            \
      long ret_ = (call);                                                        \
      int err_ = errno;                                                          \
      if (child_failure[0] == '\0' && ret_ < 0)                                  \
        g_snprintf (child_failure, sizeof child_failure, "%s: %s", #call,       \
                    g_strerror (err_));                                          \
    }                                                                            \
  while (0)

typedef void (*ChildCheck) (void);

/* Loads `set` in a forked child with no_new_privs, runs `check` there, and
 * returns what failed ("" when nothing did). */
static char *
run_loaded (const SbSeccompSet *set, ChildCheck check)
{
  int fds[2];
  pid_t pid;
  int status;
  char buffer[sizeof child_failure] = "";
  ssize_t n;

  g_assert_no_errno (pipe2 (fds, O_CLOEXEC));
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autoptr(GError) error = NULL;

      close (fds[0]);
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        g_snprintf (child_failure, sizeof child_failure, "no_new_privs: %s", g_strerror (errno));
      else if (!sb_seccomp_load_shared (set, &error) || !sb_seccomp_load (set, &error))
        g_snprintf (child_failure, sizeof child_failure, "load: %s", error->message);
      else
        check ();
      if (write (fds[1], child_failure, strlen (child_failure)) < 0)
        _exit (2);
      _exit (0);
    }

  close (fds[1]);
  n = read (fds[0], buffer, sizeof buffer - 1);
  g_assert_cmpint (n, >=, 0);
  close (fds[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  return g_strdup (buffer);
}

static SbSeccompSet *
prepare_ok (const SbPlan *plan)
{
  g_autoptr(GError) error = NULL;
  SbSeccompSet *set = sb_seccomp_prepare (plan, &error);

  g_assert_no_error (error);
  g_assert_nonnull (set);
  return set;
}

static void
assert_child_ok (const SbSeccompSet *set, ChildCheck check)
{
  g_autofree char *failure = run_loaded (set, check);

  g_assert_cmpstr (failure, ==, "");
}

static void *
thread_main (void *data)
{
  return data;
}

static void
check_default_policy (void)
{
  int pipe_fds[2];
  char c = 'x';
  pthread_t thread;
  pid_t pid;
  int n;

  EXPECT_OK (pipe (pipe_fds));

  /* The terminal ioctls, with and without garbage in the upper 32 bits; a
   * pipe answers ENOTTY when the call gets through. */
  EXPECT_ERRNO (syscall (SYS_ioctl, pipe_fds[0], (unsigned long) TIOCSTI, &c), EPERM);
  EXPECT_ERRNO (syscall (SYS_ioctl, pipe_fds[0], TIOCSTI | (1UL << 32), &c), EPERM);
  EXPECT_ERRNO (syscall (SYS_ioctl, pipe_fds[0], TIOCSTI | 0xffffffff00000000UL, &c), EPERM);
  EXPECT_ERRNO (syscall (SYS_ioctl, pipe_fds[0], (unsigned long) TIOCLINUX, &c), EPERM);
  EXPECT_ERRNO (syscall (SYS_ioctl, pipe_fds[0], TIOCLINUX | (1UL << 40), &c), EPERM);
  EXPECT_ERRNO (syscall (SYS_ioctl, pipe_fds[0], (unsigned long) TIOCGWINSZ, &c), ENOTTY);
  EXPECT_OK (ioctl (pipe_fds[0], FIONREAD, &n));

  EXPECT_ERRNO (syscall (SYS_keyctl, 0, 0, 0, 0, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_add_key, NULL, NULL, NULL, 0, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_request_key, NULL, NULL, NULL, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_bpf, 0, NULL, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_userfaultfd, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_open_by_handle_at, -1, NULL, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_kexec_load, 0, 0, NULL, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_init_module, NULL, 0, NULL), EPERM);
  EXPECT_ERRNO (syscall (SYS_finit_module, -1, NULL, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_delete_module, NULL, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_quotactl, 0, NULL, 0, NULL), EPERM);
  EXPECT_ERRNO (syscall (SYS_syslog, 10, NULL, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_swapoff, "/nonexistent"), EPERM);
  EXPECT_ERRNO (syscall (SYS_reboot, 0, 0, 0, NULL), EPERM);
  EXPECT_ERRNO (syscall (SYS_settimeofday, NULL, NULL), EPERM);
  EXPECT_ERRNO (syscall (SYS_clock_settime, CLOCK_REALTIME, NULL), EPERM);
  EXPECT_ERRNO (syscall (SYS_io_uring_setup, 0, NULL), EPERM);
  EXPECT_ERRNO (personality (READ_IMPLIES_EXEC), EPERM);
  EXPECT_ERRNO (personality (MMAP_PAGE_ZERO | PER_LINUX32), EPERM);
  EXPECT_OK (personality (PER_LINUX));

  EXPECT_ERRNO (syscall (SYS_clone3, NULL, 0), ENOSYS);
  EXPECT_ERRNO (syscall (SYS_fsopen, NULL, 0), ENOSYS);
  EXPECT_ERRNO (syscall (SYS_open_tree, -1, NULL, 0), ENOSYS);
  EXPECT_ERRNO (syscall (SYS_move_mount, -1, NULL, -1, NULL, 0), ENOSYS);
  EXPECT_ERRNO (syscall (SYS_mount_setattr, -1, NULL, 0, NULL, 0), ENOSYS);

  /* Nesting: the kernel would answer ENOENT or EBADF to these arguments. */
  EXPECT_ERRNO (mount ("/nonexistent-a", "/nonexistent-b", NULL, MS_BIND, NULL), EPERM);
  EXPECT_ERRNO (umount2 ("/nonexistent-b", 0), EPERM);
  EXPECT_ERRNO (chroot ("/nonexistent-b"), EPERM);
  EXPECT_ERRNO (syscall (SYS_pivot_root, "/nonexistent-a", "/nonexistent-b"), EPERM);
  EXPECT_ERRNO (setns (-1, 0), EPERM);
  EXPECT_ERRNO (unshare (CLONE_NEWUSER), EPERM);
  EXPECT_ERRNO (unshare (CLONE_NEWNS | CLONE_FILES), EPERM);
  EXPECT_OK (unshare (CLONE_FILES));
  pid = syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0);
  if (pid == 0)
    _exit (0);
  EXPECT_ERRNO (pid, EPERM);

  /* What ordinary programs do still works: threads (through the clone3
   * fallback), fork, perf_event_open reaching the kernel. */
  EXPECT_ERRNO (syscall (SYS_perf_event_open, NULL, 0, -1, -1, 0), EFAULT);
  if (pthread_create (&thread, NULL, thread_main, NULL) != 0)
    g_snprintf (child_failure, sizeof child_failure, "pthread_create failed");
  else
    pthread_join (thread, NULL);
  pid = fork ();
  if (pid == 0)
    _exit (0);
  EXPECT_OK (pid);
  EXPECT_OK (waitpid (pid, NULL, 0));
}

static void
test_load_default (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) set = prepare_ok (plan);

  g_assert_cmpuint (sb_seccomp_set_count (set), ==, 1);
  assert_child_ok (set, check_default_policy);
}

#if defined(__x86_64__) && !defined(__ILP32__)
static long
syscall_i386 (long nr, long a, long b)
{
  long ret;

  __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
  return ret;
}

/* The same calls through the 32-bit and x32 entry points, whose numbers
 * differ: keyctl is 288 on i386, 0x40000000 + 250 on x32. */
static void
check_other_arches (void)
{
  long ret;

  ret = syscall_i386 (288, 0, 0);
  if (ret != -EPERM)
    g_snprintf (child_failure, sizeof child_failure, "i386 keyctl returned %ld", ret);
  ret = syscall_i386 (20 /* getpid */, 0, 0);
  if (ret != getpid ())
    g_snprintf (child_failure, sizeof child_failure, "i386 getpid returned %ld", ret);
  EXPECT_ERRNO (syscall (0x40000000 + 250, 0, 0, 0, 0, 0), EPERM);
  EXPECT_ERRNO (syscall (0x40000000 + 321 /* bpf */, 0, 0, 0), EPERM);
}

static gboolean
kernel_has_i386 (void)
{
  int status;
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (syscall_i386 (20, 0, 0) == getpid () ? 0 : 1);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}
#endif

static void
test_load_other_arches (void)
{
#if defined(__x86_64__) && !defined(__ILP32__)
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) set = prepare_ok (plan);

  if (!kernel_has_i386 ())
    {
      g_test_skip ("the kernel runs no i386 code (ia32_emulation off)");
      return;
    }
  assert_child_ok (set, check_other_arches);
#else
  g_test_skip ("x86_64 only");
#endif
}

static void
check_nesting_allowed (void)
{
  EXPECT_ERRNO (setns (-1, 0), EBADF);
  EXPECT_ERRNO (syscall (SYS_clone3, NULL, 0), ENOSYS);
  EXPECT_ERRNO (syscall (SYS_keyctl, 0, 0, 0, 0, 0), EPERM);
}

static void
test_load_allow_nesting (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) set = NULL;

  plan->allow_nesting = true;
  set = prepare_ok (plan);
  assert_child_ok (set, check_nesting_allowed);
}

static void
check_logged (void)
{
  /* Logged, not refused: the kernel itself answers. */
  EXPECT_ERRNO (syscall (SYS_setns, -1, 0), EBADF);
  EXPECT_ERRNO (syscall (SYS_clone3, NULL, 0), EINVAL);
}

static void
test_load_log (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) set = NULL;

  plan->seccomp_log = true;
  set = prepare_ok (plan);
  assert_child_ok (set, check_logged);
}

static void
test_prepare_none (void)
{
  g_autoptr(SbPlan) bwrap = sb_plan_new (SB_PERSONALITY_BWRAP);
  g_autoptr(SbPlan) none = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) bwrap_set = prepare_ok (bwrap);
  g_autoptr(SbSeccompSet) none_set = NULL;
  g_autoptr(GError) error = NULL;

  none->seccomp_profile = SB_SECCOMP_PROFILE_NONE;
  none_set = prepare_ok (none);
  g_assert_cmpuint (sb_seccomp_set_count (bwrap_set), ==, 0);
  g_assert_cmpuint (sb_seccomp_set_count (none_set), ==, 0);
  g_assert_true (sb_seccomp_load (none_set, &error));
  g_assert_no_error (error);
}

/* A memfd holding `data`, inheritable as a caller passes it. */
static int
memfd_with (const void *data, gsize len)
{
  int fd = memfd_create ("test", 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
  g_assert_no_errno (lseek (fd, 0, SEEK_SET));
  return fd;
}

/* A caller's program, made with libseccomp as a caller would: `syscall`
 * fails with `errnum`, everything else is allowed.  Inheritable. */
static int
caller_program_fd (const char *syscall_name, int errnum)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  int fd = memfd_create ("program", 0);

  g_assert_nonnull (ctx);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (errnum), seccomp_syscall_resolve_name (syscall_name), 0), ==, 0);
  g_assert_cmpint (seccomp_export_bpf (ctx, fd), ==, 0);
  seccomp_release (ctx);
  g_assert_no_errno (lseek (fd, 0, SEEK_SET));
  return fd;
}

static void
check_stacked (void)
{
  /* All programs run; on equal actions the last loaded decides. */
  EXPECT_ERRNO (syscall (SYS_getppid), EXDEV);
  EXPECT_ERRNO (syscall (SYS_getpgid, 0), EROFS);
  EXPECT_ERRNO (syscall (SYS_keyctl, 0, 0, 0, 0, 0), EPERM);
}

/* --seccomp-profile default --add-seccomp-fd A --add-seccomp-fd B */
static void
test_caller_stacking (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) set = NULL;
  int a = caller_program_fd ("getppid", ENOENT);
  int b = caller_program_fd ("getppid", EXDEV);
  int c = caller_program_fd ("getpgid", EROFS);

  g_array_append_val (plan->seccomp_fds, a);
  g_array_append_val (plan->seccomp_fds, b);
  g_array_append_val (plan->seccomp_fds, c);
  set = prepare_ok (plan);
  g_assert_cmpuint (sb_seccomp_set_count (set), ==, 4);

  /* Read, then kept from the command as bwrap does by closing it. */
  g_assert_cmpint (fcntl (a, F_GETFD), ==, FD_CLOEXEC);
  assert_child_ok (set, check_stacked);
  close (a);
  close (b);
  close (c);
}

static void
check_caller_only (void)
{
  EXPECT_ERRNO (syscall (SYS_getppid), EXDEV);
  EXPECT_ERRNO (syscall (SYS_setns, -1, 0), EBADF);
}

static const SbSeccompSet *shared_set;

static int
filters_loaded (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (line = strstr (status, "Seccomp_filters:")) == NULL)
    return -1;
  return atoi (line + strlen ("Seccomp_filters:"));
}

static void
check_shared_then_rest (void)
{
  g_autoptr(GError) error = NULL;

  /* Before the fork: the built-in policy alone, the caller's not yet. */
  EXPECT_OK (sb_seccomp_load_shared (shared_set, &error) ? 0 : -1);
  EXPECT_OK (filters_loaded () == 1 ? 0 : -1);
  EXPECT_OK (syscall (SYS_getppid));
  EXPECT_ERRNO (syscall (SYS_ioctl, 0, (unsigned long) TIOCSTI, "x"), EPERM);
  /* Last, in each process: the caller's, and nothing twice. */
  EXPECT_OK (sb_seccomp_load (shared_set, &error) ? 0 : -1);
  EXPECT_OK (filters_loaded () == 2 ? 0 : -1);
  EXPECT_ERRNO (syscall (SYS_getppid), EXDEV);
}

/* Our built-in policy is loaded once before pid 1 forks the command, the
 * caller's programs after, in each process. */
static void
test_load_shared (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) set = NULL;
  int caller = caller_program_fd ("getppid", EXDEV);

  g_array_append_val (plan->seccomp_fds, caller);
  plan->seccomp_profile = SB_SECCOMP_PROFILE_DEFAULT;
  set = prepare_ok (plan);
  g_assert_cmpuint (sb_seccomp_set_count (set), ==, 2);
  shared_set = set;
  assert_child_ok (NULL, check_shared_then_rest);
  shared_set = NULL;
  close (caller);
}

/* bwrap's --seccomp FD alone. */
static void
test_caller_seccomp_fd (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_BWRAP);
  g_autoptr(SbSeccompSet) set = NULL;

  plan->seccomp_fd = caller_program_fd ("getppid", EXDEV);
  set = prepare_ok (plan);
  g_assert_cmpuint (sb_seccomp_set_count (set), ==, 1);
  assert_child_ok (set, check_caller_only);
  close (plan->seccomp_fd);
}

static void
assert_caller_data_refused (const void *data, gsize len, const char *message)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_BWRAP);
  g_autoptr(GError) error = NULL;
  g_autoptr(SbSeccompSet) set = NULL;
  int fd = memfd_with (data, len);

  g_array_append_val (plan->seccomp_fds, fd);
  set = sb_seccomp_prepare (plan, &error);
  g_assert_null (set);
  g_assert_error (error, SB_ERROR, SB_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, message);
  close (fd);
}

static void
test_caller_invalid (void)
{
  g_autofree struct sock_filter *huge = g_new0 (struct sock_filter, BPF_MAXINSNS + 1);
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_BWRAP);
  g_autoptr(GError) error = NULL;
  g_autoptr(SbSeccompSet) set = NULL;

  assert_caller_data_refused ("1234567", 7, "Invalid seccomp data, must be multiple of 8");
  assert_caller_data_refused ("123456789", 9, "Invalid seccomp data, must be multiple of 8");
  assert_caller_data_refused ("", 0, "Invalid seccomp data, must not be empty");
  assert_caller_data_refused (huge, sizeof *huge * (BPF_MAXINSNS + 1),
                              "Invalid seccomp data, more than 4096 instructions");

  plan->seccomp_fd = 1000;
  set = sb_seccomp_prepare (plan, &error);
  g_assert_null (set);
  g_assert_error (error, SB_ERRNO_ERROR, EBADF);
  g_assert_cmpstr (error->message, ==, "Can't read seccomp data: Bad file descriptor");
}

/* A well-sized program the kernel refuses fails at load, with bwrap's words. */
static void
test_caller_rejected_by_kernel (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_BWRAP);
  g_autoptr(SbSeccompSet) set = NULL;
  g_autofree char *failure = NULL;
  struct sock_filter no_return[1] = { { 0 } };

  plan->seccomp_fd = memfd_with (no_return, sizeof no_return);
  set = prepare_ok (plan);
  failure = run_loaded (set, check_caller_only);
  g_assert_cmpstr (failure, ==,
                   "load: Unable to set up system call filtering as requested: prctl(PR_SET_SECCOMP) "
                   "reported EINVAL. (Hint: this requires a kernel configured with CONFIG_SECCOMP and "
                   "CONFIG_SECCOMP_FILTER.)");
  close (plan->seccomp_fd);
}

static char *
write_temp_policy (const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("sandbox-policy-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
check_policy_file (void)
{
  EXPECT_ERRNO (syscall (SYS_getppid), ENOTSUP);
  EXPECT_ERRNO (syscall (SYS_keyctl, 0, 0, 0, 0, 0), EPERM);
  EXPECT_ERRNO (syscall (SYS_clone3, NULL, 0), EINVAL);
  EXPECT_ERRNO (syscall (SYS_getpgid, 0x77), EROFS);
  EXPECT_OK (syscall (SYS_getpgid, 0));
}

static void
test_profile_file (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) set = NULL;
  g_autofree char *path = write_temp_policy (
    "include default\n"
    "allow clone3   # lifted\n"
    "deny getppid ENOTSUP\n"
    "deny getpgid EROFS if arg0 == 0x77\n");

  plan->seccomp_profile = SB_SECCOMP_PROFILE_FILE;
  plan->seccomp_profile_path = g_strdup (path);
  set = prepare_ok (plan);
  g_assert_cmpuint (sb_seccomp_set_count (set), ==, 1);
  assert_child_ok (set, check_policy_file);
  g_unlink (path);
}

static void
check_default_deny (void)
{
  EXPECT_ERRNO (syscall (SYS_getppid), EACCES);
  EXPECT_OK (syscall (SYS_getpid));
}

static void
test_profile_file_default_deny (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) set = NULL;
  g_autofree char *path = NULL;
  GString *text = g_string_new ("default deny EACCES\n");
  /* What the child needs after the load, sanitizers' runtimes included. */
  const char *allowed[] = {
    "getpid", "write", "exit", "exit_group", "close", "rt_sigreturn", "prctl", "seccomp",
    "sigaltstack", "mmap", "munmap", "madvise", "rt_sigprocmask", "rt_sigaction", "gettid",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (allowed); i++)
    g_string_append_printf (text, "allow %s\n", allowed[i]);
  g_string_append (text, "deny getppid EACCES  # same as the default: not compiled\n");
  path = write_temp_policy (text->str);
  g_string_free (text, TRUE);

  plan->seccomp_profile = SB_SECCOMP_PROFILE_FILE;
  plan->seccomp_profile_path = g_strdup (path);
  set = prepare_ok (plan);
  assert_child_ok (set, check_default_deny);
  g_unlink (path);
}

static void
test_profile_file_errors (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(GError) error = NULL;
  g_autoptr(SbSeccompSet) set = NULL;
  g_autofree char *path = write_temp_policy ("include default\n\nallow nosuchcall\n");
  g_autofree char *expected = g_strdup_printf ("%s:3: unknown system call \"nosuchcall\"", path);

  plan->seccomp_profile = SB_SECCOMP_PROFILE_FILE;
  plan->seccomp_profile_path = g_strdup (path);
  set = sb_seccomp_prepare (plan, &error);
  g_assert_null (set);
  g_assert_error (error, SB_ERROR, SB_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_unlink (path);

  g_free (plan->seccomp_profile_path);
  plan->seccomp_profile_path = g_strdup ("/nonexistent/policy");
  set = sb_seccomp_prepare (plan, &error);
  g_assert_null (set);
  g_assert_error (error, SB_ERRNO_ERROR, ENOENT);
  g_assert_cmpstr (error->message, ==, "--seccomp-profile: opening /nonexistent/policy: No such file or directory");
  g_clear_error (&error);

  g_free (plan->seccomp_profile_path);
  plan->seccomp_profile_path = g_strdup ("/");
  set = sb_seccomp_prepare (plan, &error);
  g_assert_null (set);
  g_assert_error (error, SB_ERRNO_ERROR, EISDIR);
}

static void
test_describe (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *none_text = NULL;
  int fd = 7;

  plan->seccomp_log = true;
  text = sb_seccomp_describe (plan, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (text, "# The built-in policy.\n# --seccomp-log"));
  g_assert_nonnull (strstr (text, "\ndefault allow\nlog ioctl if arg1 & 0xffffffff == 0x5412  # tty: "));

  plan->seccomp_profile = SB_SECCOMP_PROFILE_NONE;
  plan->seccomp_log = false;
  g_array_append_val (plan->seccomp_fds, fd);
  none_text = sb_seccomp_describe (plan, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (none_text, ==,
                   "# No policy of ours (--seccomp-profile none).\n"
                   "# Loaded after it: the program from --add-seccomp-fd 7 (not shown).\n"
                   "default allow\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/seccomp/load/default", test_load_default);
  g_test_add_func ("/seccomp/load/other-arches", test_load_other_arches);
  g_test_add_func ("/seccomp/load/allow-nesting", test_load_allow_nesting);
  g_test_add_func ("/seccomp/load/log", test_load_log);
  g_test_add_func ("/seccomp/load/shared", test_load_shared);
  g_test_add_func ("/seccomp/prepare/none", test_prepare_none);
  g_test_add_func ("/seccomp/caller/stacking", test_caller_stacking);
  g_test_add_func ("/seccomp/caller/seccomp-fd", test_caller_seccomp_fd);
  g_test_add_func ("/seccomp/caller/invalid", test_caller_invalid);
  g_test_add_func ("/seccomp/caller/rejected-by-kernel", test_caller_rejected_by_kernel);
  g_test_add_func ("/seccomp/profile-file/load", test_profile_file);
  g_test_add_func ("/seccomp/profile-file/default-deny", test_profile_file_default_deny);
  g_test_add_func ("/seccomp/profile-file/errors", test_profile_file_errors);
  g_test_add_func ("/seccomp/describe", test_describe);

  return g_test_run ();
}
