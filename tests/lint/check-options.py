#!/usr/bin/env python3
"""Every option is listed by --help, documented in the man page and completed
by each shell completion, and none of them knows an option --help does not.

usage: check-options.py SANDBOX MANPAGE BASH ZSH FISH
"""

import re
import subprocess
import sys

OPTION = r'--[a-z][a-z0-9-]*'


def help_options(sandbox):
    result = subprocess.run([sandbox, '--help'], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        sys.exit('%s --help exited with %d: %s' % (sandbox, result.returncode, result.stderr.strip()))
    return set(re.findall(OPTION, result.stdout))


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def man_options(path):
    # An option is documented by a .TP item whose tag starts with it in bold:
    #   .TP
    #   \fB\-\-ro-bind\fR \fISRC\fR \fIDEST\fR
    # (the leading dashes as minus signs, those inside the name as typed)
    tags = re.findall(r'^\.TP\n\\fB((?:\\-|[a-z0-9-])+)\\fR', read(path), re.M)
    return {tag.replace('\\-', '-') for tag in tags} - {'--'}


def bash_options(path):
    return set(re.findall(r'^\s*\[(' + OPTION + r')\]=', read(path), re.M))


def zsh_options(path):
    # '*--bind[...]:...' or '(- *)--help[...]', one _arguments spec a line
    return set(re.findall(r"^\s*['\"](?:\([^)]*\))?\*?(" + OPTION + r")\[", read(path), re.M))


def fish_options(path):
    return {'--' + name for name in re.findall(r'^complete -c sandbox .*-l ([a-z][a-z0-9-]*)', read(path), re.M)}


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    sandbox, man, bash, zsh, fish = sys.argv[1:]
    expected = help_options(sandbox)
    if len(expected) < 10:
        sys.exit('%s --help lists only %d options: %s' % (sandbox, len(expected), sorted(expected)))
    print('# %d options in --help' % len(expected))

    failed = False
    for what, path, found in (('man page', man, man_options(man)),
                              ('bash completion', bash, bash_options(bash)),
                              ('zsh completion', zsh, zsh_options(zsh)),
                              ('fish completion', fish, fish_options(fish))):
        for option in sorted(expected - found):
            print('%s: %s is in --help but not in the %s' % (path, option, what))
            failed = True
        for option in sorted(found - expected):
            print('%s: the %s has %s, which --help does not list' % (path, what, option))
            failed = True
        if not expected - found and not found - expected:
            print('ok: the %s has all %d options' % (what, len(found)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
