"""Subordinate ids: --map-auto, --map-users, --map-groups.

As the plain user the maps are written by newuidmap/newgidmap from the
ranges /etc/subuid and /etc/subgid grant it (run-pytest grants sandbox-test
one where it has none); as root the monitor writes them itself.  Asserted
from inside (the maps, ids, owners after chown and tar, setuid and
setgroups to mapped ids, dpkg and useradd in a Debian tree owned by the
first subordinate id) and from outside (the owners on the host)."""

import os
import pwd
import re
import shutil
import subprocess

import pytest

from sbtest import BW, IS_ROOT, SANDBOX, SB, USR, id_map, ok, run

UID = os.getuid()
GID = os.getgid()
BUSYBOX = shutil.which('busybox', path='/usr/bin:/bin')
NEWUIDMAP = shutil.which('newuidmap', path='/usr/bin:/bin:/usr/sbin:/sbin')


def grants(path, uid=UID):
    """The (start, count) ranges PATH grants to UID, by name or number."""
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = None
    found = []
    try:
        with open(path) as f:
            for line in f:
                fields = line.strip().split(':')
                if len(fields) == 3 and fields[0] in (name, str(uid)):
                    found.append((int(fields[1]), int(fields[2])))
    except FileNotFoundError:
        pass
    return found


def first_grant():
    """The first granted uid and gid ranges, or a skip saying what is missing."""
    if not IS_ROOT and NEWUIDMAP is None:
        pytest.skip('newuidmap is missing (apt-get install uidmap)')
    uids, gids = grants('/etc/subuid'), grants('/etc/subgid')
    if not uids or not gids:
        pytest.skip('/etc/subuid or /etc/subgid grants no ids to uid %d '
                    '(run-pytest grants them to sandbox-test)' % UID)
    if uids[0][1] < 65536 or gids[0][1] < 65536:
        pytest.skip('the first grant has fewer than 65536 ids')
    return uids[0][0], gids[0][0]


needs_user = pytest.mark.skipif(IS_ROOT, reason='newuidmap and the grant are the plain '
                                'user\'s; root writes the maps itself (see the root tests)')
needs_root = pytest.mark.skipif(not IS_ROOT, reason='only root may map ids it was not granted')
needs_busybox = pytest.mark.skipif(BUSYBOX is None, reason='busybox is missing '
                                   '(apt-get install busybox-static)')

MAPS = 'cat /proc/self/uid_map; echo -; cat /proc/self/gid_map; echo -; id -u; id -g'


def parse_maps(out):
    uid_map, gid_map, ids = out.split('-\n')
    uid, gid = ids.split()
    return id_map(uid_map), id_map(gid_map), int(uid), int(gid)


def one_line_error(result, *words):
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@needs_user
def test_map_auto_is_podmans_layout(tool):
    sub_uid, sub_gid = first_grant()
    opts = ['--map-auto'] + (['--unshare-user'] if tool is BW else [])
    uid_map, gid_map, uid, gid = parse_maps(ok(tool.sh(MAPS, opts)))
    # The caller at 0, the grant from 1 (grants after the first follow).
    assert uid_map[:2] == [(0, UID, 1), (1, sub_uid, grants('/etc/subuid')[0][1])]
    assert gid_map[:2] == [(0, GID, 1), (1, sub_gid, grants('/etc/subgid')[0][1])]
    assert (uid, gid) == (0, 0)


@needs_user
def test_map_auto_with_uid_and_dev():
    # --uid 1000: the caller there, the grant around it; devpts is mounted
    # with the full map, without a nested user namespace.
    sub_uid, _ = first_grant()
    out = ok(run(USR + ['--map-auto', '--uid', '1000', '--gid', '1000', 'sh', '-c',
                        MAPS + '; echo -; test -c /dev/pts/ptmx && echo devpts']))
    uid_map, _, uid, gid = parse_maps(out.rsplit('-\n', 1)[0])
    assert (0, sub_uid, 1000) in uid_map and (1000, UID, 1) in uid_map
    assert (uid, gid) == (1000, 1000)
    assert out.rsplit('-\n', 1)[1].strip() == 'devpts'


