"""Ways out through the filesystem: making a read-only bind writable again
or unmounting it (directly, and from nested namespaces with --allow-nesting
or the bwrap personality), escaping the new root through `..` from the
working directory, and privileges from setuid or file-capability binaries."""

import os
import shutil
import subprocess
import tempfile

import pytest

import sbtest
from sbtest import BW, IS_ROOT, SB, ok
from attacklib import inside

# ---------------------------------------------------------------------------
# Read-only binds.  /ro is a read-only bind of TOP stacked on a writable bind
# of UNDER: unmounting /ro would uncover UNDER's "beneath" file.

MS_REMOUNT, MS_BIND = 32, 4096
MNT_DETACH = 2

MOUNT_ATTACKS = r'''
CLONE_NEWNS, CLONE_NEWUSER = 0x20000, 0x10000000
if NESTED:
    r, e = call('unshare', CLONE_NEWUSER | CLONE_NEWNS)
    result['unshare'] = e or 'ok'
def write_ro():
    fd = os.open('/ro/file', os.O_WRONLY | os.O_APPEND)
    os.write(fd, b'pwned')
    os.close(fd)
attempt('write', write_ro)
r, e = call('mount', 0, '/ro', 0, %(remount)d, 0)
result['remount_rw'] = e or 'ok'
# struct mount_attr { attr_set, attr_clr = MOUNT_ATTR_RDONLY, propagation, userns_fd }
attr = ctypes.create_string_buffer(b'\0' * 8 + (1).to_bytes(8, 'little') + b'\0' * 16, 32)
r, e = call('mount_setattr', -100, '/ro', 0x8000, attr, 32)   # AT_RECURSIVE
result['mount_setattr_rw'] = e or 'ok'
r, e = call('umount2', '/ro', 0)
result['umount'] = e or 'ok'
r, e = call('umount2', '/ro', %(detach)d)
result['umount_detach'] = e or 'ok'
# A non-recursive copy of / would show what is under its submounts.
os.makedirs('/scratch/peek', exist_ok=True)
r, e = call('mount', '/', '/scratch/peek', 0, %(bind)d, 0)
result['bind_root_nonrecursive'] = e or 'ok'
result['peek_beneath'] = os.path.exists('/scratch/peek/ro/beneath')
r, e = call('open_tree', -100, '/', 1)   # OPEN_TREE_CLONE, not AT_RECURSIVE
result['open_tree_nonrecursive'] = e or 'ok'
attempt('write_after', write_ro)
result['beneath_visible'] = os.path.exists('/ro/beneath')
''' % {'remount': MS_REMOUNT | MS_BIND, 'detach': MNT_DETACH, 'bind': MS_BIND}


@pytest.fixture
def stacked(tmp_path):
    under = tmp_path / 'under'
    top = tmp_path / 'top'
    under.mkdir()
    top.mkdir()
    (under / 'beneath').write_text('uncovered\n')
    (top / 'file').write_text('original\n')
    yield ['--bind', under, '/ro', '--ro-bind', top, '/ro', '--tmpfs', '/scratch']
    assert (top / 'file').read_text() == 'original\n'


def mount_attack(tool, opts, nested):
    script = 'NESTED = %r\n' % nested + MOUNT_ATTACKS
    return inside(script, opts, prog=tool.path)


def assert_still_read_only(res):
    assert res['write'] == 'EROFS', res
    assert res['write_after'] == 'EROFS', res
    assert res['beneath_visible'] is False, res
    assert res['peek_beneath'] is False, res


def test_ro_bind_stays_read_only_sandbox(stacked):
    # No capability left and the "nesting" group of the policy: EPERM.
    res = mount_attack(SB, stacked, nested=False)
    assert_still_read_only(res)
    for key in ('remount_rw', 'umount', 'umount_detach', 'bind_root_nonrecursive'):
        assert res[key] == 'EPERM', (key, res)
    assert res['mount_setattr_rw'] == 'ENOSYS', res   # the mount-api group
    assert res['open_tree_nonrecursive'] == 'ENOSYS', res


