"""Binds, read-only binds, --remount-ro, what the host shows (nothing)."""

import os

import pytest

from sbtest import BW, IS_ROOT, SB, ok, which_in_usr


def host_mountpoints():
    with open('/proc/self/mountinfo') as f:
        return [line.split()[4] for line in f]


def writable_submount():
    """A mount point other than / that we may write to (e.g. /dev/shm)."""
    for mp in ('/dev/shm', '/run/lock', '/tmp', '/var/tmp'):
        if mp in host_mountpoints() and os.access(mp, os.W_OK):
            return mp
    return None


def mount_options(tool, path, opts):
    """The per-mount options (field 6) of PATH's mount inside the sandbox."""
    out = ok(tool.sh('cat /proc/self/mountinfo', opts))
    found = None
    for line in out.splitlines():
        fields = line.split()
        if fields[4] == path:
            found = fields[5].split(',')  # the last one stacked wins
    assert found is not None, 'no mount at %s inside:\n%s' % (path, out)
    return set(found)


# -- host files absent ------------------------------------------------------

@pytest.mark.parametrize('path', ['/home', '/etc', '/etc/shadow', '/root', '/var',
                                  '/tmp', '/work', '/run', '/sys'])
def test_host_paths_absent(tool, path):
    r = tool.sh('test -e %s || test -L %s && echo present; echo end' % (path, path))
    assert ok(r) == 'end\n'


def test_host_files_absent_even_under_bound_parent(tool, tmp_path):
    # Binding a subdirectory reveals that subdirectory only.
    (tmp_path / 'shown').mkdir()
    (tmp_path / 'shown' / 'f').write_text('x')
    (tmp_path / 'hidden').write_text('secret')
    out = ok(tool.sh('ls -A %s' % tmp_path, ['--bind', str(tmp_path / 'shown'),
                                             str(tmp_path / 'shown')]))
    assert out.split() == ['shown']


# -- --bind ---------------------------------------------------------------------

def test_bind_writes_through_to_host(tool, tmp_path):
    (tmp_path / 'from-host').write_text('host data\n')
    out = ok(tool.sh('cat /data/from-host; echo inside > /data/from-sandbox',
                     ['--bind', str(tmp_path), '/data']))
    assert out == 'host data\n'
    assert (tmp_path / 'from-sandbox').read_text() == 'inside\n'


def test_bind_single_file(tool, tmp_path):
    f = tmp_path / 'file'
    f.write_text('one\n')
    ok(tool.sh('cat /etc/thing && echo two >> /etc/thing', ['--bind', str(f), '/etc/thing']))
    assert f.read_text() == 'one\ntwo\n'


def test_bind_creates_missing_parents_0700(tool, tmp_path):
    # As bwrap (0.8.0 to 0.11.1): an op without --perms has perms 0, which
    # narrows its missing parents to 0700 (test_rootfs.py checks every kind).
    out = ok(tool.sh('stat -c "%a %n" /a /a/b /a/b/c',
                     ['--bind', str(tmp_path), '/a/b/c']))
    assert out.splitlines()[:2] == ['700 /a', '700 /a/b']


def test_bind_try_missing_source_is_skipped(tool, tmp_path):
    out = ok(tool.sh('test -e /x && echo present; echo end',
                     ['--bind-try', str(tmp_path / 'missing'), '/x',
                      '--ro-bind-try', str(tmp_path / 'missing'), '/y',
                      '--dev-bind-try', str(tmp_path / 'missing'), '/z']))
    assert out == 'end\n'


def test_bind_try_existing_source_binds(tool, tmp_path):
    (tmp_path / 'f').write_text('here\n')
    out = ok(tool.sh('cat /x/f', ['--bind-try', str(tmp_path), '/x']))
    assert out == 'here\n'


def test_binds_are_nosuid_nodev(tool, tmp_path):
    opts = ['--bind', str(tmp_path), '/data']
    flags = mount_options(tool, '/data', opts)
    assert {'nosuid', 'nodev'} <= flags
    assert 'nosuid' in mount_options(tool, '/usr', [])


