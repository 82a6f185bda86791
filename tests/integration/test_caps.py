"""Capabilities and no_new_privs as the command sees them."""

import json
import os

import pytest

from sbtest import BW, IS_ROOT, SB, cap_fields, ok, proc_status, which_in_usr

CAP_NET_ADMIN = 12
CAP_SYS_ADMIN = 21

STATUS = 'cat /proc/self/status'


def status_of(tool, opts=()):
    return proc_status(ok(tool.sh(STATUS, list(opts))))


def host_caps():
    with open('/proc/self/status') as f:
        return cap_fields(proc_status(f.read()))


def test_no_new_privs(tool):
    assert status_of(tool)['NoNewPrivs'] == '1'


@pytest.mark.parametrize('opts', [[], ['--uid', '0', '--gid', '0']],
                         ids=['caller-ids', 'uid0'])
def test_all_capabilities_dropped(tool, opts):
    if tool is BW and IS_ROOT:
        pytest.skip('bwrap personality: root keeps its capabilities (tested below)')
    if tool is BW and opts:
        opts = ['--unshare-user'] + opts
    caps = cap_fields(status_of(tool, opts))
    assert caps == {'CapInh': 0, 'CapPrm': 0, 'CapEff': 0, 'CapBnd': 0, 'CapAmb': 0}


@pytest.mark.skipif(not IS_ROOT, reason='needs root')
def test_root_sandbox_personality_drops_everything():
    caps = cap_fields(status_of(SB))
    assert caps == {'CapInh': 0, 'CapPrm': 0, 'CapEff': 0, 'CapBnd': 0, 'CapAmb': 0}


@pytest.mark.skipif(not IS_ROOT, reason='needs root')
@pytest.mark.parametrize('opts', [[], ['--unshare-user'], ['--unshare-all']],
                         ids=['default', 'unshare-user', 'unshare-all'])
def test_root_bwrap_personality_keeps_capabilities(opts):
    # rpm-ostree and friends rely on it.
    caps = cap_fields(status_of(BW, opts))
    host = host_caps()
    assert caps['CapEff'] == host['CapBnd']
    assert caps['CapPrm'] == host['CapBnd']
    assert caps['CapBnd'] == host['CapBnd']
    assert status_of(BW, opts)['NoNewPrivs'] == '1'


@pytest.mark.skipif(not IS_ROOT, reason='needs root')
def test_root_bwrap_cap_drop_all():
    caps = cap_fields(status_of(BW, ['--cap-drop', 'ALL']))
    assert caps['CapEff'] == 0 and caps['CapPrm'] == 0 and caps['CapAmb'] == 0


def test_cap_add_gives_exactly_that_capability(tool):
    opts = ['--cap-add', 'CAP_NET_ADMIN']
    if tool is BW and IS_ROOT:
        opts = ['--cap-drop', 'ALL'] + opts
    caps = cap_fields(status_of(tool, opts))
    bit = 1 << CAP_NET_ADMIN
    assert caps['CapEff'] == bit
    assert caps['CapPrm'] == bit
    if not (tool is BW and IS_ROOT):
        assert caps['CapBnd'] == bit
    if not IS_ROOT:
        # A non-zero uid keeps a capability across exec only as ambient.
        assert caps['CapAmb'] == bit


def test_cap_add_then_cap_drop_in_order(tool):
    opts = ['--cap-add', 'CAP_NET_ADMIN', '--cap-add', 'CAP_SYS_ADMIN',
            '--cap-drop', 'CAP_NET_ADMIN']
    if tool is BW and IS_ROOT:
        opts = ['--cap-drop', 'ALL'] + opts
    caps = cap_fields(status_of(tool, opts))
    assert caps['CapEff'] == 1 << CAP_SYS_ADMIN


def test_cap_names_are_case_insensitive(tool):
    # bwrap (libcap's cap_from_name) accepts "cap_net_admin" too.
    opts = ['--cap-add', 'cap_net_admin']
    if tool is BW and IS_ROOT:
        opts = ['--cap-drop', 'ALL'] + opts
    r = tool.sh(STATUS, opts)
    if r.returncode != 0 and 'unknown cap' in r.stderr.lower():
        pytest.fail('lower-case capability name refused: ' + r.stderr)
    caps = cap_fields(proc_status(ok(r)))
    assert caps['CapEff'] == 1 << CAP_NET_ADMIN


