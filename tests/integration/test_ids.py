"""Identity inside the sandbox: uid/gid, the id maps, setgroups, --uid/--gid."""

import os

import pytest

from sbtest import BW, IS_ROOT, SB, id_map, ok

UID = os.getuid()
GID = os.getgid()

IDS = 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'


def parse_ids(out):
    lines = out.splitlines()
    uid, gid = int(lines[0]), int(lines[1])
    uid_map = id_map(lines[2])
    gid_map = id_map(lines[3])
    return uid, gid, uid_map, gid_map, lines[4]


def host_userns():
    return os.readlink('/proc/self/ns/user')


@pytest.mark.skipif(IS_ROOT, reason='the caller is root: see the root tests')
def test_user_keeps_own_ids_with_one_line_maps(tool):
    # Without --dev there is no nested user namespace: the map's outside
    # ids are the caller's own ids on the host.
    uid, gid, uid_map, gid_map, setgroups = parse_ids(
        ok(tool.sh(IDS, root=tool.usr_nodev)))
    assert (uid, gid) == (UID, GID)
    assert uid_map == [(UID, UID, 1)]
    assert gid_map == [(GID, GID, 1)]
    assert setgroups == 'deny'


@pytest.mark.skipif(IS_ROOT, reason='the caller is root: see the root tests')
def test_user_ids_with_dev(tool):
    # --dev may nest a user namespace (devpts needs uid 0 mapped): whatever
    # the outside ids, inside we are still the caller, with one-id maps.
    uid, gid, uid_map, gid_map, setgroups = parse_ids(ok(tool.sh(IDS)))
    assert (uid, gid) == (UID, GID)
    assert len(uid_map) == 1 and uid_map[0][0] == UID and uid_map[0][2] == 1
    assert len(gid_map) == 1 and gid_map[0][0] == GID and gid_map[0][2] == 1
    assert setgroups == 'deny'


@pytest.mark.skipif(IS_ROOT, reason='the caller is root: see the root tests')
def test_user_always_gets_a_user_namespace(tool):
    out = ok(tool.sh('readlink /proc/self/ns/user'))
    assert out.strip() != host_userns()


@pytest.mark.skipif(IS_ROOT, reason='the caller is root: see the root tests')
def test_user_supplementary_groups_not_kept(tool):
    # setgroups is denied and only the caller's gid is mapped: any other
    # group shows as the overflow gid, never as a real host group.
    out = ok(tool.sh('id -G'))
    for g in out.split():
        assert int(g) in (GID, 65534)


@pytest.mark.parametrize('opts', [[], ['--unshare-user']],
                         ids=['default', 'unshare-user'])
def test_uid_gid_options(tool, opts):
    if tool is BW and IS_ROOT and not opts:
        pytest.skip('bwrap as root needs --unshare-user for --uid (see test_errors)')
    uid, gid, uid_map, gid_map, _ = parse_ids(
        ok(tool.sh(IDS, opts + ['--uid', '5', '--gid', '6'])))
    assert (uid, gid) == (5, 6)
    assert len(uid_map) == 1 and uid_map[0][0] == 5 and uid_map[0][2] == 1
    assert len(gid_map) == 1 and gid_map[0][0] == 6 and gid_map[0][2] == 1


def test_uid_zero_inside(tool):
    opts = ['--unshare-user'] if tool is BW else []
    out = ok(tool.sh('id -u; id -g', opts + ['--uid', '0', '--gid', '0']))
    assert out == '0\n0\n'


def test_uid_only_keeps_caller_gid(tool):
    opts = ['--unshare-user'] if tool is BW else []
    out = ok(tool.sh('id -u; id -g', opts + ['--uid', '1234']))
    assert out == '1234\n%d\n' % GID


def test_uid_maps_to_caller_outside(tool):
    # Without --dev, --uid 5 maps inside 5 onto the caller's own uid.
    opts = ['--unshare-user'] if tool is BW else []
    _, _, uid_map, gid_map, _ = parse_ids(
        ok(tool.sh(IDS, opts + ['--uid', '5', '--gid', '6'], root=tool.usr_nodev)))
    assert uid_map == [(5, UID, 1)]
    assert gid_map == [(6, GID, 1)]


def test_files_created_inside_belong_to_caller_outside(tool, tmp_path):
    # Whatever the uid inside, what it writes through a bind is the caller's.
    opts = ['--unshare-user'] if tool is BW else []
    ok(tool.sh('echo x > /data/made-inside',
               opts + ['--uid', '7', '--gid', '8', '--bind', str(tmp_path), '/data']))
    st = os.stat(tmp_path / 'made-inside')
    assert (st.st_uid, st.st_gid) == (UID, GID)


@pytest.mark.skipif(not IS_ROOT, reason='needs root')
def test_root_sandbox_personality_is_root_in_own_userns():
    uid, gid, uid_map, gid_map, _ = parse_ids(ok(SB.sh(IDS, root=SB.usr_nodev)))
    assert (uid, gid) == (0, 0)
    # One-id map of the caller, in a user namespace of its own.
    assert uid_map == [(0, 0, 1)]
    assert gid_map == [(0, 0, 1)]
    assert ok(SB.sh('readlink /proc/self/ns/user')).strip() != host_userns()


@pytest.mark.skipif(not IS_ROOT, reason='needs root')
def test_root_bwrap_personality_stays_in_host_userns():
    # bwrap run by root does not create a user namespace unless asked.
    out = ok(BW.sh('id -u; readlink /proc/self/ns/user; cat /proc/self/uid_map'))
    lines = out.splitlines()
    assert lines[0] == '0'
    assert lines[1] == host_userns()
    with open('/proc/self/uid_map') as f:
        assert id_map('\n'.join(lines[2:])) == id_map(f.read())


@pytest.mark.skipif(not IS_ROOT, reason='needs root')
def test_root_bwrap_unshare_user_maps_root():
    uid, gid, uid_map, gid_map, _ = parse_ids(
        ok(BW.sh(IDS, ['--unshare-user'], root=BW.usr_nodev)))
    assert (uid, gid) == (0, 0)
    assert uid_map == [(0, 0, 1)]
    assert gid_map == [(0, 0, 1)]