def test_dev_bind_keeps_devices(tool):
    out = ok(tool.sh('echo x > /hostdev/null && echo wrote',
                     ['--dev-bind', '/dev', '/hostdev']))
    assert out == 'wrote\n'
    flags = mount_options(tool, '/hostdev', ['--dev-bind', '/dev', '/hostdev'])
    assert 'nodev' not in flags


def test_bind_of_dev_refuses_device_nodes(tool):
    r = tool.sh('echo x > /hostdev/null && echo wrote', ['--bind', '/dev', '/hostdev'])
    assert 'wrote' not in r.stdout
    assert 'Permission denied' in r.stderr


def test_later_op_covers_earlier(tool, tmp_path):
    # Command-line order: a --tmpfs after a bind hides the bind's content.
    (tmp_path / 'f').write_text('x')
    out = ok(tool.sh('ls -A /data; echo end',
                     ['--bind', str(tmp_path), '/data', '--tmpfs', '/data']))
    assert out == 'end\n'
    out = ok(tool.sh('ls -A /data',
                     ['--tmpfs', '/data', '--bind', str(tmp_path), '/data']))
    assert out == 'f\n'


# -- read-only ------------------------------------------------------------------

def test_ro_bind_refuses_writes(tool, tmp_path):
    (tmp_path / 'f').write_text('orig\n')
    r = tool.sh('echo changed > /data/f; touch /data/new; mkdir /data/d; echo end',
                ['--ro-bind', str(tmp_path), '/data'])
    assert ok(r) == 'end\n'
    assert r.stderr.count('Read-only file system') == 3, r.stderr
    assert (tmp_path / 'f').read_text() == 'orig\n'
    assert sorted(os.listdir(tmp_path)) == ['f']


def test_ro_bind_is_recursive(tool):
    mp = writable_submount()
    if mp is None:
        pytest.skip('no writable host mount point besides / (/dev/shm, /tmp...)')
    name = 'sbtest-ro-%d' % os.getpid()
    r = tool.sh('touch /host%s/%s; echo end' % (mp, name), ['--ro-bind', '/', '/host'])
    assert ok(r) == 'end\n'
    assert 'Read-only file system' in r.stderr
    assert not os.path.exists(os.path.join(mp, name))
    flags = mount_options(tool, '/host' + mp, ['--ro-bind', '/', '/host'])
    assert 'ro' in flags


def test_ro_bind_flag_in_mountinfo(tool, tmp_path):
    assert 'ro' in mount_options(tool, '/data', ['--ro-bind', str(tmp_path), '/data'])
    assert 'rw' in mount_options(tool, '/data', ['--bind', str(tmp_path), '/data'])


def nested_remount_script(target):
    return ('unshare -Urm sh -c "echo nested; '
            'mount -o remount,rw %(t)s; mount -o remount,bind,rw %(t)s; '
            'umount -l %(t)s; umount %(t)s; touch %(t)s/escaped"; echo end') % {'t': target}


def nesting_opts(tool):
    """Options under which a nested `unshare -Urm` is possible inside.

    Root: the kernel lets a process without CAP_SETFCAP map the global uid 0
    into a new user namespace only in special cases, so root's tests run as
    uid 1000 inside.  Root in the bwrap personality keeps CAP_SYS_ADMIN over
    its own mounts (a remount is root's right there): drop it, the nested
    namespace must not give it back."""
    if tool is SB:
        opts = ['--allow-nesting']
    elif IS_ROOT:
        opts = ['--unshare-user', '--cap-drop', 'ALL']
    else:
        opts = []
    if IS_ROOT:
        opts += ['--uid', '1000', '--gid', '1000']
    return opts


@pytest.mark.skipif(not which_in_usr('unshare'), reason='unshare (util-linux) is missing')
def test_ro_bind_cannot_be_remounted_rw_from_nested_namespace(tool, tmp_path):
    r = tool.sh(nested_remount_script('/data'),
                nesting_opts(tool) + ['--ro-bind', str(tmp_path), '/data'])
    out = ok(r)
    assert out.startswith('nested\n'), 'nested unshare -Urm failed: ' + r.stderr
    assert out.endswith('end\n')
    assert not (tmp_path / 'escaped').exists()
    assert 'Read-only file system' in r.stderr