def test_ro_bind_stays_read_only_bwrap_personality(stacked):
    if IS_ROOT:
        pytest.skip("bwrap's root keeps every capability (as bwrap): see the nested test")
    res = mount_attack(BW, stacked, nested=False)
    assert_still_read_only(res)
    for key in ('remount_rw', 'umount', 'umount_detach', 'bind_root_nonrecursive',
                'mount_setattr_rw', 'open_tree_nonrecursive'):
        assert res[key] == 'EPERM', (key, res)


@pytest.mark.parametrize('tool, extra, policy', [
    (SB, ['--allow-nesting'], True),
    (BW, [], False),
], ids=['sandbox-allow-nesting', 'bwrap'])
def test_ro_bind_locked_in_nested_namespaces(stacked, tool, extra, policy):
    # In a nested user + mount namespace the caller holds every capability,
    # but the mounts it inherited are locked: flags cannot be cleared (EPERM),
    # mounts cannot be taken off their parents (EINVAL), and a copy without
    # the submounts is refused (EINVAL).
    res = mount_attack(tool, extra + stacked, nested=True)
    assert res['unshare'] == 'ok', res
    assert_still_read_only(res)
    assert res['remount_rw'] == 'EPERM', res
    assert res['umount'] == 'EINVAL', res
    assert res['umount_detach'] == 'EINVAL', res
    assert res['bind_root_nonrecursive'] == 'EINVAL', res
    if policy:
        assert res['mount_setattr_rw'] == 'ENOSYS', res
        assert res['open_tree_nonrecursive'] == 'ENOSYS', res
    else:
        assert res['mount_setattr_rw'] == 'EPERM', res
        assert res['open_tree_nonrecursive'] == 'EINVAL', res


UTIL_LINUX_ATTACK = '''
unshare %s sh -c '
  mount -o remount,rw,bind /ro 2>/dev/null && echo REMOUNTED
  umount /ro 2>/dev/null && echo UNMOUNTED
  umount -l /ro 2>/dev/null && echo DETACHED
  echo pwned >> /ro/file 2>/dev/null && echo WRITTEN
  test -e /ro/beneath && echo UNCOVERED
  echo nested-done'
'''


@pytest.mark.parametrize('tool, extra', [(SB, ['--allow-nesting']), (BW, [])],
                         ids=['sandbox-allow-nesting', 'bwrap'])
def test_ro_bind_locked_for_util_linux_unshare(stacked, tool, extra):
    # The same with the tools an attacker would type: unshare -Urm.  Root
    # without CAP_SETFCAP may not map uid 0 in a nested namespace (Linux
    # 5.12+), so a root caller of the sandbox personality uses -Um.
    flags = '-Um' if IS_ROOT and tool is SB else '-Urm'
    out = ok(tool.sh(UTIL_LINUX_ATTACK % flags, extra + stacked))
    assert out.split() == ['nested-done'], out


# ---------------------------------------------------------------------------
# `..` from the working directory.

ESCAPE_UP = r'''
result['cwd'] = attempt('getcwd', os.getcwd) or result.get('getcwd')
result['proc_cwd'] = os.readlink('/proc/self/cwd')
for i in range(64):
    os.chdir('..')
here, root = os.stat('.'), os.stat('/')
result['at_root'] = (here.st_dev, here.st_ino) == (root.st_dev, root.st_ino)
result['listing'] = sorted(os.listdir('.'))
fd = os.open('.', os.O_PATH)
result['openat_up'] = sorted(os.listdir('/proc/self/fd/%d/' % fd + '../' * 64))
'''


@pytest.fixture
def host_only_dir(tmp_path):
    d = tmp_path / 'host-only'
    d.mkdir()
    (d / 'host-marker').write_text('host\n')
    return d


def sandbox_root_listing(tool):
    return sorted(ok(tool.sh('ls -a /', root=tool.usr + ['--proc', '/proc'])).split())


