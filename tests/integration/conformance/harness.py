"""Side-by-side runner for the conformance tests (test_conformance.py).

The same command line is run through two programs (Debian's /usr/bin/bwrap,
the reference, and our `bwrap` symlink); each run's observations are
normalised, then compared section by section.

Every normalisation lives in this file, and each one is listed here with the
reason why the raw values legitimately differ between two correct runs:

 N1 mountinfo: mount ids and parent ids are allocated by the kernel per run.
    They are replaced by the position of the mount in the listing ("#3"); a
    parent outside the listing becomes "outside".  The tree shape is kept.
 N2 mountinfo: "major:minor".  Numbers of devices that the caller can see
    outside (host filesystems, the host's devtmpfs, procfs...) are kept as
    they are.  Anonymous devices created for the sandbox (its tmpfs, procfs,
    devpts, mqueue) get a fresh number per run: they become "new1", "new2"...
    in order of first appearance, so "same superblock as" stays visible.
 N3 mountinfo: the root field of the sandbox's scratch tmpfs (the filesystem
    mounted at "/", when it is new) names an internal directory ("/newroot"
    in bwrap): it becomes "<scratch>".  Deleted files of a new tmpfs bound
    somewhere (--bind-data) have random names ("/bindfileXXXXXX//deleted"):
    their root becomes "<temp-file>//deleted" (the device label, N2, still
    tells which tmpfs they live on).
 N4 mountinfo: propagation tags keep their kind but lose their peer-group
    numbers ("shared:12" -> "shared", "master:3" -> "master").
 N5 mountinfo: "size=" and "nr_inodes=" of a new tmpfs are dropped unless
    the case gave --size for that mount point (then they are compared).  A
    note is added to the report when this hides a difference.
 N6 pids: outside a new pid namespace pids are the host's and change per
    run; they are reduced to relations (pid == sid, pid == pgrp).  Inside a
    new pid namespace they are kept (they are deterministic: 1, 2...).
 N7 namespaces: the inode numbers of /proc/self/ns/* become "host" (the
    same as the test process's) or "new".
 N8 /proc/self/status: only Cap*, NoNewPrivs, Seccomp, Seccomp_filters,
    SigBlk, SigIgn, Umask, Groups are compared (the rest are memory and
    scheduler counters or pids, see N6).
 N9 status JSON (--info-fd, --json-status-fd): values become their JSON type;
    "*-namespace" values become "== sandbox" / "!= sandbox" by comparison
    with the inode seen by the command inside; "child-pid" becomes "command"
    / "parent of command" / "other" when the command's host pid is known.
    Our extra key "command-pid" is removed before comparing (bwrap issue
    #553; readers ignore unknown keys); it is checked on its own instead
    (it must be the command's pid).  Layout (one line or several) is
    compared; key order is reported as a note only.
 N10 stderr: the usage text printed for a missing command differs between
    bwrap releases (0.11.1 has more options than Debian's 0.8.0) and names
    argv[0]: a stderr starting with "usage:" becomes "<usage>".
 N11 fds: the probe lists its open fds with type and access mode, not inode
    numbers (which change per run).
 N12 mountinfo: mounts that the command cannot look up (the probe's lstat of
    the mount point fails with EACCES: container storage under the 0700
    /var/lib/containers, another user's FUSE or /run/user mounts, seen by a
    plain user) are compared in a section of their own, "mountinfo:
    unreachable mounts", under D1's rule: bwrap cannot remount what it
    cannot reach (it skips those on EACCES) and leaves them as they were.
Nothing else is normalised: environment, cwd, ids, maps, capabilities,
hostname, files, mount points, fs types, options and order are compared as
they are.

One deliberate difference is accepted by the comparison itself, because it
shows in every case that stacks mounts inside a recursive bind:
 D1 covered and unreachable mounts: a mount hidden under another one on the
    same point (e.g. the host's two mounts on /dev/shm under `--ro-bind /
    /`), a mount beneath such a hidden one (the host's /mnt/a when a case
    binds something on /mnt), or one the command cannot look up (N12), gets
    the bind's flags in ours (mount_setattr with AT_RECURSIVE reaches it),
    while bwrap leaves it as it was.  Nothing inside can reach such a mount,
    and if the host unmounts the top copy the lower one stays read-only.  So
    in "mountinfo: covered mounts" and "mountinfo: unreachable mounts" a line
    of ours may differ from bwrap's only by its per-mount options: ours =
    bwrap's with rw replaced by ro, plus nosuid and nodev.  Any other
    difference is reported.
Every other deliberate difference is a per-case expectation in
test_conformance.py (Deliberate), which asserts our output exactly.

The host's own mounts may change while a case runs (a container starts, a
user logs in): a mount that came or went between the two runs would be a
difference that neither program made.  run_both() runs the pair again while
the caller's mount table changed during it (see HostMountWatch).
"""

