# The probe: run inside the sandbox as `/usr/bin/python3 -I -S -c SOURCE CFG`.
#
# It reports, as one JSON object on stdout, everything the side-by-side
# comparison looks at.  It uses nothing but builtin modules and the stdlib
# under /usr, so it works in a root made of `--ro-bind /usr /usr` alone, with
# or without /proc (entries that need /proc then hold an "E:..." string).
# Raw values only: the harness (harness.py) does every normalisation, so that
# what differs between two runs is decided in one documented place.
#
# CFG is a JSON object: {"files": [paths to lstat], "writable": [paths to
# try writing], "nest": bool (try `unshare -U true` inside)}.

import errno
import fcntl
import json
import os
import re
import stat
import sys


def err(e):
    return 'E:' + errno.errorcode.get(e.errno, str(e.errno))


def read_text(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')
    except OSError as e:
        return err(e)


def describe_fd(fd):
    """Type and access mode of an open fd (no /proc needed)."""
    st = os.fstat(fd)
    mode = st.st_mode
    acc = {os.O_RDONLY: 'r', os.O_WRONLY: 'w', os.O_RDWR: 'rw'}.get(
        fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE, '?')
    if stat.S_ISFIFO(mode):
        kind = 'fifo'
    elif stat.S_ISSOCK(mode):
        kind = 'socket'
    elif stat.S_ISCHR(mode):
        kind = 'chr %d:%d' % (os.major(st.st_rdev), os.minor(st.st_rdev))
    elif stat.S_ISDIR(mode):
        kind = 'dir'
    elif stat.S_ISREG(mode):
        kind = 'reg'
    else:
        kind = 'other %o' % stat.S_IFMT(mode)
    return '%s %s' % (kind, acc)


def open_fds():
    """Every open fd of this process and what it is, found with F_GETFD so
    that the listing itself opens nothing."""
    found = {}
    for fd in range(0, 1024):
        try:
            fcntl.fcntl(fd, fcntl.F_GETFD)
        except OSError:
            continue
        try:
            found[str(fd)] = describe_fd(fd)
        except OSError as e:
            found[str(fd)] = err(e)
    return found


def file_info(path):
    try:
        st = os.lstat(path)
    except OSError as e:
        return err(e)
    mode = st.st_mode
    info = {'mode': '%o' % stat.S_IMODE(mode), 'uid': st.st_uid,
            'gid': st.st_gid}
    if stat.S_ISLNK(mode):
        info['type'] = 'symlink'
        info['target'] = os.readlink(path)
    elif stat.S_ISDIR(mode):
        info['type'] = 'dir'
        try:
            info['entries'] = sorted(os.listdir(path))
        except OSError as e:
            info['entries'] = err(e)
    elif stat.S_ISREG(mode):
        info['type'] = 'file'
        info['size'] = st.st_size
        try:
            with open(path, 'rb') as f:
                info['content'] = f.read(4096).decode('utf-8', 'replace')
        except OSError as e:
            info['content'] = err(e)
    elif stat.S_ISCHR(mode):
        info['type'] = 'chr %d:%d' % (os.major(st.st_rdev), os.minor(st.st_rdev))
    elif stat.S_ISBLK(mode):
        info['type'] = 'blk %d:%d' % (os.major(st.st_rdev), os.minor(st.st_rdev))
    elif stat.S_ISFIFO(mode):
        info['type'] = 'fifo'
    elif stat.S_ISSOCK(mode):
        info['type'] = 'socket'
    return info


def try_write(path):
    """'yes' if PATH (a directory: creating an entry in it; a file: opening it
    for appending) can be written, else the errno name.  Leaves no trace."""
    try:
        if os.path.isdir(path):
            probe = os.path.join(path, '.conformance-probe')
            os.mkdir(probe)
            os.rmdir(probe)
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC))
        return 'yes'
    except OSError as e:
        return err(e)


def unreachable_mounts(mountinfo):
    """The mount points (as mountinfo spells them) that this process cannot
    look up: lstat fails with EACCES (a directory on the way denies it search,
    or a FUSE mount refuses other users).  lstat, not stat: an automount
    point is not triggered."""
    if mountinfo.startswith('E:'):
        return []
    points = []
    for line in mountinfo.splitlines():
        point = line.split()[4]
        path = re.sub(r'\\([0-7]{3})', lambda m: chr(int(m.group(1), 8)), point)
        try:
            os.lstat(path)
        except OSError as e:
            if e.errno == errno.EACCES:
                points.append(point)
    return points


def net_info():
    import socket
    try:
        names = sorted(name for _, name in socket.if_nameindex())
    except OSError as e:
        return err(e)
    info = {'interfaces': names}
    try:
        import struct
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            req = struct.pack('16sH', b'lo', 0)
            flags = struct.unpack('16sH', fcntl.ioctl(s, 0x8913, req))[1]
            info['lo_up'] = bool(flags & 1)
        finally:
            s.close()
    except OSError as e:
        info['lo_up'] = err(e)
    return info


def nest_userns():
    """Exit status of `unshare -U true` run inside (as seen by waitpid)."""
    try:
        pid = os.posix_spawn('/usr/bin/unshare', ['unshare', '-U', 'true'],
                             os.environ)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)
    except OSError as e:
        return err(e)


def main():
    cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    r = {}
    r['fds'] = open_fds()
    r['env'] = sorted(k.decode('utf-8', 'replace') + '=' +
                      v.decode('utf-8', 'replace')
                      for k, v in os.environb.items())
    try:
        r['cwd'] = os.getcwd()
    except OSError as e:
        r['cwd'] = err(e)
    r['resuid'] = list(os.getresuid())
    r['resgid'] = list(os.getresgid())
    r['groups'] = sorted(os.getgroups())
    r['umask'] = '%o' % os.umask(0o22)
    r['pid'] = os.getpid()
    r['ppid'] = os.getppid()
    r['pgrp'] = os.getpgrp()
    r['sid'] = os.getsid(0)
    r['uid_map'] = read_text('/proc/self/uid_map')
    r['gid_map'] = read_text('/proc/self/gid_map')
    r['setgroups'] = read_text('/proc/self/setgroups')
    r['status'] = read_text('/proc/self/status')
    r['cgroup'] = read_text('/proc/self/cgroup')
    r['mountinfo'] = read_text('/proc/self/mountinfo')
    r['unreachable'] = unreachable_mounts(r['mountinfo'])
    ns = {}
    for name in ('cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children',
                 'time', 'time_for_children', 'user', 'uts'):
        try:
            ns[name] = os.readlink('/proc/self/ns/' + name)
        except OSError as e:
            ns[name] = err(e)
    r['ns'] = ns
    r['hostname'] = os.uname().nodename
    r['domainname'] = read_text('/proc/sys/kernel/domainname')
    r['net'] = net_info()
    r['files'] = {p: file_info(p) for p in cfg.get('files', [])}
    r['writable'] = {p: try_write(p) for p in cfg.get('writable', [])}
    if cfg.get('nest'):
        r['nest'] = nest_userns()
    sys.stdout.write(json.dumps(r))
    sys.stdout.flush()


main()
