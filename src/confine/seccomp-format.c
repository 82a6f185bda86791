/* The policy file format (described in seccomp-policy.h): parser and printer. */
#include "confine/seccomp-policy.h"

#include <errno.h>
#include <seccomp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include "base/error.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define MAX_ERRNO 4095

static const struct
{
  const char *name;
  guint64 value;
} constants[] = {
  { "TIOCSTI", TIOCSTI },
  { "TIOCLINUX", TIOCLINUX },
  { "CLONE_NEWNS", CLONE_NEWNS },
  { "CLONE_NEWCGROUP", CLONE_NEWCGROUP },
  { "CLONE_NEWUTS", CLONE_NEWUTS },
  { "CLONE_NEWIPC", CLONE_NEWIPC },
  { "CLONE_NEWUSER", CLONE_NEWUSER },
  { "CLONE_NEWPID", CLONE_NEWPID },
  { "CLONE_NEWNET", CLONE_NEWNET },
  { "CLONE_NEWTIME", CLONE_NEWTIME },
  { "PER_LINUX", PER_LINUX },
  { "PER_LINUX32", PER_LINUX32 },
  { "ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE },
  { "MMAP_PAGE_ZERO", MMAP_PAGE_ZERO },
  { "READ_IMPLIES_EXEC", READ_IMPLIES_EXEC },
  { "AF_UNIX", AF_UNIX },
  { "AF_INET", AF_INET },
  { "AF_INET6", AF_INET6 },
  { "AF_NETLINK", AF_NETLINK },
  { "AF_PACKET", AF_PACKET },
  { "AF_VSOCK", AF_VSOCK },
};

static const char *const op_names[] = {
  [SB_SECCOMP_EQ] = "==",
  [SB_SECCOMP_NE] = "!=",
  [SB_SECCOMP_LT] = "<",
  [SB_SECCOMP_LE] = "<=",
  [SB_SECCOMP_GT] = ">",
  [SB_SECCOMP_GE] = ">=",
  [SB_SECCOMP_MASKED_EQ] = "==", /* after "& MASK" */
};

static const char *
action_name (SbSeccompAction action)
{
  switch (action)
    {
    case SB_SECCOMP_ALLOW:
      return "allow";
    case SB_SECCOMP_DENY:
      return "deny";
    case SB_SECCOMP_LOG:
      return "log";
    default:
      g_assert_not_reached ();
    }
}

/* One line being parsed: its tokens and where we are. */
typedef struct {
  const char *filename;
  guint line;
  GPtrArray *tokens;
  guint pos;
} Cursor;

static gboolean fail (const Cursor *c, GError **error, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (const Cursor *c, GError **error, const char *format, ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  return sb_throw (error, SB_ERROR_INVALID, "%s:%u: %s", c->filename, c->line, reason);
}

static const char *
peek (const Cursor *c)
{
  return c->pos < c->tokens->len ? g_ptr_array_index (c->tokens, c->pos) : NULL;
}

static const char *
next (Cursor *c)
{
  const char *token = peek (c);

  if (token != NULL)
    c->pos++;
  return token;
}

static gboolean
is_word_char (char ch)
{
  return g_ascii_isalnum (ch) || ch == '_' || ch == '-';
}

/* Words, and the operators == != < <= > >= &, with or without spaces around. */
static gboolean
tokenize (Cursor *c, const char *text, GError **error)
{
  const char *p = text;

  while (*p != '\0')
    {
      const char *start = p;

      if (g_ascii_isspace (*p))
        {
          p++;
          continue;
        }
      if (is_word_char (*p))
        while (is_word_char (*p))
          p++;
      else if (*p == '&')
        p++;
      else if ((*p == '=' || *p == '!') && p[1] == '=')
        p += 2;
      else if (*p == '<' || *p == '>')
        p += p[1] == '=' ? 2 : 1;
      else if (g_ascii_isprint (*p))
        return fail (c, error, "unexpected character '%c'", *p);
      else
        return fail (c, error, "unexpected byte 0x%02x", (guchar) *p);
      g_ptr_array_add (c->tokens, g_strndup (start, p - start));
    }
  return TRUE;
}

static gboolean
parse_errno (const Cursor *c, const char *token, int *errnum, GError **error)
{
  if (g_ascii_isdigit (token[0]))
    {
      guint64 n;

      if (g_ascii_string_to_unsigned (token, 10, 0, MAX_ERRNO, &n, NULL))
        {
          *errnum = n;
          return TRUE;
        }
      return fail (c, error, "errno %s is not a number from 0 to %d", token, MAX_ERRNO);
    }
  /* strerrorname_np gives one name per value; these are the other names. */
  if (g_str_equal (token, "ENOTSUP"))
    token = "EOPNOTSUPP";
  else if (g_str_equal (token, "EWOULDBLOCK"))
    token = "EAGAIN";
  else if (g_str_equal (token, "EDEADLOCK"))
    token = "EDEADLK";
  for (int e = 1; e <= MAX_ERRNO; e++)
    {
      const char *name = strerrorname_np (e);

      if (name != NULL && g_str_equal (name, token))
        {
          *errnum = e;
          return TRUE;
        }
    }
  return fail (c, error, "unknown errno \"%s\"", token);
}

/* "allow", "log", or "deny [ERRNO]" (the errno follows what was read so far). */
static gboolean
parse_action (Cursor *c, const char *word, SbSeccompAction *action, int *errnum, GError **error)
{
  *errnum = 0;
  if (g_str_equal (word, "allow"))
    *action = SB_SECCOMP_ALLOW;
  else if (g_str_equal (word, "log"))
    *action = SB_SECCOMP_LOG;
  else if (g_str_equal (word, "deny"))
    {
      const char *token = peek (c);

      *action = SB_SECCOMP_DENY;
      *errnum = EPERM;
      if (token != NULL && !g_str_equal (token, "if"))
        return parse_errno (c, next (c), errnum, error);
    }
  else
    return fail (c, error, "unknown action \"%s\" (expected allow, deny or log)", word);
  return TRUE;
}

static gboolean
parse_value (const Cursor *c, const char *token, guint64 *value, GError **error)
{
  char *end = NULL;

  if (token == NULL)
    return fail (c, error, "missing value at the end of the line");
  for (gsize i = 0; i < G_N_ELEMENTS (constants); i++)
    if (g_str_equal (token, constants[i].name))
      {
        *value = constants[i].value;
        return TRUE;
      }
  if (g_ascii_isdigit (token[0]))
    {
      errno = 0;
      *value = strtoull (token, &end, 0);
      if (errno == 0 && *end == '\0')
        return TRUE;
    }
  return fail (c, error, "\"%s\" is not a number or a known constant", token);
}

/* argN OP VALUE, or argN & MASK == VALUE. */
static gboolean
parse_cond (Cursor *c, SbSeccompCond *cond, GError **error)
{
  const char *token = next (c);
  const char *op;

  if (token == NULL || !g_str_has_prefix (token, "arg") || strlen (token) != 4
      || token[3] < '0' || token[3] > '5')
    return fail (c, error, "expected arg0 to arg5, found \"%s\"", token ? token : "end of line");
  *cond = (SbSeccompCond) { .arg = token[3] - '0' };

  op = next (c);
  if (g_strcmp0 (op, "&") == 0)
    {
      cond->op = SB_SECCOMP_MASKED_EQ;
      if (!parse_value (c, next (c), &cond->mask, error))
        return FALSE;
      op = next (c);
      if (g_strcmp0 (op, "==") != 0)
        return fail (c, error, "expected == after the mask of arg%u", cond->arg);
      return parse_value (c, next (c), &cond->value, error);
    }

  for (SbSeccompOp o = SB_SECCOMP_EQ; o < SB_SECCOMP_MASKED_EQ; o++)
    if (g_strcmp0 (op, op_names[o]) == 0)
      {
        cond->op = o;
        return parse_value (c, next (c), &cond->value, error);
      }
  return fail (c, error, "expected a comparison (==, !=, <, <=, >, >=, &) after arg%u", cond->arg);
}

/* [if COND [and COND]...] up to the end of the line. */
static gboolean
parse_conds (Cursor *c, SbSeccompRule *rule, GError **error)
{
  const char *token = next (c);

  if (token == NULL)
    return TRUE;
  if (!g_str_equal (token, "if"))
    return fail (c, error, "expected \"if\" or the end of the line, found \"%s\"", token);

  do
    {
      SbSeccompCond *cond = &rule->conds[rule->n_conds];

      if (rule->n_conds == SB_SECCOMP_MAX_CONDS)
        return fail (c, error, "more than %d conditions", SB_SECCOMP_MAX_CONDS);
      if (!parse_cond (c, cond, error))
        return FALSE;
      for (guint i = 0; i < rule->n_conds; i++)
        if (rule->conds[i].arg == cond->arg)
          return fail (c, error, "arg%u is compared twice (one comparison per argument: "
                       "write two rules)", cond->arg);
      rule->n_conds++;
      token = next (c);
    }
  while (g_strcmp0 (token, "and") == 0);

  if (token != NULL)
    return fail (c, error, "expected \"and\" or the end of the line, found \"%s\"", token);
  return TRUE;
}

static gboolean
expect_end (Cursor *c, GError **error)
{
  const char *token = next (c);

  if (token != NULL)
    return fail (c, error, "unexpected \"%s\" at the end of the line", token);
  return TRUE;
}

typedef struct {
  SbSeccompPolicy *policy;
  gboolean allow_nesting;
  guint default_line; /* where "default" was given, 0 if not yet */
} ParseState;

static gboolean
parse_statement (ParseState *state, Cursor *c, const char *comment, GError **error)
{
  const char *keyword = next (c);

  if (g_str_equal (keyword, "default"))
    {
      SbSeccompPolicy *policy = state->policy;
      const char *word = next (c);

      if (state->default_line != 0)
        return fail (c, error, "a second \"default\" (the first is on line %u)", state->default_line);
      state->default_line = c->line;
      if (word == NULL)
        return fail (c, error, "\"default\" needs allow, deny or log");
      return parse_action (c, word, &policy->default_action, &policy->default_errnum, error)
             && expect_end (c, error);
    }

  if (g_str_equal (keyword, "include"))
    {
      const char *group = next (c);
      g_autofree char *known = NULL;

      if (group == NULL)
        return fail (c, error, "\"include\" needs a group name");
      if (!sb_seccomp_policy_include (state->policy, group, state->allow_nesting))
        {
          known = g_strjoinv (", ", (char **) sb_seccomp_policy_groups ());
          return fail (c, error, "unknown group \"%s\" (known: default, %s)", group, known);
        }
      return expect_end (c, error);
    }

  if (g_str_equal (keyword, "allow") || g_str_equal (keyword, "deny") || g_str_equal (keyword, "log"))
    {
      SbSeccompRule rule = { .comment = (char *) comment };

      rule.syscall = (char *) next (c);
      if (rule.syscall == NULL)
        return fail (c, error, "\"%s\" needs a system call name", keyword);
      if (seccomp_syscall_resolve_name (rule.syscall) == __NR_SCMP_ERROR)
        return fail (c, error, "unknown system call \"%s\"", rule.syscall);
      if (!parse_action (c, keyword, &rule.action, &rule.errnum, error)
          || !parse_conds (c, &rule, error))
        return FALSE;
      sb_seccomp_policy_add_rule (state->policy, &rule);
      return TRUE;
    }

  return fail (c, error, "unknown statement \"%s\" (expected allow, deny, log, default or include)",
               keyword);
}

SbSeccompPolicy *
sb_seccomp_policy_parse (const char *text, const char *filename, gboolean allow_nesting, GError **error)
{
  g_autoptr(SbSeccompPolicy) policy = sb_seccomp_policy_new ();
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  ParseState state = { policy, allow_nesting, 0 };

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
      Cursor c = { filename, i + 1, tokens, 0 };
      char *hash = strchr (lines[i], '#');
      const char *comment = NULL;

      if (hash != NULL)
        {
          *hash = '\0';
          comment = g_strstrip (hash + 1);
          if (*comment == '\0')
            comment = NULL;
        }
      if (!tokenize (&c, lines[i], error))
        return NULL;
      if (tokens->len > 0 && !parse_statement (&state, &c, comment, error))
        return NULL;
    }

  return g_steal_pointer (&policy);
}

static void
append_errno (GString *out, int errnum)
{
  const char *name = errnum != 0 ? strerrorname_np (errnum) : NULL;

  if (name != NULL)
    g_string_append_printf (out, " %s", name);
  else
    g_string_append_printf (out, " %d", errnum);
}

static void
append_cond (GString *out, const SbSeccompCond *cond)
{
  if (cond->op == SB_SECCOMP_MASKED_EQ)
    g_string_append_printf (out, "arg%u & 0x%" G_GINT64_MODIFIER "x == 0x%" G_GINT64_MODIFIER "x",
                            cond->arg, cond->mask, cond->value);
  else
    g_string_append_printf (out, "arg%u %s 0x%" G_GINT64_MODIFIER "x",
                            cond->arg, op_names[cond->op], cond->value);
}

char *
sb_seccomp_policy_format (const SbSeccompPolicy *policy)
{
  GString *out = g_string_new ("default ");

  g_string_append (out, action_name (policy->default_action));
  if (policy->default_action == SB_SECCOMP_DENY)
    append_errno (out, policy->default_errnum);
  g_string_append_c (out, '\n');

  for (guint i = 0; i < policy->rules->len; i++)
    {
      const SbSeccompRule *rule = &g_array_index (policy->rules, SbSeccompRule, i);

      g_string_append_printf (out, "%s %s", action_name (rule->action), rule->syscall);
      if (rule->action == SB_SECCOMP_DENY)
        append_errno (out, rule->errnum);
      for (guint j = 0; j < rule->n_conds; j++)
        {
          g_string_append (out, j == 0 ? " if " : " and ");
          append_cond (out, &rule->conds[j]);
        }
      if (rule->comment != NULL)
        g_string_append_printf (out, "  # %s", rule->comment);
      g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}