import difflib
import fcntl
import json
import os
import re
import select
import signal
import tempfile
import threading
import time

PROBE_SOURCE = open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 'probe.py')).read()
PYTHON = '/usr/bin/python3'


def probe_cmd(files=(), writable=(), nest=False):
    cfg = {'files': list(files), 'writable': list(writable), 'nest': nest}
    return [PYTHON, '-I', '-S', '-c', PROBE_SOURCE, json.dumps(cfg)]


# ---------------------------------------------------------------------------
# File descriptors handed to the tool.

class FdSpec:
    """What to put at a given fd number in the tool's process."""

    def open(self):
        """Returns (fd for the child, state kept by the parent)."""
        raise NotImplementedError

    def collect(self, state):
        return None


class Data(FdSpec):
    """A readable fd holding DATA: a pipe (closed for writing), a regular
    file or a memfd."""

    def __init__(self, data, via='pipe'):
        self.data = data
        self.via = via

    def open(self):
        if self.via == 'pipe':
            r, w = os.pipe()
            os.write(w, self.data)   # small: fits in the pipe buffer
            os.close(w)
            return r, None
        if self.via == 'memfd':
            fd = os.memfd_create('conformance', os.MFD_CLOEXEC)
        else:
            with tempfile.TemporaryFile() as f:
                fd = os.dup(f.fileno())
        os.write(fd, self.data)
        os.lseek(fd, 0, os.SEEK_SET)
        return fd, None


class PathFd(FdSpec):
    """An fd on PATH opened with FLAGS (default O_PATH)."""

    def __init__(self, path, flags=None):
        self.path = path
        self.flags = os.O_PATH if flags is None else flags

    def open(self):
        return os.open(self.path, self.flags | os.O_CLOEXEC), None


class Collect(FdSpec):
    """The write end of a pipe; the parent reads everything written."""

    def open(self):
        r, w = os.pipe()
        return w, r

    def collect(self, state):
        return drain(state)


class Hold(FdSpec):
    """The write end of a pipe whose read end the parent keeps, to see when
    every process holding it has gone (--sync-fd)."""

    def open(self):
        r, w = os.pipe()
        return w, r

    def collect(self, state):
        return drain(state)


class BlockPipe(FdSpec):
    """The read end of a pipe; the parent writes PRELOAD into it first and
    keeps the write end (scenarios write more later)."""

    def __init__(self, preload=b''):
        self.preload = preload

    def open(self):
        r, w = os.pipe()
        if self.preload:
            os.write(w, self.preload)
        return r, w


def drain(fd, timeout=5.0):
    """Reads FD to EOF (or TIMEOUT seconds), closes it, returns the bytes;
    None if EOF did not come in time."""
    os.set_blocking(fd, False)
    chunks = []
    deadline = time.monotonic() + timeout
    import select
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            data = os.read(fd, 65536)
            if not data:
                return b''.join(chunks)
            chunks.append(data)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------
# Running a process with exact fd numbers, cwd and environment.