@needs_user
def test_chown_and_tar_keep_owners(tmp_path):
    # chown to a mapped id works inside, and shows as the subordinate id
    # outside; tar -p restores owners.
    sub_uid, sub_gid = first_grant()
    script = '''
        cd /w
        touch f && chown 1234:1235 f && stat -c %u:%g f
        mkdir d && touch d/a && chown 42:42 d/a && tar -cpf t.tar d && rm -r d
        tar -xpf t.tar && stat -c %u:%g d/a
    '''
    out = ok(SB.sh(script, ['--map-auto', '--cap-add', 'ALL', '--bind', tmp_path, '/w']))
    assert out.split() == ['1234:1235', '42:42']
    st = os.stat(tmp_path / 'f')
    assert (st.st_uid, st.st_gid) == (sub_uid + 1233, sub_gid + 1234)
    assert os.stat(tmp_path / 'd' / 'a').st_uid == sub_uid + 41
    # What the test made is removed from inside, where it may be.
    ok(SB.sh('rm -rf /w/d /w/f', ['--map-auto', '--cap-add', 'ALL', '--bind', tmp_path, '/w']))


@needs_user
def test_setuid_and_setgroups_to_mapped_ids():
    first_grant()
    out = ok(SB.sh('setpriv --reuid 42 --regid 42 --groups 4,5 sh -c "id -u; id -g; id -G"',
                   ['--map-auto', '--cap-add', 'ALL']))
    # id -G: the gid, then the groups set.
    assert out.split() == ['42', '42', '42', '4', '5']


@needs_user
def test_supplementary_groups_dropped():
    first_grant()
    assert ok(SB.sh('id -G', ['--map-auto'])).split() == ['0']


@needs_user
def test_range_outside_grant_refused(host_state):
    sub_uid, _ = first_grant()
    past = sub_uid + grants('/etc/subuid')[0][1]
    if any(start <= past < start + count for start, count in grants('/etc/subuid')):
        pytest.skip('the ids after the first grant are granted too')
    result = run(USR + ['--map-users', '0:%d:10' % past, 'true'])
    one_line_error(result, '--map-users 0:%d:10' % past, '/etc/subuid')
    host_state.assert_unchanged()


@needs_user
def test_no_newuidmap_refused(host_state):
    first_grant()
    result = run(USR + ['--map-auto', 'true'], env={'PATH': '/nonexistent'})
    one_line_error(result, '--map-auto: newuidmap is not installed',
                   'apt-get install uidmap')
    host_state.assert_unchanged()


@needs_user
def test_overlapping_ranges_refused():
    sub_uid, _ = first_grant()
    result = run(USR + ['--map-users', '0:%d:10' % sub_uid,
                        '--map-users', '5:%d:1' % UID, 'true'])
    one_line_error(result, 'overlaps', 'inside')


def make_tree(tree):
    """A tiny root file system: busybox and the accounts a package manager has.
    The sandbox's root is not the caller: pytest's private directories
    above the tree are opened to others for it to reach the tree."""
    for parent in list(tree.parents)[:3]:
        os.chmod(parent, os.stat(parent).st_mode | 0o011)
    tree.mkdir()
    for d in ('bin', 'etc', 'tmp', 'w', 'proc', 'dev', 'home'):
        (tree / d).mkdir()
    shutil.copy(BUSYBOX, tree / 'bin' / 'busybox')
    for tool in ('sh', 'stat', 'id', 'chown', 'su', 'cat', 'touch', 'mkdir', 'tar', 'rm'):
        os.symlink('busybox', tree / 'bin' / tool)
    (tree / 'etc' / 'passwd').write_text('root:x:0:0:root:/root:/bin/sh\n'
                                         '_apt:x:42:65534::/nonexistent:/bin/sh\n')
    (tree / 'etc' / 'group').write_text('root:x:0:\nnogroup:x:65534:\n')
    (tree / 'etc' / 'shadow').write_text('root:*:1::::::\n_apt:*:1::::::\n')


def tree_opts(tree, base_uid, base_gid):
    return ['--map-users', '0:%d:65536' % base_uid, '--map-groups', '0:%d:65536' % base_gid,
            '--cap-add', 'ALL', '--bind', tree, '/', '--proc', '/proc', '--dev', '/dev',
            '--perms', '1777', '--tmpfs', '/tmp']


# What mmdebstrap --mode=unshare leaves (its archive is not reached from
# here): a tree whose root is the first subordinate id.  In it, root can
# act as root: chown, su to _apt, what useradd -m does (busybox has no
# useradd), tar -p.
TREE_SCRIPT = '''
    stat -c %u:%g /etc/passwd /bin/busybox
    touch /w/f && chown 42:65534 /w/f && stat -c %u:%g /w/f
    su -s /bin/sh _apt -c "id -u"
    echo alice:x:1000:1000::/home/alice:/bin/sh >>/etc/passwd
    mkdir -m 700 /home/alice && chown 1000:1000 /home/alice
    su alice -c "touch /home/alice/x && stat -c %u:%g /home/alice/x"
    cd /home && tar -cpf /tmp/h.tar alice && rm -r alice && tar -xpf /tmp/h.tar
    stat -c %u /home/alice/x
'''