def _root(tool, dev):
    """The minimal root, with --dev (a nested user namespace for a plain
    user, to mount devpts) or without."""
    return tool.usr if dev else tool.usr_nodev


DEV_IDS = {True: 'dev', False: 'nodev'}


@pytest.mark.skipif(not which_in_usr('ip'), reason='ip (iproute2) is missing')
@pytest.mark.parametrize('dev', [False, True], ids=DEV_IDS.get)
def test_cap_add_is_effective(tool, dev):
    # In a new network namespace, changing lo's MTU needs CAP_NET_ADMIN
    # there: refused without it, allowed with --cap-add, also when --dev
    # nests a second user namespace (which then owns the network one).
    ip = which_in_usr('ip')
    base = ['--unshare-net']
    if tool is BW and IS_ROOT:
        base += ['--cap-drop', 'ALL']
    script = '%s link set lo mtu 1300 && echo changed' % ip
    r = tool.sh(script, base, root=_root(tool, dev))
    assert r.returncode != 0 and 'changed' not in r.stdout
    assert r.stderr == 'RTNETLINK answers: Operation not permitted\n', r.stderr
    r = tool.sh(script, base + ['--cap-add', 'CAP_NET_ADMIN'], root=_root(tool, dev))
    assert ok(r) == 'changed\n'


BIND_80 = """python3 -c '
import errno, socket
s = socket.socket()
try:
    s.bind(("127.0.0.1", 80))
    print("bound")
except OSError as e:
    print(errno.errorcode[e.errno])
'"""


SETHOSTNAME = """python3 -c '
import errno, socket
try:
    socket.sethostname("renamed")
    print(socket.gethostname())
except OSError as e:
    print(errno.errorcode[e.errno])
'"""


def _without_and_with(tool, dev, script, unshare, cap):
    """SCRIPT's output in a sandbox with UNSHARE, without then with
    --cap-add CAP."""
    base = [unshare]
    if tool is BW and IS_ROOT:
        base += ['--cap-drop', 'ALL']
    return [ok(tool.sh(script, base + extra, root=_root(tool, dev)))
            for extra in ([], ['--cap-add', cap])]


@pytest.mark.parametrize('dev', [False, True], ids=DEV_IDS.get)
def test_cap_net_bind_service_binds_port_80(tool, dev):
    # The loopback of the sandbox's own network namespace.
    assert _without_and_with(tool, dev, BIND_80, '--unshare-net',
                             'CAP_NET_BIND_SERVICE') == ['EACCES\n', 'bound\n']


@pytest.mark.parametrize('dev', [False, True], ids=DEV_IDS.get)
def test_cap_sys_admin_sets_the_hostname(tool, dev):
    assert _without_and_with(tool, dev, SETHOSTNAME, '--unshare-uts',
                             'CAP_SYS_ADMIN') == ['EPERM\n', 'renamed\n']


def test_reports_name_the_namespaces_the_command_is_in(tool):
    # With --dev the network, uts and ipc namespaces are made after clone,
    # in the nested user namespace: --info-fd must name those.
    read_fd, write_fd = os.pipe()
    try:
        r = tool.sh('for n in net uts ipc; do readlink /proc/self/ns/$n; done',
                    ['--unshare-net', '--unshare-uts', '--unshare-ipc', '--info-fd', str(write_fd)],
                    pass_fds=(write_fd,))
        os.close(write_fd)
        write_fd = -1
        with os.fdopen(read_fd) as f:
            read_fd = -1
            info = json.load(f)
    finally:
        for fd in (read_fd, write_fd):
            if fd >= 0:
                os.close(fd)
    inside = ok(r).split()
    assert inside == ['%s:[%d]' % (n, info['%s-namespace' % n]) for n in ('net', 'uts', 'ipc')]