class Proc:
    """A spawned process: fork + exec with the given fds at given numbers,
    in its own process group; stdout and stderr read by threads."""

    def __init__(self, argv, env, cwd='/', fds=None, stdin=None,
                 keep_stdin=False):
        fds = fds or {}
        self.argv = argv
        opened = {}     # target -> (child fd, parent state, spec)
        try:
            for target, spec in fds.items():
                child_fd, state = spec.open()
                opened[target] = (child_fd, state, spec)
            in_r, in_w = os.pipe()
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            self.pid = os.fork()
            if self.pid == 0:
                self._child(argv, env, cwd, opened, in_r, out_w, err_w)
        finally:
            for child_fd, _, _ in opened.values():
                if child_fd is not None:
                    os.close(child_fd)
        os.close(in_r)
        os.close(out_w)
        os.close(err_w)
        self.specs = {t: (state, spec) for t, (_, state, spec) in opened.items()}
        self.stdin = in_w
        if stdin:
            os.write(in_w, stdin)
        if not keep_stdin:
            os.close(in_w)
            self.stdin = None
        self.out = []
        self.err = []
        # Notified at each chunk of output and at the end of stdout.
        self.output = threading.Condition()
        self.out_ended = False
        self.readers = [threading.Thread(target=self._read, args=(out_r, self.out)),
                        threading.Thread(target=self._read, args=(err_r, self.err))]
        for t in self.readers:
            t.daemon = True
            t.start()
        self.status = None
        self.leftover = False

    @staticmethod
    def _child(argv, env, cwd, opened, in_r, out_w, err_w):
        try:
            os.setpgid(0, 0)
            for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            # Move everything above the targets first so that no dup2
            # clobbers a source still needed.
            high = {t: fcntl.fcntl(c, fcntl.F_DUPFD_CLOEXEC, 500)
                    for t, (c, _, _) in opened.items()}
            std = [fcntl.fcntl(x, fcntl.F_DUPFD_CLOEXEC, 500)
                   for x in (in_r, out_w, err_w)]
            for target, fd in enumerate(std):
                os.dup2(fd, target)
            for target, fd in high.items():
                os.dup2(fd, target)
            keep = {0, 1, 2} | set(high)
            for name in os.listdir('/proc/self/fd'):
                fd = int(name)
                if fd not in keep:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        except BaseException as e:  # noqa: BLE001 - report and die
            try:
                os.write(2, ('harness: exec %r failed: %r\n' % (argv[0], e)).encode())
            finally:
                os._exit(127)

    def _read(self, fd, sink):
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            with self.output:
                sink.append(data)
                self.output.notify_all()
        os.close(fd)
        with self.output:
            if sink is self.out:
                self.out_ended = True
            self.output.notify_all()

    def wait_output(self, needle, timeout=15.0):
        """True once NEEDLE is in stdout; False when stdout ended without it
        or TIMEOUT seconds passed."""
        with self.output:
            self.output.wait_for(lambda: needle in b''.join(self.out) or self.out_ended,
                                 timeout)
            return needle in b''.join(self.out)

    def poll(self):
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def wait(self, timeout=60.0):
        """Exit code (negative: killed by that signal); 'timeout' after
        killing the whole process group when TIMEOUT passes."""
        if self.poll() is None:
            pidfd = os.pidfd_open(self.pid)
            try:
                exited, _, _ = select.select([pidfd], [], [], timeout)
            finally:
                os.close(pidfd)
            if exited:
                self.poll()
            else:
                self.kill_group()
                os.waitpid(self.pid, 0)
                self.status = 'timeout'
        return self.status

    def kill_group(self, sig=signal.SIGKILL):
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def finish(self, timeout=3.0):
        """Waits for the output readers; returns (stdout bytes, stderr text).
        Sets self.leftover when some process still held stdout or stderr
        TIMEOUT seconds after the tool exited (it is then killed)."""
        deadline = time.monotonic() + timeout
        for t in self.readers:
            t.join(max(0.0, deadline - time.monotonic()))
        self.leftover = any(t.is_alive() for t in self.readers)
        if self.leftover:
            self.kill_group()
            for t in self.readers:
                t.join(timeout)
        return b''.join(self.out), b''.join(self.err).decode('utf-8', 'replace')

    def collect_fds(self):
        return {t: spec.collect(state) for t, (state, spec) in self.specs.items()
                if isinstance(spec, (Collect, Hold))}

    def close_kept(self):
        for state, spec in self.specs.values():
            if isinstance(spec, BlockPipe) and state is not None:
                try:
                    os.close(state)
                except OSError:
                    pass
        if self.stdin is not None:
            os.close(self.stdin)
            self.stdin = None


def run_once(prog, args, cmd, env, cwd='/', fds=None, stdin=None, timeout=20.0):
    """Runs PROG ARGS CMD; returns a dict of raw observations.  'leftover'
    tells whether processes outlived the tool while holding its stdout or
    stderr (they are killed)."""
    proc = Proc([prog] + list(args) + list(cmd), env, cwd, fds, stdin)
    status = proc.wait(timeout)
    out, err = proc.finish()
    collected = proc.collect_fds()
    proc.close_kept()
    return {'exit': status, 'stdout': out, 'stderr': err, 'fds': collected,
            'leftover': proc.leftover}


