/* Wall-clock start-to-exit time of commands, run alternately.
 *
 *   timer [--rounds N] [--warmup N] [--budget SECONDS] [--submounts N DIR]
 *         CMD ARGS... [:: CMD ARGS...]...
 *
 * Each round runs every command once, in an order rotated from round to
 * round (so that no command always follows the same one), and prints one
 * line per run: "INDEX NANOSECONDS".  The warm-up rounds are run but not
 * printed.  Rounds stop after N, or once the budget is spent (but never
 * before 5 rounds).  A command that exits with anything but 0 stops the
 * timer with status 1.  After each run the timer pauses as long as the run
 * took (at most 250 ms), so that the kernel's deferred teardown of one
 * sandbox does not land in the next one's time.  Commands are spawned with
 * posix_spawn (vfork + exec), which costs the timer little and the same for
 * all.  The first word of each command is the path; argv[0] is its basename,
 * so that a link named bwrap gives that personality.
 *
 * --submounts N DIR: first enter a new mount namespace (private from the
 * host's), and mount N small tmpfs on DIR/m0000... (needs root): the
 * commands then see a host with that many more mounts.  Nothing of it
 * outlives the timer. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_COMMANDS 16

static long
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int
set_up_submounts (long count, const char *dir)
{
  if (unshare (CLONE_NEWNS) != 0)
    {
      perror ("timer: unshare(CLONE_NEWNS)");
      return -1;
    }
  if (mount (NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) != 0)
    {
      perror ("timer: making / private");
      return -1;
    }
  if (mkdir (dir, 0755) != 0 && errno != EEXIST)
    {
      perror ("timer: mkdir");
      return -1;
    }
  for (long i = 0; i < count; i++)
    {
      char path[4096];

      snprintf (path, sizeof path, "%s/m%04ld", dir, i);
      if ((mkdir (path, 0755) != 0 && errno != EEXIST)
          || mount ("bench", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=16k,nr_inodes=16") != 0)
        {
          fprintf (stderr, "timer: mounting tmpfs on %s: %s\n", path, strerror (errno));
          return -1;
        }
    }
  return 0;
}

static long
run_once (const char *path, char **argv, posix_spawn_file_actions_t *actions)
{
  long start = now_ns ();
  pid_t pid;
  int status;
  int err = posix_spawn (&pid, path, actions, NULL, argv, environ);

  if (err != 0)
    {
      fprintf (stderr, "timer: spawning %s: %s\n", path, strerror (err));
      exit (1);
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      {
        perror ("timer: waitpid");
        exit (1);
      }
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "timer: %s exited with status %#x\n", path, status);
      exit (1);
    }
  return now_ns () - start;
}

/* The kernel finishes some of a sandbox's teardown after its tool exited
 * (the network namespace, the mounts of a pid 1 that outlives the monitor):
 * a pause as long as the run (at most 250 ms) keeps that work out of the
 * next command's time. */
static void
settle (long elapsed_ns)
{
  long pause = elapsed_ns < 250000000L ? elapsed_ns : 250000000L;
  struct timespec ts = { pause / 1000000000L, pause % 1000000000L };

  while (nanosleep (&ts, &ts) != 0 && errno == EINTR)
    ;
}

int
main (int argc, char **argv)
{
  long rounds = 100, warmup = 10, submounts = 0;
  double budget = 1e9;
  const char *submount_dir = NULL;
  char **commands[MAX_COMMANDS];
  const char *paths[MAX_COMMANDS];
  int n_commands = 0;
  posix_spawn_file_actions_t actions;
  long deadline;
  int i = 1;

  for (; i < argc && strncmp (argv[i], "--", 2) == 0; i++)
    {
      if (strcmp (argv[i], "--rounds") == 0 && i + 1 < argc)
        rounds = atol (argv[++i]);
      else if (strcmp (argv[i], "--warmup") == 0 && i + 1 < argc)
        warmup = atol (argv[++i]);
      else if (strcmp (argv[i], "--budget") == 0 && i + 1 < argc)
        budget = atof (argv[++i]);
      else if (strcmp (argv[i], "--submounts") == 0 && i + 2 < argc)
        {
          submounts = atol (argv[++i]);
          submount_dir = argv[++i];
        }
      else
        {
          fprintf (stderr, "timer: unknown option %s\n", argv[i]);
          return 2;
        }
    }
  /* Split the rest at "::"; argv[0] of each command becomes the basename
   * of its path. */
  while (i < argc)
    {
      char *path = argv[i];
      char *base = strrchr (path, '/');

      if (n_commands == MAX_COMMANDS)
        {
          fprintf (stderr, "timer: too many commands\n");
          return 2;
        }
      paths[n_commands] = path;
      commands[n_commands++] = &argv[i];
      argv[i] = base != NULL ? base + 1 : path;
      for (i++; i < argc && strcmp (argv[i], "::") != 0; i++)
        ;
      if (i < argc)
        argv[i++] = NULL;
    }
  if (n_commands == 0)
    {
      fprintf (stderr, "usage: timer [--rounds N] [--warmup N] [--budget S] CMD... [:: CMD...]...\n");
      return 2;
    }
  if (submounts > 0 && set_up_submounts (submounts, submount_dir) != 0)
    return 1;

  /* The sandboxed programs' output is not what is measured. */
  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addopen (&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen (&actions, 1, "/dev/null", O_WRONLY, 0);

  for (long r = 0; r < warmup; r++)
    for (int c = 0; c < n_commands; c++)
      settle (run_once (paths[c], commands[c], &actions));

  deadline = now_ns () + (long) (budget * 1e9);
  for (long r = 0; r < rounds && (r < 5 || now_ns () < deadline); r++)
    for (int k = 0; k < n_commands; k++)
      {
        int c = (int) ((r + k) % n_commands);
        long ns = run_once (paths[c], commands[c], &actions);

        printf ("%d %ld\n", c, ns);
        settle (ns);
      }
  return fflush (stdout) == 0 ? 0 : 1;
}