@needs_user
@needs_busybox
def test_tree_owned_by_first_subordinate_id(tmp_path):
    sub_uid, sub_gid = first_grant()
    tree = tmp_path / 'tree'
    make_tree(tree)
    # As the user, the tree gets its owners through --map-auto, where
    # inside 1 is the first subordinate id.
    ok(run(USR + ['--map-auto', '--cap-add', 'ALL', '--bind', tree, '/t',
                  'chown', '-R', '1:1', '/t']))
    assert os.lstat(tree / 'etc' / 'passwd').st_uid == sub_uid
    out = ok(run(tree_opts(tree, sub_uid, sub_gid) + ['/bin/sh', '-c', TREE_SCRIPT]))
    assert out.split() == ['0:0', '0:0', '42:65534', '42', '1000:1000', '1000']
    assert os.stat(tree / 'w' / 'f').st_uid == sub_uid + 42
    # The tree goes from inside, where its owners and the caller are mapped.
    ok(run(USR + ['--map-auto', '--cap-add', 'ALL', '--bind', tmp_path, '/t',
                  'rm', '-rf', '/t/tree']))
    assert not tree.exists()


@needs_root
@needs_busybox
def test_root_maps_without_newuidmap(tmp_path):
    # Root writes the maps itself: no grant is needed and no helper runs
    # (none is on PATH).
    base = 300000
    tree = tmp_path / 'tree'
    make_tree(tree)
    for path in [tree] + list(tree.rglob('*')):
        os.lchown(path, base, base)
    env = {'PATH': '/nonexistent'}
    script = 'cat /proc/self/uid_map; ' + TREE_SCRIPT
    out = ok(run(tree_opts(tree, base, base) + ['/bin/sh', '-c', script], env=env))
    assert id_map(out.splitlines()[0]) == [(0, base, 65536)]
    assert out.split()[3:] == ['0:0', '0:0', '42:65534', '42', '1000:1000', '1000']
    assert os.stat(tree / 'w' / 'f').st_uid == base + 42
    assert os.stat(tree / 'home' / 'alice').st_uid == base + 1000