# ---------------------------------------------------------------------------
# What the caller's own process sees (the "host" for the normalisations).

def _own_ns():
    found = {}
    for name in os.listdir('/proc/self/ns'):
        try:
            found[name] = os.readlink('/proc/self/ns/' + name)
        except OSError:
            pass
    return found


def _own_devices():
    devs = set()
    with open('/proc/self/mountinfo') as f:
        for line in f:
            devs.add(line.split()[2])
    return devs


HOST_NS = _own_ns()
HOST_DEVICES = _own_devices()


class HostMountWatch:
    """Tells whether the caller's mount table changed while the watch was
    open: an open /proc/self/mountinfo polls POLLPRI after any mount or
    unmount in the caller's mount namespace (proc(5))."""

    def __enter__(self):
        self.fd = os.open('/proc/self/mountinfo', os.O_RDONLY | os.O_CLOEXEC)
        self.poller = select.poll()
        self.poller.register(self.fd, select.POLLPRI)
        return self

    def changed(self):
        return bool(self.poller.poll(0))

    def __exit__(self, *exc):
        os.close(self.fd)


def run_both(run, reference, ours, attempts=3):
    """(run(reference), run(ours), note), the pair run again, up to
    ATTEMPTS times, while the caller's mount table changed during it.  NOTE
    is None, or says that the table never held still (the results of the
    last attempt are returned: a difference then may be the host's)."""
    global HOST_DEVICES
    for _ in range(attempts):
        with HostMountWatch() as watch:
            HOST_DEVICES = _own_devices()
            ref = run(reference)
            got = run(ours)
            if not watch.changed():
                return ref, got, None
    return ref, got, ('the host mount table changed during each of %d attempts'
                      % attempts)


# ---------------------------------------------------------------------------
# Normalisation.

def parse_mountinfo(text):
    mounts = []
    for line in text.splitlines():
        left, _, right = line.partition(' - ')
        f = left.split()
        r = right.split()
        mounts.append({
            'id': f[0], 'parent': f[1], 'dev': f[2], 'root': f[3],
            'point': f[4], 'opts': f[5], 'optional': f[6:],
            'fstype': r[0] if r else '', 'source': r[1] if len(r) > 1 else '',
            'super': r[2] if len(r) > 2 else '',
        })
    return mounts


_SIZE_OPT = re.compile(r'^(size|nr_inodes)=')


def covered_mounts(mounts):
    """The ids of the mounts that no path reaches: those under another
    mount on the same point, and those beneath them (a mount on /mnt/a whose
    parent, on /mnt, is covered by a bind on /mnt)."""
    by_id = {m['id']: m for m in mounts}
    on_top = {m['parent'] for m in mounts
              if m['parent'] in by_id and by_id[m['parent']]['point'] == m['point']}
    covered = set()
    for m in mounts:
        mount = m
        for _ in mounts:    # at most as many steps as mounts: no loop
            parent = by_id.get(mount['parent'])
            if parent is None:
                break
            if parent['id'] in on_top and parent['point'] != mount['point']:
                covered.add(m['id'])
                break
            mount = parent
    return covered | on_top