@pytest.mark.parametrize('where', ['host-cwd', 'chdir-usr', 'bound-cwd'])
def test_dotdot_stays_in_new_root(tool, host_only_dir, where):
    # host-cwd: the caller's directory does not exist inside (the tool must
    # not leave the command on the host's directory, runc CVE-2024-21626);
    # chdir-usr: --chdir somewhere inside; bound-cwd: the caller's directory
    # is bound at the same path.
    opts = ['--proc', '/proc']
    if where == 'chdir-usr':
        opts += ['--chdir', '/usr/share']
    elif where == 'bound-cwd':
        opts += ['--bind', host_only_dir, str(host_only_dir)]
    old = os.getcwd()
    os.chdir(host_only_dir)
    try:
        res = inside(ESCAPE_UP, opts, prog=tool.path, root=tool.usr)
    finally:
        os.chdir(old)
    assert not res['proc_cwd'].startswith('(unreachable)'), res
    assert res['cwd'] not in ('ENOENT', None), res
    if where == 'chdir-usr':
        assert res['cwd'] == '/usr/share'
    assert res['at_root'] is True, res
    assert 'host-marker' not in res['listing']
    assert res['listing'] == res['openat_up']
    # Only what the sandbox was made of (and the merged-/usr links).
    assert not {'etc', 'home', 'root', 'var', 'boot'} & set(res['listing']), res


# ---------------------------------------------------------------------------
# Setuid and file-capability binaries.  The kernel sets AT_SECURE for an
# exec that gains privileges, and ld.so then ignores LD_SHOW_AUXV: an exec
# that gained nothing prints its auxiliary vector (AT_EXECFN: its path), a
# privileged one prints nothing.  Inside, every bind is nosuid and
# no_new_privs is set, so the binary must print it.

def exec_gained_privileges(argv, target):
    """Runs ARGV (which ends up executing TARGET) with LD_SHOW_AUXV=1;
    True when TARGET's exec was privileged (AT_SECURE)."""
    env = dict(os.environ, LD_SHOW_AUXV='1')
    r = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    execfns = [line.split(':', 1)[1].strip() for line in r.stdout.splitlines()
               if line.startswith('AT_EXECFN:')]
    return target not in execfns