@pytest.mark.skipif(not which_in_usr('unshare'), reason='unshare (util-linux) is missing')
def test_usr_cannot_be_remounted_rw_from_nested_namespace(tool):
    r = tool.sh(nested_remount_script('/usr'), nesting_opts(tool))
    out = ok(r)
    assert out.startswith('nested\n'), 'nested unshare -Urm failed: ' + r.stderr
    assert not os.path.exists('/usr/escaped')


@pytest.mark.skipif(not which_in_usr('unshare'), reason='unshare (util-linux) is missing')
def test_sandbox_refuses_nesting_by_default():
    r = SB.sh('unshare -Urm true && echo nested-ok; unshare -U true && echo userns-ok; '
              'unshare -m true && echo mntns-ok; echo end')
    assert ok(r) == 'end\n'


@pytest.mark.skipif(not which_in_usr('unshare'), reason='unshare (util-linux) is missing')
def test_allow_nesting_allows_nested_namespaces():
    # Root runs as uid 1000 inside: without CAP_SETFCAP the kernel refuses
    # to map the global uid 0 into a nested namespace (see nesting_opts).
    out = ok(SB.sh('unshare -Urm true && echo nested-ok', nesting_opts(SB)))
    assert out == 'nested-ok\n'


@pytest.mark.skipif(not which_in_usr('unshare'), reason='unshare (util-linux) is missing')
def test_bwrap_personality_allows_nesting():
    out = ok(BW.sh('unshare -Urm true && echo nested-ok'))
    assert out == 'nested-ok\n'


def test_remount_inside_without_nesting_fails(tool, tmp_path):
    opts = ['--ro-bind', str(tmp_path), '/data']
    if tool is BW and IS_ROOT:
        opts = ['--cap-drop', 'ALL'] + opts
    r = tool.sh('mount -o remount,rw /data && echo remounted; '
                'touch /data/x && echo wrote; echo end', opts)
    assert ok(r) == 'end\n'
    assert not (tmp_path / 'x').exists()


# -- --remount-ro -----------------------------------------------------------------

def test_remount_ro(tool, tmp_path):
    r = tool.sh('touch /data/x && echo wrote; echo end',
                ['--bind', str(tmp_path), '/data', '--remount-ro', '/data'])
    assert ok(r) == 'end\n'
    assert 'Read-only file system' in r.stderr
    assert not (tmp_path / 'x').exists()


def test_remount_ro_is_not_recursive(tool, tmp_path):
    # bwrap's --remount-ro only touches the mount at DEST.
    r = tool.sh('touch /data/sub/x && echo sub-wrote; touch /data/x && echo top-wrote; echo end',
                ['--bind', str(tmp_path), '/data', '--tmpfs', '/data/sub',
                 '--remount-ro', '/data'])
    assert ok(r) == 'sub-wrote\nend\n'


def test_remount_ro_of_tmpfs(tool):
    r = tool.sh('touch /t/x && echo wrote; echo end',
                ['--tmpfs', '/t', '--remount-ro', '/t'])
    assert ok(r) == 'end\n'


# -- destinations stay inside -------------------------------------------------------

def test_bind_destination_through_symlink_stays_inside(tool, tmp_path):
    # A symlink inside a bound host directory points at a host path; a later
    # destination through it must land inside the sandbox, never on the host.
    shown = tmp_path / 'shown'
    shown.mkdir()
    outside = tmp_path / 'outside'
    outside.mkdir()
    (shown / 'link').symlink_to(outside)
    src = tmp_path / 'src'
    src.mkdir()
    r = tool.sh('echo ran', ['--bind', str(shown), '/data',
                             '--bind', str(src), '/data/link/target',
                             '--dir', '/data/link/made'])
    # Whether this is accepted or refused, nothing may appear on the host.
    assert os.listdir(outside) == []
    assert sorted(os.listdir(shown)) == ['link']
    if r.returncode == 0:
        assert r.stdout == 'ran\n'