def normalise_mountinfo(text, sized_points, notes, unreachable=()):
    """Applies N1-N5 and N12; returns (visible, covered, unreachable):
    lists of strings, one per mount, the second for covered mounts (see
    covered_mounts), the third for those whose point (as mountinfo spells
    it) is in UNREACHABLE (compared separately so that the kinds of
    difference are reported apart; nothing can reach a covered or
    unreachable mount from inside)."""
    if text.startswith('E:'):
        return [text], [], []
    mounts = parse_mountinfo(text)
    covered = covered_mounts(mounts)
    index = {m['id']: i for i, m in enumerate(mounts)}
    labels = {}
    scratch = None
    for m in mounts:
        if m['point'] == '/' and m['fstype'] == 'tmpfs' \
                and m['dev'] not in HOST_DEVICES:
            scratch = m['dev']
    out = []
    hidden = []
    out_of_reach = []
    for i, m in enumerate(mounts):
        dev = m['dev']
        if dev not in HOST_DEVICES:
            if dev not in labels:
                labels[dev] = 'new%d' % (len(labels) + 1)
            dev = labels[dev]
        root = m['root']
        if m['dev'] == scratch and m['point'] == '/':
            root = '<scratch>'
        elif m['fstype'] == 'tmpfs' and m['dev'] not in HOST_DEVICES \
                and root.endswith('//deleted'):
            root = '<temp-file>//deleted'
        optional = [o.split(':')[0] for o in m['optional']]
        sup = m['super'].split(',')
        if m['fstype'] == 'tmpfs' and m['dev'] not in HOST_DEVICES \
                and m['point'] not in sized_points:
            dropped = [o for o in sup if _SIZE_OPT.match(o)]
            if dropped:
                notes.append('N5 dropped %s from %s' % (','.join(dropped), m['point']))
            sup = [o for o in sup if not _SIZE_OPT.match(o)]
        parent = m['parent']
        parent = '#%d' % index[parent] if parent in index else 'outside'
        line = '#%d parent=%s %s %s %s %s [%s] %s %s %s' % (
            i, parent, dev, root, m['point'], m['opts'], ' '.join(optional),
            m['fstype'], m['source'], ','.join(sup))
        if m['id'] in covered:
            hidden.append(line)
        elif m['point'] in unreachable:
            out_of_reach.append(line)
        else:
            out.append(line)
    return out, hidden, out_of_reach


_STATUS_KEYS = ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs',
                'Seccomp', 'Seccomp_filters', 'SigBlk', 'SigIgn', 'Umask',
                'Groups')


def status_fields(text):
    fields = {}
    if text.startswith('E:'):
        return fields
    for line in text.splitlines():
        key, sep, value = line.partition(':')
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def normalise_ns(ns):
    """N7."""
    out = {}
    for name, link in sorted(ns.items()):
        if link.startswith('E:'):
            out[name] = link
        elif name not in HOST_NS:
            out[name] = 'unknown-to-host'
        else:
            out[name] = 'host' if HOST_NS[name] == link else 'new'
    return out


def command_host_pids(probe):
    """(pid, ppid) of the command in the caller's pid namespace, or None
    when the probe's /proc cannot tell (a procfs of the sandbox's own)."""
    st = status_fields(probe.get('status', ''))
    nspid = st.get('NSpid', '').split()
    if not nspid:
        return None
    new_pidns = normalise_ns(probe.get('ns', {})).get('pid') == 'new'
    if len(nspid) >= 2 or not new_pidns:
        # The first value is in the procfs's namespace.  It is the caller's
        # when it differs from the sandbox's own view (getpid()).
        if len(nspid) >= 2 or int(nspid[0]) == probe.get('pid'):
            try:
                return int(nspid[0]), int(st.get('PPid', '-1'))
            except ValueError:
                return None
    return None


def normalise_pids(probe):
    """N6."""
    ns = normalise_ns(probe.get('ns', {}))
    pid, ppid, pgrp, sid = (probe.get(k) for k in ('pid', 'ppid', 'pgrp', 'sid'))
    out = {'sid==pid': sid == pid, 'pgrp==pid': pgrp == pid}
    if ns.get('pid') == 'new':
        out.update({'pid': pid, 'ppid': ppid, 'pgrp': pgrp, 'sid': sid})
    elif ns.get('pid', '').startswith('E:'):
        # No /proc inside: judge by the values (a new pid namespace starts at 1).
        out['pid'] = pid if pid < 50 else 'large'
        out['ppid'] = ppid if ppid < 50 else 'large'
    else:
        out['pid'] = 'host'
    return out


def normalise_json_doc(doc, probe, notes, label):
    """N9 for one parsed JSON object."""
    if not isinstance(doc, dict):
        return 'not an object: %r' % (doc,)
    host = command_host_pids(probe) if probe else None
    ns = probe.get('ns', {}) if probe else {}
    out = {}
    for key, value in doc.items():
        if key == 'command-pid':
            continue
        kind = type(value).__name__
        if key.endswith('-namespace') and isinstance(value, int):
            inside = ns.get(key[:-len('-namespace')], '')
            m = re.search(r'\[(\d+)\]', inside)
            kind += ' == sandbox' if m and int(m.group(1)) == value else ' != sandbox'
        elif key == 'child-pid' and isinstance(value, int) and host:
            if value == host[0]:
                kind += ' command'
            elif value == host[1]:
                kind += ' parent of command'
            else:
                kind += ' other'
        elif key == 'exit-code':
            kind += ' %r' % value
        out[key] = kind
    order = [k for k in doc if k != 'command-pid']
    notes.append('%s key order: %s' % (label, ' '.join(order)))
    return out


