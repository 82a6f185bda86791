"""How the new root is built: both mount backends (the new mount API and the
mount(2) fallback, taken inside an outer sandbox that hides the new calls:
sbouter.py), destinations
that must stay inside the new root even against a racing symlink swap, host
sources resolved as the caller sees them, --bind-fd identity; bwrap's modes for
missing parents and bwrap's mountinfo for the root and --bind-data files."""

import ctypes
import os
import re
import subprocess
import threading
import time

import pytest

from sbouter import backend, backends  # noqa: F401  (fixtures)
from sbtest import BW, BWRAP, IS_ROOT, MERGED_USR_LINKS, SB, HostState, ok, run


def mounts_inside(out):
    """{mountpoint: set(per-mount options)} of a mountinfo text (last wins)."""
    found = {}
    for line in out.splitlines():
        fields = line.split()
        found[fields[4]] = set(fields[5].split(','))
    return found


# -- both backends ------------------------------------------------------------

def test_ro_bind_is_read_only_on_every_visible_submount(backend):
    out = ok(backend.sb.sh('cat /proc/self/mountinfo', ['--ro-bind', '/', '/host'],
                           root=SB.usr_nodev))
    below = {mp: opts for mp, opts in mounts_inside(out).items()
             if mp == '/host' or mp.startswith('/host/')}
    assert '/host' in below
    for mp, opts in below.items():
        # The new API reaches hidden (over-mounted) copies too; mount(2)
        # can only reach what a path leads to, as bwrap.
        if backend.legacy and mp in ('/host/dev/shm', '/host/dev/pts'):
            continue
        assert {'ro', 'nosuid', 'nodev'} <= opts, (mp, opts)


def test_ops_work_with_either_backend(backend, tmp_path):
    layer = tmp_path / 'layer'
    layer.mkdir()
    (layer / 'f').write_text('lower\n')
    rd, wr = os.pipe()
    os.write(wr, b'data\n')
    os.close(wr)
    try:
        out = ok(backend.sb.sh(
            'cat /bd /ov/f; echo new > /ov/g; cat /ov/g; stat -c %a /bd /t; '
            'readlink /l; test -c /dev/null && echo dev; touch /ro/x 2>/dev/null || echo ro',
            ['--perms', '0640', '--ro-bind-data', str(rd), '/bd',
             '--overlay-src', str(layer), '--tmp-overlay', '/ov',
             '--perms', '0700', '--tmpfs', '/t', '--symlink', 'target', '/l',
             '--tmpfs', '/ro', '--remount-ro', '/ro'],
            pass_fds=(rd,)))
    finally:
        os.close(rd)
    assert out == 'data\nlower\nnew\n640\n700\ntarget\ndev\nro\n'
    # The tmp-overlay's upper layer is not the host's.
    assert os.listdir(layer) == ['f']


def test_many_binds_are_quick(backend, tmp_path):
    # Each op costs the same however many came before (no mountinfo parse
    # per op): 2000 binds in a few seconds at worst, bwrap needs ~10 s.
    src = tmp_path / 'src'
    src.mkdir()
    opts = []
    for i in range(2000):
        opts += ['--ro-bind', str(src), '/b/%d' % i]
    start = time.monotonic()
    ok(backend.sb.sh('test -d /b/1999', opts, root=SB.usr_nodev))
    assert time.monotonic() - start < 8


# -- destinations stay inside ---------------------------------------------------

def _swapper(a, b, stop):
    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, rename_exchange = -100, 2
    while not stop.is_set():
        libc.renameat2(at_fdcwd, a, at_fdcwd, b, rename_exchange)


def test_symlink_swapped_under_destination_stays_inside(backend, tmp_path):
    # A host process keeps swapping a directory with a symlink to a host
    # directory while destinations are created through it: whatever happens
    # inside, nothing may land in the host directory.
    shown = tmp_path / 'shown'
    shown.mkdir()
    (shown / 'flip').mkdir()
    outside = tmp_path / 'outside'
    outside.mkdir()
    os.symlink(str(outside), str(shown / 'other'))
    src = tmp_path / 'src'
    src.mkdir()
    stop = threading.Event()
    swapper = threading.Thread(target=_swapper, daemon=True, args=(
        str(shown / 'flip').encode(), str(shown / 'other').encode(), stop))
    swapper.start()
    try:
        for _ in range(60):
            backend.sb.run(SB.usr_nodev + ['--bind', str(shown), '/data',
                                           '--dir', '/data/flip/d', '--bind', str(src), '/data/flip/b',
                                           '--tmpfs', '/data/flip/t', '--symlink', 'x', '/data/flip/l',
                                           'true'])
    finally:
        stop.set()
        swapper.join()
    assert os.listdir(outside) == []


