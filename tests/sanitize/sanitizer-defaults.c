/* Linked into the sanitizer build only (tests/sanitize/run).
 *
 * 1. The sanitizers' options, compiled in: the test runner starts the tool
 *    with a cleaned environment (run-pytest's env -i for the unprivileged
 *    account), where ASAN_OPTIONS and UBSAN_OPTIONS would be lost.  The
 *    environment still overrides these.
 *
 * 2. Where LeakSanitizer cannot work, its exit-time check is skipped
 *    (__lsan_is_turned_off, which LSan asks just before checking).  The
 *    check stops the process's threads with a tracer task that it clones
 *    and that ptraces them by their pid.  Two states of ours break that:
 *     - the process joined or created a pid namespace for its children
 *       (--pidns does setns (CLONE_NEWPID); the relay of --pidns with
 *       --unshare-pid does unshare (CLONE_NEWPID)): the tracer is born in
 *       that namespace, where the parent's pid means nothing, and LSan's
 *       StopTheWorld then spins in sched_yield forever;
 *     - the process is inside a sandbox without /proc: LSan cannot read
 *       its memory map.  (The sandbox's processes normally _exit or exec,
 *       which never runs the check.)
 *    Both are recognised from /proc/self/ns: pid and pid_for_children
 *    must be readable and the same namespace.
 *     - the binary was installed setuid or setgid (the security suite does
 *       this to check that the tool refuses to run): the tracer, with the
 *       caller's real ids, may not ptrace a set-id process. */
#include <sys/stat.h>
#include <unistd.h>

const char *__asan_default_options (void);
const char *__ubsan_default_options (void);
int __lsan_is_turned_off (void);

const char *
__asan_default_options (void)
{
  /* exitcode 99: a report is never mistaken for the command's status. */
  return "detect_leaks=1:exitcode=99:print_summary=1:strict_string_checks=1"
         ":detect_stack_use_after_return=1:check_initialization_order=1";
}

const char *
__ubsan_default_options (void)
{
  return "halt_on_error=1:print_stacktrace=1:exitcode=99";
}

int
__lsan_is_turned_off (void)
{
  struct stat own, children;

  if (getuid () != geteuid () || getgid () != getegid ())
    return 1;
  if (stat ("/proc/self/ns/pid", &own) != 0
      || stat ("/proc/self/ns/pid_for_children", &children) != 0)
    return 1;
  return own.st_ino != children.st_ino || own.st_dev != children.st_dev;
}