def check_command_pid(doc, probe):
    """Our extra key must name the command itself (N9).  Returns a problem
    string or None."""
    if not isinstance(doc, dict) or 'command-pid' not in doc:
        return None
    value = doc['command-pid']
    if not isinstance(value, int):
        return 'command-pid is not an integer: %r' % (value,)
    host = command_host_pids(probe) if probe else None
    if host and value != host[0]:
        return 'command-pid %d is not the command (host pid %d)' % (value, host[0])
    return None


def normalise_info(raw, probe, notes, problems):
    if raw is None:
        return 'no EOF'
    if not raw:
        return 'empty'
    text = raw.decode('utf-8', 'replace')
    try:
        doc = json.loads(text)
    except ValueError as e:
        return 'invalid JSON (%s): %r' % (e, text)
    p = check_command_pid(doc, probe)
    if p:
        problems.append('info-fd: ' + p)
    return {'layout': 'multi-line' if text.strip().count('\n') else 'one line',
            'trailing newline': text.endswith('\n'),
            'keys': normalise_json_doc(doc, probe, notes, 'info-fd')}


def normalise_json_status(raw, probe, notes, problems):
    if raw is None:
        return 'no EOF'
    text = raw.decode('utf-8', 'replace')
    lines = []
    for n, line in enumerate(text.split('\n')):
        if not line and n == len(text.split('\n')) - 1:
            lines.append('<end: newline-terminated>' if text else '<empty>')
            continue
        try:
            doc = json.loads(line)
        except ValueError as e:
            lines.append('invalid JSON line (%s): %r' % (e, line))
            continue
        p = check_command_pid(doc, probe)
        if p:
            problems.append('json-status-fd line %d: %s' % (n + 1, p))
        lines.append(normalise_json_doc(doc, probe, notes, 'json-status line %d' % (n + 1)))
    if text and not text.endswith('\n'):
        lines.append('<end: no final newline>')
    return lines


def normalise_fd_listing(fds):
    """N11: already types only; kept as sorted 'N: type mode' strings."""
    if isinstance(fds, str):
        return fds
    return ['%s: %s' % (k, fds[k]) for k in sorted(fds, key=int)]


def normalise_stderr(text):
    """N10."""
    if text.startswith('usage:'):
        return '<usage>'
    return text


def normalise(raw, case, notes, problems):
    """All observations of one run, normalised, as {section: value}."""
    out = {'exit': raw['exit'], 'stderr': normalise_stderr(raw['stderr'])}
    probe = None
    if case.is_probe:
        try:
            probe = json.loads(raw['stdout'].decode('utf-8', 'replace'))
        except ValueError:
            probe = None
        if probe is None:
            out['stdout'] = raw['stdout'].decode('utf-8', 'replace')
    else:
        out['stdout'] = raw['stdout'].decode('utf-8', 'replace')
    for target, value in sorted(raw['fds'].items()):
        kind = case.fd_role(target)
        if kind == 'info':
            out['info-fd %d' % target] = normalise_info(value, probe, notes, problems)
        elif kind == 'json-status':
            out['json-status-fd %d' % target] = normalise_json_status(
                value, probe, notes, problems)
        else:
            out['fd %d (%s) after exit' % (target, kind)] = (
                'EOF' if value is not None else 'still open')
    if probe is None:
        return out
    st = status_fields(probe['status'])
    out['env'] = probe['env']
    out['cwd'] = probe['cwd']
    out['ids'] = {'resuid': probe['resuid'], 'resgid': probe['resgid'],
                  'groups': probe['groups'], 'umask': probe['umask']}
    out['uid_map'] = [' '.join(l.split()) for l in probe['uid_map'].splitlines()]
    out['gid_map'] = [' '.join(l.split()) for l in probe['gid_map'].splitlines()]
    out['setgroups'] = probe['setgroups'].strip()
    out['status'] = ({k: st.get(k, '<absent>') for k in _STATUS_KEYS}
                     if st else probe['status'])
    out['pids'] = normalise_pids(probe)
    out['ns'] = normalise_ns(probe['ns'])
    out['hostname'] = probe['hostname']
    out['domainname'] = probe['domainname']
    out['cgroup'] = probe['cgroup']
    out['net'] = probe['net']
    (out['mountinfo'], out['mountinfo: covered mounts'],
     out['mountinfo: unreachable mounts']) = normalise_mountinfo(
        probe['mountinfo'], case.sized_points(), notes, set(probe.get('unreachable', ())))
    out['open fds'] = normalise_fd_listing(probe['fds'])
    out['files'] = probe['files']
    out['writable'] = probe['writable']
    if 'nest' in probe:
        out['nested userns'] = probe['nest']
    return out