def test_dotdot_and_absolute_symlinks_resolve_in_the_new_root(tmp_path, host_state):
    shown = tmp_path / 'shown'
    shown.mkdir()
    os.symlink('../../../../../../../../tmp', str(shown / 'up'))
    os.symlink('/tmp', str(shown / 'abs'))
    out = ok(SB.sh('ls /tmp', ['--bind', str(shown), '/data', '--dir', '/tmp',
                               '--dir', '/data/up/a', '--dir', '/data/abs/b'],
                   root=SB.usr_nodev))
    assert out.split() == ['a', 'b']
    host_state.assert_unchanged()


# -- host sources as the caller sees them -----------------------------------------

def test_source_through_absolute_symlink(tool, tmp_path):
    (tmp_path / 'real').mkdir()
    (tmp_path / 'real' / 'f').write_text('x\n')
    os.symlink(str(tmp_path / 'real'), str(tmp_path / 'link'))
    out = ok(tool.sh('cat /mnt/deeper/f', ['--ro-bind', str(tmp_path / 'link'),
                                           '/mnt/deeper']))
    assert out == 'x\n'


def test_source_relative_to_working_directory(tool, tmp_path):
    (tmp_path / 'rel').mkdir()
    (tmp_path / 'rel' / 'f').write_text('y\n')
    r = subprocess.run([tool.path] + tool.usr + ['--ro-bind', 'rel', '/mnt', 'cat', '/mnt/f'],
                       cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    assert ok(r) == 'y\n'


def test_bind_of_own_user_namespace_magic_link(tool):
    out = ok(tool.sh('stat -c %s /run/userns; test -e /proc/self/ns/user && echo ok',
                     ['--ro-bind', '/proc/self/ns/user', '/run/userns'], root=tool.usr_nodev))
    assert out == '0\nok\n'


# -- --bind-fd ----------------------------------------------------------------------

def test_bind_fd_follows_the_directory_not_its_old_name(tool, tmp_path):
    (tmp_path / 'a').mkdir()
    (tmp_path / 'a' / 'f').write_text('original\n')
    fd = os.open(str(tmp_path / 'a'), os.O_PATH | os.O_DIRECTORY)
    try:
        os.rename(str(tmp_path / 'a'), str(tmp_path / 'moved'))
        (tmp_path / 'a').mkdir()
        (tmp_path / 'a' / 'f').write_text('impostor\n')
        out = ok(tool.sh('cat /mnt/f', ['--ro-bind-fd', str(fd), '/mnt'], pass_fds=(fd,)))
    finally:
        os.close(fd)
    assert out == 'original\n'


def test_bind_fd_of_a_deleted_directory_fails(tool, tmp_path):
    (tmp_path / 'gone').mkdir()
    fd = os.open(str(tmp_path / 'gone'), os.O_PATH | os.O_DIRECTORY)
    try:
        os.rmdir(str(tmp_path / 'gone'))
        r = tool.sh('true', ['--bind-fd', str(fd), '/mnt'], pass_fds=(fd,))
    finally:
        os.close(fd)
    assert r.returncode == 1
    assert r.stderr == tool.error('--bind-fd', "Can't bind mount fd %d (%s (deleted)) on /mnt: %s\n"
                                  % (fd, tmp_path / 'gone', os.strerror(2))), r.stderr


# -- merged /usr ----------------------------------------------------------------------

def test_merged_usr_links_unless_the_plan_makes_the_path():
    if not os.path.islink('/bin'):
        pytest.skip('the host has no merged /usr')
    out = ok(run(['--ro-bind', '/usr', '/usr', '--dir', '/bin/mine',
                  '/usr/bin/sh', '-c', 'test -L /bin || echo dir; test -L /lib && echo link']))
    assert out == 'dir\nlink\n'


def _expected_merged_links(usr):
    """{path: target} of the host's merged-/usr links whose target exists
    in USR, the directory the sandbox gets as /usr."""
    expected = {}
    for target, path in MERGED_USR_LINKS:
        inside = target.split('usr/', 1)[1]
        if os.path.exists(os.path.join(usr, inside)):
            expected[path] = target
    return expected


# Each of the host's merged-/usr link names: "PATH TARGET ok|dangling" when
# a symlink inside, nothing else.
LINKS_INSIDE = ('for p in /bin /sbin /lib /lib32 /lib64 /libx32; do '
                'if [ -L $p ]; then '
                'if [ -e $p ]; then s=ok; else s=dangling; fi; '
                'echo "$p $(readlink $p) $s"; fi; done')


def _links_inside(out):
    found = {}
    for line in out.splitlines():
        path, target, state = line.split()
        assert state == 'ok', line
        found[path] = target
    return found


def test_merged_usr_links_survive_remount_ro_of_the_root():
    if not MERGED_USR_LINKS:
        pytest.skip('the host has no merged /usr')
    out = ok(run(['--tmpfs', '/', '--ro-bind', '/usr', '/usr', '--remount-ro', '/',
                  'sh', '-c', LINKS_INSIDE]))
    links = _links_inside(out)
    assert links == _expected_merged_links('/usr')


# The loader's directory seen from inside: the link's target, where it
# leads, the device of the link itself and of "/", the identity of the
# directory it leads to, its entries.
LIB64_INSIDE = ('readlink /lib64; readlink -f /lib64; stat -c %d / /lib64; '
                'stat -L -c %d:%i /lib64; ls -A /lib64')


@pytest.mark.parametrize('first, last', [([], []), (['--tmpfs', '/'], ['--remount-ro', '/'])],
                         ids=['own-root', 'tmpfs-root-read-only'])
def test_lib64_link_leads_to_the_loader_directory_inside(first, last):
    # /lib64 holds the dynamic loader's path (PT_INTERP): in a root of ours
    # it is a link made on that root, to usr/lib64 as the host's, that
    # resolves to the /usr/lib64 bound from the host; the host's own /lib64
    # and / are left as they were.
    if not (os.path.islink('/lib64') and os.path.isdir('/usr/lib64')):
        pytest.skip('the host has no /lib64 -> usr/lib64 link')
    host_before = [os.lstat(p) for p in ('/', '/lib64')]
    before = HostState()
    opts = first + ['--ro-bind', '/usr', '/usr', '--proc', '/proc'] + last
    lines = ok(run(opts + ['sh', '-c', LIB64_INSIDE])).splitlines()
    target, resolved, root_dev, link_dev, identity = lines[:5]
    assert target == os.readlink('/lib64')
    assert resolved == '/usr/lib64'
    assert link_dev == root_dev, 'the link is not on the sandbox\'s root'
    assert int(root_dev) != os.lstat('/').st_dev
    usr_lib64 = os.stat('/usr/lib64')
    assert identity == '%d:%d' % (usr_lib64.st_dev, usr_lib64.st_ino)
    assert sorted(lines[5:]) == sorted(os.listdir('/usr/lib64'))
    before.assert_unchanged()
    assert [os.lstat(p) for p in ('/', '/lib64')] == host_before


def test_merged_usr_links_only_where_the_target_is_inside(tmp_path):
    # A /usr with bin and lib (and lib64, for the loader) but no sbin or
    # lib32: /sbin and /lib32 would dangle, so they are not made.
    if not MERGED_USR_LINKS:
        pytest.skip('the host has no merged /usr')
    usr = tmp_path / 'usr'
    opts = ['--ro-bind', str(usr), '/usr']
    for name in ('bin', 'lib', 'lib64'):
        if os.path.isdir('/usr/' + name):
            (usr / name).mkdir(parents=True)
            opts += ['--ro-bind', '/usr/' + name, '/usr/' + name]
    links = _links_inside(ok(run(opts + ['sh', '-c', LINKS_INSIDE])))
    assert links == _expected_merged_links(str(usr))
    assert '/sbin' not in links


def _tree(top):
    """Every entry under TOP as (relative path, mode, uid, link target)."""
    entries = []
    for parent, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(parent, name)
            st = os.lstat(path)
            target = os.readlink(path) if os.path.islink(path) else None
            entries.append((os.path.relpath(path, top), st.st_mode, st.st_uid, target))
    st = os.lstat(top)
    return sorted(entries), st.st_mode, st.st_mtime_ns


def _rootfs_dir(top):
    """A directory tree to bind as "/": the mount points, and only the
    merged-/usr links a program needs to start (/bin, /lib, /lib64), so
    that /sbin and /lib32 are missing, as in a tree made by hand."""
    if not MERGED_USR_LINKS:
        pytest.skip('the host has no merged /usr')
    for name in ('usr', 'proc', 'dev'):
        (top / name).mkdir(parents=True)
    for target, path in MERGED_USR_LINKS:
        if path in ('/bin', '/lib', '/lib64'):
            os.symlink(target, str(top) + path)
    return top


ROOTFS_OPTS = ['--ro-bind', '/usr', '/usr', '--proc', '/proc', '--dev', '/dev']


def test_bound_root_is_left_unchanged(tool, tmp_path):
    rootfs = _rootfs_dir(tmp_path / 'rootfs')
    before = _tree(rootfs)
    out = ok(tool.run(['--bind', str(rootfs), '/'] + ROOTFS_OPTS + ['sh', '-c', 'ls -A /']))
    assert _tree(rootfs) == before
    assert sorted(out.split()) == sorted(entry[0] for entry in before[0])


@pytest.mark.parametrize('owner', ['caller', 'other'])
def test_unwritable_bound_root_works(tool, tmp_path, owner):
    # A tree the caller cannot write to: 0555, or owned by an id the
    # sandbox's user namespace does not map (an mmdebstrap --mode=unshare
    # tree of subordinate ids).
    if owner == 'other' and not IS_ROOT:
        pytest.skip('only root can make a directory owned by another uid')
    rootfs = _rootfs_dir(tmp_path / 'rootfs')
    if owner == 'other':
        os.chown(str(rootfs), 12345, 12345)
    os.chmod(str(rootfs), 0o555)
    try:
        before = _tree(rootfs)
        out = ok(tool.run(['--bind', str(rootfs), '/'] + ROOTFS_OPTS + ['sh', '-c', 'ls -A /']))
        after = _tree(rootfs)
    finally:
        os.chmod(str(rootfs), 0o755)
    assert after == before
    assert sorted(out.split()) == sorted(entry[0] for entry in before[0])


# -- errors ----------------------------------------------------------------------------

def test_missing_source_wording(tool):
    r = tool.run(['--ro-bind', '/nonexistent-source', '/x', 'true'])
    assert r.returncode == 1
    text = "Can't find source path /nonexistent-source: No such file or directory"
    expected = 'bwrap: ' + text if tool is BW else 'sandbox: --ro-bind: ' + text
    assert r.stderr.strip() == expected


def test_remount_ro_of_a_plain_directory_fails(tool):
    r = tool.sh('true', ['--dir', '/d', '--remount-ro', '/d'], root=tool.usr_nodev)
    assert r.returncode == 1
    assert r.stderr == tool.error('--remount-ro',
                                  "Can't remount readonly on /d: not a mount point\n"), r.stderr


def test_failure_leaves_nothing_on_the_host(tool, tmp_path, host_state):
    (tmp_path / 'src').mkdir()
    r = tool.sh('true', ['--bind', str(tmp_path / 'src'), '/a', '--tmpfs', '/b',
                         '--ro-bind', '/nonexistent-source', '/c'])
    assert r.returncode == 1
    assert r.stderr == tool.error('--ro-bind', "Can't find source path /nonexistent-source: %s\n"
                                  % os.strerror(2)), r.stderr
    assert os.listdir(tmp_path / 'src') == []
    host_state.assert_unchanged()


# -- modes of missing parents, as bwrap -------------------------------------------

# (options, the destination whose parents are checked, their mode).  bwrap's
# ops carry a "perms" that is 0 unless the op takes --perms, so only --dir,
# --tmpfs, --file and --bind-data let parents be 0755; the rest get 0700.
PARENT_MODE_CASES = [
    (['--proc', '/a/proc'], '/a/proc', '700'),
    (['--symlink', 'x', '/c/b/link'], '/c/b/link', '700'),
    (['--ro-bind-fd', '{dirfd}', '/d/b/fd'], '/d/b/fd', '700'),
    (['--bind-fd', '{dirfd}', '/d2/fd'], '/d2/fd', '700'),
    (['--bind', '{src}', '/e/b/x'], '/e/b/x', '700'),
    (['--ro-bind-try', '{src}', '/e2/x'], '/e2/x', '700'),
    (['--dev-bind', '{src}', '/e3/x'], '/e3/x', '700'),
    (['--ro-bind', '{src}/file', '/e4/x'], '/e4/x', '700'),
    (['--mqueue', '/h/mq'], '/h/mq', '700'),
    (['--bind-data', '{data}', '/f/b/x'], '/f/b/x', '700'),
    (['--ro-bind-data', '{data}', '/f2/x'], '/f2/x', '700'),
    (['--perms', '0644', '--bind-data', '{data}', '/f3/x'], '/f3/x', '755'),
    (['--file', '{data}', '/g/b/x'], '/g/b/x', '755'),
    (['--perms', '0640', '--file', '{data}', '/g2/x'], '/g2/x', '750'),
    (['--perms', '0604', '--file', '{data}', '/g3/x'], '/g3/x', '705'),
    (['--tmpfs', '/i/b/t'], '/i/b/t', '755'),
    (['--perms', '0', '--tmpfs', '/i2/t'], '/i2/t', '700'),
    (['--perms', '0750', '--tmpfs', '/i3/t'], '/i3/t', '750'),
    (['--dir', '/j/b/d'], '/j/b/d', '755'),
    (['--perms', '0705', '--dir', '/j2/d'], '/j2/d', '705'),
    (['--perms', '0700', '--dir', '/j3/d'], '/j3/d', '700'),
    # An existing parent keeps its mode; only the missing ones are made.
    (['--dir', '/m', '--bind', '{src}', '/m/b/x'], '/m/b/x', '700'),
]
# Not in bwrap 0.8.0 (the system bwrap we compare with): checked on ours only.
OVERLAY_PARENT_MODE_CASES = [
    (['--overlay-src', '{src}', '--tmp-overlay', '/o/b/ov'], '/o/b/ov', '700'),
    (['--overlay-src', '{src}', '--overlay-src', '{src2}', '--ro-overlay', '/o2/ov'], '/o2/ov', '700'),
]


def _parents(dest):
    parts = dest.strip('/').split('/')[:-1]
    return ['/' + '/'.join(parts[:i + 1]) for i in range(len(parts))]


def _parent_modes(tool, cases, tmp_path):
    """Runs every case in one sandbox; returns {parent: mode} as seen inside."""
    src = tmp_path / 'src'
    src.mkdir(exist_ok=True)
    (src / 'file').write_text('f\n')
    (tmp_path / 'src2').mkdir(exist_ok=True)
    data = tmp_path / 'data'
    data.write_text('data\n')
    fds = []
    opts = []
    paths = []
    try:
        for case_opts, dest, _ in cases:
            for opt in case_opts:
                # Each op gets an fd of its own: bwrap closes them after use.
                if opt == '{data}':
                    fds.append(os.open(str(data), os.O_RDONLY))
                    opt = str(fds[-1])
                elif opt == '{dirfd}':
                    fds.append(os.open(str(src), os.O_PATH | os.O_DIRECTORY))
                    opt = str(fds[-1])
                opts.append(opt.format(src=src, src2=tmp_path / 'src2'))
            paths += _parents(dest)
        out = ok(tool.sh('stat -c "%n %a" ' + ' '.join(paths),
                         ['--unshare-ipc'] + opts, pass_fds=fds))
    finally:
        for fd in fds:
            os.close(fd)
    return dict(line.split() for line in out.splitlines())


def _expected_parent_modes(cases):
    expected = {}
    for case_opts, dest, mode in cases:
        for parent in _parents(dest):
            expected[parent] = mode
    if '/m' in expected:
        expected['/m'] = '755'  # made by --dir, before the bind
    return expected


def test_parent_modes_follow_the_op_like_bwrap(tool, backend, tmp_path):
    cases = PARENT_MODE_CASES + OVERLAY_PARENT_MODE_CASES
    assert _parent_modes(backend.of(tool), cases, tmp_path) == _expected_parent_modes(cases)


def test_parent_modes_match_system_bwrap(system_bwrap, tmp_path):
    ours = _parent_modes(BW, PARENT_MODE_CASES, tmp_path)
    theirs = _parent_modes(system_bwrap, PARENT_MODE_CASES, tmp_path)
    assert ours == theirs
    assert ours == _expected_parent_modes(PARENT_MODE_CASES)


def test_parent_modes_ignore_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        modes = _parent_modes(BW, PARENT_MODE_CASES, tmp_path)
    finally:
        os.umask(old)
    assert modes == _expected_parent_modes(PARENT_MODE_CASES)


# -- the root and data binds in mountinfo, as bwrap's -------------------------------

MOUNTINFO_OPTS = ['--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib64', '/lib64',
                  '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib',
                  '--proc', '/proc', '--file', '{0}', '/f', '--ro-bind-data', '{1}', '/g',
                  '--perms', '0640', '--bind-data', '{2}', '/h/i']


def _mountinfo(prog):
    """/proc/self/mountinfo inside, as (mount id, parent id, device, rest)."""
    fds = [os.open('/etc/hostname', os.O_RDONLY) for _ in range(3)]
    try:
        opts = [o.format(*fds) for o in MOUNTINFO_OPTS]
        out = ok(run(opts + ['cat', '/proc/self/mountinfo'], prog=prog, pass_fds=fds))
    finally:
        for fd in fds:
            os.close(fd)
    return [line.split(' ', 3) for line in out.splitlines()]


def _normalised(lines):
    """Mountinfo with ids and devices replaced by their order of appearance,
    and mkstemp's random suffix of the data files removed."""
    ids, devs = {}, {}
    result = []
    for mnt_id, parent, dev, rest in lines:
        ids.setdefault(mnt_id, len(ids))
        devs.setdefault(dev, len(devs))
        rest = re.sub(r'^/bindfile[A-Za-z0-9]{6}//deleted ', '/bindfileXXXXXX//deleted ', rest)
        result.append((ids[mnt_id], ids.get(parent, 'outside'), devs[dev], rest))
    return result


def test_root_and_data_binds_in_mountinfo(backend):
    lines = _mountinfo(backend.bw.path)
    root, by_point = lines[0], {fields[3].split()[1]: fields for fields in lines}
    # "/" is base's newroot directory bound onto itself: one tmpfs, no mode=.
    left, _, right = root[3].partition(' - ')
    root_path, point, opts = left.split()[:3]
    fstype, source, super_opts = right.split()
    assert (root_path, point, fstype, source) == ('/newroot', '/', 'tmpfs', 'tmpfs')
    assert opts == 'rw,nosuid,nodev,relatime'
    assert 'mode=' not in super_opts
    # The data files live on that same tmpfs, deleted, outside the root.
    for dest, flags in (('/g', 'ro'), ('/h/i', 'rw')):
        fields = by_point[dest]
        assert fields[2] == root[2]
        assert re.match(r'/bindfile[A-Za-z0-9]{6}//deleted %s %s,nosuid,nodev,relatime - tmpfs tmpfs %s$'
                        % (dest, flags, re.escape(super_opts)), fields[3]), fields[3]
    assert '/f' not in by_point


def test_mountinfo_matches_system_bwrap(system_bwrap, backend):
    assert _normalised(_mountinfo(backend.bw.path)) == _normalised(_mountinfo(system_bwrap.path))


def test_base_stays_invisible(tool, tmp_path):
    layer = tmp_path / 'layer'
    layer.mkdir()
    rd = os.open('/etc/hostname', os.O_RDONLY)
    try:
        out = ok(tool.sh('ls -a /; stat -c %a /', [
            '--overlay-src', str(layer), '--tmp-overlay', '/ov',
            '--bind-data', str(rd), '/bd'], root=tool.usr_nodev, pass_fds=(rd,)))
    finally:
        os.close(rd)
    names = out.split()
    assert names[-1] == '755'
    assert not {'oldroot', 'newroot'} & set(names)
    assert not [n for n in names if n.startswith(('bindfile', 'tmp-overlay', 'mount-'))]