@needs_root
def test_no_grant_refused(host_state):
    # An account without subordinate ids (a uid with no passwd entry here):
    # one line saying what to add.
    uid = 4242
    if grants('/etc/subuid', uid):
        pytest.skip('uid %d has subordinate ids here' % uid)
    result = subprocess.run(['setpriv', '--reuid', str(uid), '--regid', str(uid),
                             '--clear-groups', SANDBOX, '--map-auto', 'true'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd='/', timeout=60)
    one_line_error(result, '--map-auto', '/etc/subuid grants no subordinate ids to uid 4242')
    host_state.assert_unchanged()


# A Debian root file system made of what this machine has: dpkg, useradd and
# the programs they run, with their libraries, and a dpkg database of its
# own (mmdebstrap needs an archive, which is not reached from here).
DEBIAN_PROGRAMS = ('dpkg', 'dpkg-deb', 'dpkg-query', 'dpkg-split', 'useradd', 'groupadd', 'sh',
                   'dash', 'tar', 'rm', 'mv', 'cp', 'ln', 'mkdir', 'chown', 'stat', 'id', 'cat',
                   'ldconfig', 'start-stop-daemon', 'diff', 'find', 'ls')


def host_program(name):
    return shutil.which(name, path='/usr/bin:/usr/sbin:/bin:/sbin')


def copy_with_libraries(tree, path, copied):
    """PATH and the libraries ldd names, at their real paths in TREE, with
    the names they are asked for as links."""
    wanted = [path]
    ldd = subprocess.run(['ldd', path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True).stdout
    wanted += re.findall(r'(/\S+) \(0x', ldd)
    for name in wanted:
        real = os.path.realpath(name)
        link = os.path.join(os.path.realpath(os.path.dirname(name)), os.path.basename(name))
        for target, source in ((real, None), (link, real)):
            if target in copied:
                continue
            copied.add(target)
            dest = tree / target.lstrip('/')
            dest.parent.mkdir(parents=True, exist_ok=True)
            if source is None:
                shutil.copy2(target, dest)
            elif target != real:
                os.symlink(real, dest)


def make_debian_tree(tree):
    for parent in list(tree.parents)[:3]:
        os.chmod(parent, os.stat(parent).st_mode | 0o011)
    for d in ('usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'etc/skel', 'home', 'tmp', 'proc',
              'dev', 'deb', 'var/lib/dpkg/info', 'var/lib/dpkg/updates',
              'var/lib/dpkg/triggers', 'var/log'):
        (tree / d).mkdir(parents=True, exist_ok=True)
    for link in ('bin', 'sbin', 'lib', 'lib64'):
        os.symlink('usr/' + link, tree / link)
    copied = set()
    for name in DEBIAN_PROGRAMS:
        copy_with_libraries(tree, host_program(name), copied)
    (tree / 'etc' / 'passwd').write_text('root:x:0:0:root:/root:/bin/sh\n'
                                         '_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n')
    (tree / 'etc' / 'group').write_text('root:x:0:\nusers:x:100:\nnogroup:x:65534:\n')
    (tree / 'etc' / 'shadow').write_text('root:*:19000:0:99999:7:::\n_apt:*:19000:0:99999:7:::\n')
    (tree / 'etc' / 'gshadow').write_text('root:*::\nusers:*::\nnogroup:*::\n')
    os.chmod(tree / 'etc' / 'shadow', 0o640)
    shutil.copy('/etc/login.defs', tree / 'etc' / 'login.defs')
    (tree / 'var' / 'lib' / 'dpkg' / 'status').write_text('')
    (tree / 'var' / 'lib' / 'dpkg' / 'available').write_text('')


def make_deb(directory):
    """A package whose maintainer script gives a file to _apt, as apt's own do."""
    pkg = directory / 'pkg'
    (pkg / 'DEBIAN').mkdir(parents=True)
    (pkg / 'usr' / 'share' / 'sbtest').mkdir(parents=True)
    (pkg / 'usr' / 'share' / 'sbtest' / 'data').write_text('data\n')
    (pkg / 'DEBIAN' / 'control').write_text(
        'Package: sbtest\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@localhost>\n'
        'Description: sandbox test package\n')
    (pkg / 'DEBIAN' / 'postinst').write_text(
        '#!/bin/sh\nset -e\nchown _apt:nogroup /usr/share/sbtest/data\n')
    os.chmod(pkg / 'DEBIAN' / 'postinst', 0o755)
    subprocess.run(['dpkg-deb', '--root-owner-group', '--build', str(pkg),
                    str(directory / 'sbtest.deb')], check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(pkg)
    return directory / 'sbtest.deb'


DEBIAN_SCRIPT = '''
    set -e
    dpkg -i /deb/sbtest.deb >/dev/null
    dpkg-query -W -f '${Status}\\n' sbtest
    stat -c %U:%G /usr/share/sbtest/data
    useradd -m -u 1000 -s /bin/sh bob
    stat -c %U:%G /home/bob
    id -u bob
'''

needs_dpkg = pytest.mark.skipif(
    any(host_program(name) is None for name in DEBIAN_PROGRAMS) or shutil.which('ldd') is None,
    reason='dpkg, useradd (passwd) or ldd is missing')


@needs_dpkg
def test_dpkg_and_useradd_in_a_debian_tree(tmp_path):
    # The tree as mmdebstrap --mode=unshare leaves it: owned by the first
    # subordinate id (root: any range, written without newuidmap).  Inside,
    # dpkg installs a package whose script hands a file to _apt, and
    # useradd -m makes an account with its home.
    tree = tmp_path / 'tree'
    make_debian_tree(tree)
    deb = make_deb(tmp_path)
    if IS_ROOT:
        sub_uid = sub_gid = 300000
        for path in [tree] + list(tree.rglob('*')):
            os.lchown(path, sub_uid, sub_gid)
    else:
        sub_uid, sub_gid = first_grant()
        ok(run(USR + ['--map-auto', '--cap-add', 'ALL', '--bind', tree, '/t',
                      'chown', '-hR', '1:1', '/t']))
    out = ok(run(['--map-users', '0:%d:65536' % sub_uid, '--map-groups', '0:%d:65536' % sub_gid,
                  '--cap-add', 'ALL', '--bind', tree, '/', '--proc', '/proc', '--dev', '/dev',
                  '--perms', '1777', '--tmpfs', '/tmp', '--ro-bind', deb, '/deb/sbtest.deb',
                  '--setenv', 'PATH', '/usr/sbin:/usr/bin', '/bin/sh', '-c', DEBIAN_SCRIPT]))
    assert out.split() == ['install', 'ok', 'installed', '_apt:nogroup', 'bob:bob', '1000']
    assert os.stat(tree / 'usr' / 'share' / 'sbtest' / 'data').st_uid == sub_uid + 42
    assert os.stat(tree / 'home' / 'bob').st_uid == sub_uid + 1000
    if not IS_ROOT:
        ok(run(USR + ['--map-auto', '--cap-add', 'ALL', '--bind', tmp_path, '/t',
                      'rm', '-rf', '/t/tree']))