# ---------------------------------------------------------------------------
# Comparison and reporting.

def _lines(value):
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    if isinstance(value, str):
        return value.splitlines() or ['']
    return json.dumps(value, indent=1, sort_keys=True).splitlines()


PROBE_SECTIONS = {'env', 'cwd', 'ids', 'uid_map', 'gid_map', 'setgroups', 'status',
                  'pids', 'ns', 'hostname', 'domainname', 'cgroup', 'net', 'mountinfo',
                  'mountinfo: covered mounts', 'mountinfo: unreachable mounts', 'open fds',
                  'files', 'writable', 'nested userns'}


def _stricter_line(ref_line, our_line):
    """D1: OUR_LINE is REF_LINE with its per-mount options made
    ro,nosuid,nodev (field 5 of the normalised line), nothing else."""
    a = ref_line.split(' ')
    b = our_line.split(' ')
    if len(a) != len(b) or a[:5] != b[:5] or a[6:] != b[6:]:
        return False
    ref_opts = a[5].split(',')
    stricter = set(ref_opts) - {'rw'} | {'ro', 'nosuid', 'nodev'}
    return set(b[5].split(',')) == stricter and len(b[5].split(',')) == len(stricter)


STRICTER_SECTIONS = ('mountinfo: covered mounts', 'mountinfo: unreachable mounts')


def accept_stricter(ref_lines, our_lines):
    """D1 for a whole "covered mounts" or "unreachable mounts" section."""
    if not isinstance(ref_lines, list) or not isinstance(our_lines, list) \
            or len(ref_lines) != len(our_lines):
        return False
    return all(a == b or _stricter_line(a, b) for a, b in zip(ref_lines, our_lines))


def compare(ref, ours):
    """[(section, diff text)] for every section that differs (D1 applied).
    When the probe ran on one side only, its sections collapse into one
    difference."""
    diffs = []
    sections = set(ref) | set(ours)
    if ('env' in ref) != ('env' in ours):
        sections -= PROBE_SECTIONS
        diffs.append(('probe', 'bwrap: %s\nours: %s' % tuple(
            'the command ran (probe output)' if 'env' in r else 'no probe output'
            for r in (ref, ours))))
    for section in sorted(sections):
        a = ref.get(section, '<missing>')
        b = ours.get(section, '<missing>')
        if a == b:
            continue
        if section.endswith(STRICTER_SECTIONS) and accept_stricter(a, b):
            continue
        text = '\n'.join(difflib.unified_diff(
            _lines(a), _lines(b), 'bwrap', 'ours', lineterm='', n=2))
        diffs.append((section, text))
    return diffs


def report(case_id, argv, ref, ours, diffs, notes_ref, notes_ours, problems):
    parts = ['%s: %d difference(s) with /usr/bin/bwrap' % (case_id, len(diffs)),
             'args: %s' % ' '.join(shell_quote(a) for a in argv)]
    for section, text in diffs:
        parts.append('--- section %s:\n%s' % (section, text))
    for p in problems:
        parts.append('ours-only check: ' + p)
    extra_ref = sorted(set(notes_ref) - set(notes_ours))
    extra_ours = sorted(set(notes_ours) - set(notes_ref))
    if extra_ref or extra_ours:
        parts.append('notes (normalised away): bwrap %r, ours %r' % (extra_ref, extra_ours))
    return '\n'.join(parts)


def shell_quote(s):
    if s and re.fullmatch(r'[\w@%+=:,./-]+', s):
        return s
    if len(s) > 60:
        return "'<%d bytes>'" % len(s)
    return "'" + s.replace("'", "'\\''") + "'"
