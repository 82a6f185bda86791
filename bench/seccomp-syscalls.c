/* The per-call cost of the seccomp filter: a tight loop of cheap system calls,
 * timed with CLOCK_MONOTONIC.  Run inside the sandbox with and without the
 * filter by seccomp-bench.py; prints "NAME NANOSECONDS-PER-CALL" lines.
 *
 *   getppid  allowed, no argument test: the plain cost of the filter walk
 *   ioctl    FIONREAD on a pipe: ioctl's rules compare the request argument
 *   read     one byte from /dev/zero, a typical I/O call
 *   close    close(-1): the cheapest trip into the kernel */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main (int argc, char **argv)
{
  long iterations = argc > 1 ? atol (argv[1]) : 1000000;
  int pipe_fds[2];
  int zero = open ("/dev/zero", O_RDONLY | O_CLOEXEC);
  int pending;
  char byte;
  double start;

  if (pipe (pipe_fds) != 0 || zero < 0)
    {
      perror ("seccomp-syscalls: setup");
      return 1;
    }

  start = now_ns ();
  for (long i = 0; i < iterations; i++)
    syscall (SYS_getppid);
  printf ("getppid %.1f\n", (now_ns () - start) / iterations);

  start = now_ns ();
  for (long i = 0; i < iterations; i++)
    if (ioctl (pipe_fds[0], FIONREAD, &pending) != 0)
      return 1;
  printf ("ioctl %.1f\n", (now_ns () - start) / iterations);

  start = now_ns ();
  for (long i = 0; i < iterations; i++)
    if (read (zero, &byte, 1) != 1)
      return 1;
  printf ("read %.1f\n", (now_ns () - start) / iterations);

  start = now_ns ();
  for (long i = 0; i < iterations; i++)
    close (-1);
  printf ("close %.1f\n", (now_ns () - start) / iterations);
  return 0;
}
