"""Typing into the caller's terminal (bubblewrap CVE-2017-5226, Flatpak
CVE-2019-10063): TIOCSTI and TIOCLINUX from inside a sandbox whose stdin is
a real pty, the controlling terminal of the tool's session.

The attack succeeds if the injected bytes end up in the terminal's input
queue, where the caller's shell would read and run them: the test reads that
queue after the attempts.
"""

import fcntl
import json
import os
import select
import subprocess
import termios
import tty

import pytest

import sbtest
from attacklib import PRELUDE, PYTHON, syscall_table, unpriv_userns_opts

TIOCSTI = 0x5412
TIOCLINUX = 0x541C
PAYLOAD = b'echo PWNED\n'

# Each byte of PAYLOAD through TIOCSTI, the 64-bit variant of the request
# (upper bits set, which the kernel ignores), and TIOCLINUX paste-selection.
ATTACK = r'''
ch = ctypes.c_char()
for label, request in (('tiocsti', %(sti)d), ('tiocsti_high_bits', %(sti)d | (0xdead << 32))):
    for byte in %(payload)r:
        ch.value = bytes([byte])
        r, e = call('ioctl', 0, request, ctypes.byref(ch))
        result.setdefault(label, e or 'ok')
sub = ctypes.c_char(b'\x03')
r, e = call('ioctl', 0, %(linux)d, ctypes.byref(sub))
result['tioclinux'] = e or 'ok'
done()
os.read(int(sys.argv[2]), 1)
''' % {'sti': TIOCSTI, 'linux': TIOCLINUX, 'payload': PAYLOAD}


def attack_on_pty(prog, opts):
    """Runs ATTACK in a sandbox on a fresh pty; returns (results, bytes found
    in the pty's input queue while the sandbox was still alive)."""
    master, slave = os.openpty()
    hold_r, hold_w = os.pipe()
    tty.setraw(slave)

    def controlling_tty():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    args = [prog] + sbtest.usr_for(prog) + list(opts) + [
        PYTHON, '-c', PRELUDE + ATTACK, json.dumps(syscall_table()), str(hold_r)]
    proc = subprocess.Popen(args, stdin=slave, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, pass_fds=(hold_r,),
                            preexec_fn=controlling_tty)
    os.close(hold_r)
    try:
        # Unbuffered, so that select() sees all that is pending.
        out_fd = proc.stdout.fileno()
        received = b''
        while b'}\n' not in received:
            # Never wait forever on a sandbox that hangs.
            if not select.select([out_fd], [], [], 60)[0]:
                break
            chunk = os.read(out_fd, 4096)
            if not chunk:
                break
            received += chunk
        line = ([x for x in received.splitlines() if x.startswith(b'{')] or [b''])[-1]
        injected = b''
        while select.select([slave], [], [], 0.3)[0]:
            chunk = os.read(slave, 4096)
            if not chunk:
                break
            injected += chunk
    finally:
        os.close(hold_w)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        os.close(slave)
        os.close(master)
    assert line.startswith(b'{'), 'no result: exit %s, stderr: %s' % (
        proc.returncode, err.decode(errors='replace'))
    assert proc.returncode == 0, err
    return json.loads(line), injected


def test_tiocsti_and_tioclinux_refused_by_default_policy():
    results, injected = attack_on_pty(sbtest.SANDBOX, [])
    assert results == {'tiocsti': 'EPERM', 'tiocsti_high_bits': 'EPERM',
                       'tioclinux': 'EPERM'}
    assert injected == b''


def test_tiocsti_refused_with_new_session_also():
    results, injected = attack_on_pty(sbtest.SANDBOX, ['--new-session'])
    assert results['tiocsti'] == 'EPERM'
    assert results['tiocsti_high_bits'] == 'EPERM'
    assert injected == b''


def test_tiocsti_bwrap_personality_new_session():
    # bwrap loads no filter: --new-session is its defence (the terminal is
    # no longer the sandbox's controlling terminal, and the sandbox holds no
    # CAP_SYS_ADMIN in the host's user namespace).
    results, injected = attack_on_pty(
        sbtest.BWRAP, ['--new-session'] + unpriv_userns_opts(sbtest.BW))
    assert results['tiocsti'] in ('EPERM', 'EIO')
    assert results['tiocsti_high_bits'] in ('EPERM', 'EIO')
    assert injected == b''


def legacy_tiocsti_enabled():
    try:
        with open('/proc/sys/dev/tty/legacy_tiocsti') as f:
            return f.read().strip() != '0'
    except OSError:
        return True


def test_control_injection_is_detected_without_protection():
    # Proves the harness: with no filter and no new session, the same
    # attack reaches the queue (the kernel allows TIOCSTI on one's
    # controlling terminal), so the empty queues above mean something.
    if not legacy_tiocsti_enabled():
        pytest.skip('dev.tty.legacy_tiocsti = 0: the kernel refuses TIOCSTI itself')
    results, injected = attack_on_pty(sbtest.SANDBOX, ['--seccomp-profile', 'none'])
    assert results['tiocsti'] == 'ok'
    assert PAYLOAD in injected