def host_setuid_binaries():
    found = []
    for d in ('/usr/bin', '/usr/sbin'):
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for name in names:
            path = os.path.join(d, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            if st.st_mode & 0o4000 and st.st_uid == 0 and os.access(path, os.X_OK):
                found.append(path)
    return found


def test_host_setuid_binaries_gain_nothing(tool):
    if IS_ROOT:
        pytest.skip('root gains nothing from setuid-root: see the capability tests')
    candidates = [p for p in host_setuid_binaries()
                  if os.path.basename(p) in ('mount', 'umount', 'su', 'passwd', 'newgrp',
                                             'chfn', 'chsh', 'gpasswd')]
    checked = 0
    for path in candidates:
        # Control: on the host the exec is privileged.
        if not exec_gained_privileges([path, '--version'], path):
            continue  # /usr is nosuid here: no control, no test
        checked += 1
        argv = [tool.path] + tool.usr + [path, '--version']
        assert not exec_gained_privileges(argv, path), path
    if not checked:
        pytest.skip('no setuid-root binary honoured on this host')


AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']


@pytest.fixture
def privileged_copies():
    """As root: a setuid-root and a file-capability copy of cat, in a
    directory every account can reach, on a filesystem that honours them
    (run-pytest's private /tmp is nosuid)."""
    if not IS_ROOT:
        pytest.skip('making setuid-root or file-capability binaries needs root')
    if shutil.which('setcap') is None:
        pytest.skip('setcap is missing (apt-get install libcap2-bin)')
    for parent in (os.environ.get('TMPDIR'), '/var/tmp', '/tmp'):
        if not parent or not os.path.isdir(parent):
            continue
        d = tempfile.mkdtemp(prefix='sbtest-priv-', dir=parent)
        try:
            os.chmod(d, 0o755)
            suid = os.path.join(d, 'suid-cat')
            fcap = os.path.join(d, 'fcap-cat')
            shutil.copy('/usr/bin/cat', suid)
            shutil.copy('/usr/bin/cat', fcap)
            os.chmod(suid, 0o4755)
            subprocess.run(['setcap', 'cap_sys_admin,cap_dac_override,cap_setuid+ep', fcap],
                           check=True)
            # The control: outside, both execs are privileged for nobody.
            if all(exec_gained_privileges(AS_NOBODY + [p, '/dev/null'], p) for p in (suid, fcap)):
                yield d
                return
        finally:
            shutil.rmtree(d)
    pytest.skip('no filesystem here honours setuid and file capabilities for nobody')


@pytest.mark.parametrize('opts', [[], ['--uid', '1000', '--gid', '1000']],
                         ids=['as-root', 'as-uid-1000'])
def test_setuid_and_file_caps_gain_nothing_for_root(privileged_copies, opts):
    # The sandbox personality drops root's capabilities and empties the
    # bounding set: neither a setuid-root nor a file-capability binary (nor
    # uid 0's own exec rule) brings any back.
    for name in ('suid-cat', 'fcap-cat'):
        out = ok(sbtest.run(sbtest.USR + opts + ['--bind', privileged_copies, '/priv',
                                                  '/priv/' + name, '/proc/self/status']))
        status = sbtest.proc_status(out)
        caps = sbtest.cap_fields(status)
        assert caps == dict.fromkeys(caps, 0), (name, caps)
        assert len(set(status['Uid'].split())) == 1, (name, status['Uid'])


@pytest.mark.parametrize('tool', [SB, BW], ids=['sandbox', 'bwrap'])
def test_setuid_and_file_caps_gain_nothing_for_a_user(privileged_copies, tool):
    # The same binaries, for an unprivileged account: on the host both execs
    # are privileged (the control); inside, neither is.
    for name in ('suid-cat', 'fcap-cat'):
        inner = '/priv/' + name
        argv = AS_NOBODY + [tool.path] + tool.usr + ['--bind', privileged_copies, '/priv',
                                                   inner, '/dev/null']
        assert not exec_gained_privileges(argv, inner), name


# ---------------------------------------------------------------------------
# The tool itself installed setuid or with file capabilities (bubblewrap
# CVE-2016-8659, CVE-2020-5291): it refuses to run at all.

@pytest.fixture
def privileged_tool():
    """As root: copies of the tool (and its bwrap link) to make privileged."""
    if not IS_ROOT:
        pytest.skip('installing the tool setuid or with file capabilities needs root')
    d = tempfile.mkdtemp(prefix='sbtest-install-', dir='/var/tmp')
    try:
        os.chmod(d, 0o755)
        shutil.copy(sbtest.SANDBOX, os.path.join(d, 'sandbox'))
        os.symlink('sandbox', os.path.join(d, 'bwrap'))
        yield d
    finally:
        shutil.rmtree(d)


@pytest.mark.parametrize('how', ['setuid', 'setgid', 'file-caps'])
@pytest.mark.parametrize('name', ['sandbox', 'bwrap'])
def test_tool_refuses_privileged_install(privileged_tool, how, name):
    binary = os.path.join(privileged_tool, 'sandbox')
    if how == 'setuid':
        os.chmod(binary, 0o4755)
    elif how == 'setgid':
        os.chmod(binary, 0o2755)
    else:
        if shutil.which('setcap') is None:
            pytest.skip('setcap is missing (apt-get install libcap2-bin)')
        subprocess.run(['setcap', 'cap_sys_admin+ep', binary], check=True)
    prog = os.path.join(privileged_tool, name)
    # Run by an unprivileged account, the one a privileged install serves.
    r = subprocess.run(AS_NOBODY + [prog] + sbtest.usr_for(prog) + ['true'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stderr)
    word = 'with file capabilities' if how == 'file-caps' else 'setuid or setgid'
    assert r.stderr.startswith('%s: refusing to run %s' % (name, word)), r.stderr
    assert r.stderr.count('\n') == 1, r.stderr
