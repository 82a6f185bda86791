"""Environment ops and the working directory."""

import subprocess

from sbtest import ok

ENV = '/usr/bin/env'


def env_of(out):
    return dict(line.split('=', 1) for line in out.splitlines() if '=' in line)


def base_env(**extra):
    env = {'PATH': '/usr/bin:/bin', 'HOME': '/nonexistent-home', 'LANG': 'C'}
    env.update(extra)
    return env


def test_environment_passes_through(tool):
    out = ok(tool.run(tool.usr + [ENV], env=base_env(SBTEST_VAR='kept value')))
    assert env_of(out)['SBTEST_VAR'] == 'kept value'


def test_setenv(tool):
    out = ok(tool.run(tool.usr + ['--setenv', 'FOO', 'bar baz', '--setenv', 'EMPTY', '', ENV],
                      env=base_env()))
    env = env_of(out)
    assert env['FOO'] == 'bar baz'
    assert env['EMPTY'] == ''


def test_setenv_overrides(tool):
    out = ok(tool.run(tool.usr + ['--setenv', 'FOO', 'new', ENV], env=base_env(FOO='old')))
    assert env_of(out)['FOO'] == 'new'


def test_unsetenv(tool):
    out = ok(tool.run(tool.usr + ['--unsetenv', 'FOO', ENV], env=base_env(FOO='x')))
    assert 'FOO' not in env_of(out)


def test_clearenv_keeps_only_pwd(tool):
    out = ok(tool.run(tool.usr + ['--clearenv', '--chdir', '/usr', ENV],
                      env=base_env(FOO='x')))
    assert env_of(out) == {'PWD': '/usr'}


def test_setenv_after_clearenv_applies(tool):
    out = ok(tool.run(tool.usr + ['--clearenv', '--setenv', 'A', 'b', '--chdir', '/', ENV],
                      env=base_env()))
    assert env_of(out) == {'A': 'b', 'PWD': '/'}


def test_clearenv_after_setenv_clears_it(tool):
    out = ok(tool.run(tool.usr + ['--setenv', 'A', 'b', '--clearenv', '--chdir', '/', ENV],
                      env=base_env()))
    assert env_of(out) == {'PWD': '/'}


def test_setenv_path_is_used_to_find_the_command(tool, tmp_path):
    # --setenv happens at parse time: it changes the PATH execvp searches.
    script = tmp_path / 'sbtest-cmd'
    script.write_text('#!/bin/sh\necho found-in-setenv-path\n')
    script.chmod(0o755)
    out = ok(tool.run(tool.usr + ['--bind', str(tmp_path), '/opt/x',
                                  '--setenv', 'PATH', '/opt/x:/usr/bin', 'sbtest-cmd'],
                      env=base_env()))
    assert out == 'found-in-setenv-path\n'


def test_chdir(tool):
    out = ok(tool.run(tool.usr + ['--chdir', '/usr/share', 'sh', '-c', '/usr/bin/pwd; echo "$PWD"'],
                      env=base_env()))
    assert out == '/usr/share\n/usr/share\n'


def test_default_cwd_is_old_cwd_when_present(tool):
    out = ok(subprocess_run_in(tool, '/usr/lib', base_env()))
    assert out == '/usr/lib\n/usr/lib\n'


def test_default_cwd_falls_back_to_home(tool, tmp_path):
    # The test's cwd (a host temporary directory) is not in the sandbox.
    out = ok(subprocess_run_in(tool, str(tmp_path), base_env(HOME='/usr/share')))
    assert out == '/usr/share\n/usr/share\n'


def test_default_cwd_falls_back_to_root(tool, tmp_path):
    out = ok(subprocess_run_in(tool, str(tmp_path), base_env(HOME='/nonexistent-home')))
    assert out == '/\n/\n'


def subprocess_run_in(tool, cwd, env):
    return subprocess.run([tool.path] + tool.usr + ['sh', '-c', '/usr/bin/pwd; echo "$PWD"'],
                          cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60)
