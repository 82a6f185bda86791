/* The command of the RSS measurement: prints the peak RSS of its process in
 * kB, then waits for the end of stdin (the benchmark reads the other
 * processes' VmHWM meanwhile).
 *
 * The peak is getrusage's ru_maxrss, which the kernel carries across execve:
 * it is the larger of what the sandbox's command process used before exec and
 * what this program uses.  So this program must use next to nothing: no libc,
 * a few pages.  Build: gcc -O2 -static -nostdlib -fno-stack-protector. */
#include <asm/unistd.h>

struct timeval_ { long sec, usec; };
struct rusage_ {
  struct timeval_ utime, stime;
  long maxrss, rest[13];
};

static long
sys3 (long nr, long a, long b, long c)
{
  long ret;
#if defined(__x86_64__)
  __asm__ volatile ("syscall" : "=a" (ret) : "a" (nr), "D" (a), "S" (b), "d" (c) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  register long x8 __asm__ ("x8") = nr;
  register long x0 __asm__ ("x0") = a;
  register long x1 __asm__ ("x1") = b;
  register long x2 __asm__ ("x2") = c;
  __asm__ volatile ("svc 0" : "+r" (x0) : "r" (x8), "r" (x1), "r" (x2) : "memory");
  ret = x0;
#else
#error "rss-probe: only x86_64 and aarch64"
#endif
  return ret;
}

void _start (void) __attribute__ ((noreturn));

void
_start (void)
{
  struct rusage_ usage;
  char text[32];
  char *p = text + sizeof text;
  long kb;

  sys3 (__NR_getrusage, 0 /* RUSAGE_SELF */, (long) &usage, 0);
  kb = usage.maxrss;
  *--p = '\n';
  do
    *--p = (char) ('0' + kb % 10);
  while ((kb /= 10) > 0);
  sys3 (__NR_write, 1, (long) p, text + sizeof text - p);
  while (sys3 (__NR_read, 0, (long) text, sizeof text) > 0)
    ;
  for (;;)
    sys3 (__NR_exit, 0, 0, 0);
}
