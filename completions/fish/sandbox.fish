# fish completion for sandbox(1)

# What each option takes, one letter per argument: f a path, d a directory,
# F a file descriptor, c a capability, v a variable name, p a seccomp
# profile, n anything (no completion).  Nothing for options without
# arguments.
function __sandbox_argument_kinds
    switch $argv[1]
        case --args --userns --userns2 --pidns --sync-fd --seccomp --add-seccomp-fd --block-fd \
            --userns-block-fd --info-fd --json-status-fd
            echo F
        case --argv0 --uid --gid --map-users --map-groups --sysctl --monotonic-offset --boottime-offset --hostname --name --exec-label --file-label --perms --size \
            --memory --pids --cpus --timeout --kill-after
            echo n
        case --rlimit
            echo r
        case --chdir --overlay-src --tmp-overlay --ro-overlay --proc --dev --tmpfs --mqueue --dir
            echo d
        case --setenv
            echo vn
        case --unsetenv
            echo v
        case --lock-file --remount-ro
            echo f
        case --bind --bind-try --dev-bind --dev-bind-try --ro-bind --ro-bind-try --symlink
            echo ff
        case --bind-fd --ro-bind-fd --file --bind-data --ro-bind-data
            echo Ff
        case --overlay
            echo ddd
        case --chmod
            echo nf
        case --cap-add --cap-drop
            echo c
        case --seccomp-profile
            echo p
    end
end

# Tells what the word under the cursor is: "option" (an option or the
# command), "arg-K" (an argument of kind K), or "command-at N" when the
# command is word N and the cursor is on one of its arguments.
function __sandbox_state
    set -l words (commandline -opc)
    set -l n (count $words)
    set -l i 2
    while test $i -le $n
        set -l word $words[$i]
        if test "$word" = --
            set i (math $i + 1)
            if test $i -le $n
                printf '%s\n' command-at $i
            else
                echo command
            end
            return
        end
        if not string match -q -- '-*' $word
            printf '%s\n' command-at $i
            return
        end
        set -l kinds (__sandbox_argument_kinds $word)
        set -l count (string length -- "$kinds")
        if test (math $i + $count) -gt $n
            echo arg-(string sub -s (math $n - $i + 1) -l 1 -- $kinds)
            return
        end
        set i (math $i + $count + 1)
    end
    echo option
end

function __sandbox_is
    set -l state (__sandbox_state)
    test "$state[1]" = $argv[1]
end

# Completes the command's arguments with the command's own completions.
function __sandbox_complete_command_arguments
    set -l state (__sandbox_state)
    set -l words (commandline -opc)
    complete -C (string join -- ' ' (string escape -- $words[$state[2]..-1]) (commandline -ct))
end

function __sandbox_file_descriptors
    string replace -r '.*/' '' -- /proc/$fish_pid/fd/*
end

complete -c sandbox -f
complete -c sandbox -n '__sandbox_is option' -a '(__fish_complete_command)'
complete -c sandbox -n '__sandbox_is command' -a '(__fish_complete_command)'
complete -c sandbox -n '__sandbox_is command-at' -a '(__sandbox_complete_command_arguments)'
complete -c sandbox -n '__sandbox_is arg-f' -F
complete -c sandbox -n '__sandbox_is arg-d' -a '(__fish_complete_directories)'
complete -c sandbox -n '__sandbox_is arg-F' -a '(__sandbox_file_descriptors)'
complete -c sandbox -n '__sandbox_is arg-v' -a '(set -xn)'
complete -c sandbox -n '__sandbox_is arg-p' -F -a 'default none'
complete -c sandbox -n '__sandbox_is arg-c' -a "ALL
    CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID
    CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE
    CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW
    CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO CAP_SYS_CHROOT
    CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE
    CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE
    CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE
    CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ
    CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE"

complete -c sandbox -n '__sandbox_is option' -l help -d 'Print the usage and exit'
complete -c sandbox -n '__sandbox_is option' -l version -d 'Print the version and exit'
complete -c sandbox -n '__sandbox_is option' -l args -d 'Parse NUL-separated arguments from FD'
complete -c sandbox -n '__sandbox_is option' -l argv0 -d 'Set the zeroth argument of the command'
complete -c sandbox -n '__sandbox_is option' -l level-prefix -d 'Prefix messages with a syslog level'
complete -c sandbox -n '__sandbox_is option' -l unshare-all -d 'Create every namespace'
complete -c sandbox -n '__sandbox_is option' -l share-net -d 'Keep the host network namespace'
complete -c sandbox -n '__sandbox_is option' -l unshare-user -d 'Create a new user namespace'
complete -c sandbox -n '__sandbox_is option' -l unshare-user-try -d 'Create a new user namespace if possible'
complete -c sandbox -n '__sandbox_is option' -l unshare-ipc -d 'Create a new IPC namespace'
complete -c sandbox -n '__sandbox_is option' -l unshare-pid -d 'Create a new pid namespace'
complete -c sandbox -n '__sandbox_is option' -l unshare-net -d 'Create a new network namespace'
complete -c sandbox -n '__sandbox_is option' -l unshare-uts -d 'Create a new UTS namespace'
complete -c sandbox -n '__sandbox_is option' -l unshare-cgroup -d 'Create a new cgroup namespace'
complete -c sandbox -n '__sandbox_is option' -l unshare-cgroup-try -d 'Create a new cgroup namespace if possible'
complete -c sandbox -n '__sandbox_is option' -l unshare-time -d 'Create a new time namespace'
complete -c sandbox -n '__sandbox_is option' -l monotonic-offset -d 'Offset CLOCK_MONOTONIC by SECONDS'
complete -c sandbox -n '__sandbox_is option' -l boottime-offset -d 'Offset CLOCK_BOOTTIME and the uptime by SECONDS'
complete -c sandbox -n '__sandbox_is option' -l userns -d 'Use the user namespace open on FD'
complete -c sandbox -n '__sandbox_is option' -l userns2 -d 'Switch to the user namespace on FD after setup'
complete -c sandbox -n '__sandbox_is option' -l disable-userns -d 'Stop the sandbox creating user namespaces'
complete -c sandbox -n '__sandbox_is option' -l assert-userns-disabled -d 'Fail unless user namespaces are disabled'
complete -c sandbox -n '__sandbox_is option' -l pidns -d 'Use the pid namespace open on FD'
complete -c sandbox -n '__sandbox_is option' -l uid -d 'User id inside the sandbox'
complete -c sandbox -n '__sandbox_is option' -l gid -d 'Group id inside the sandbox'
complete -c sandbox -n '__sandbox_is option' -l map-auto -d "Map the caller's ids and its subordinate ids"
complete -c sandbox -n '__sandbox_is option' -l map-users -d 'Map COUNT uids from OUT to IN (IN:OUT:COUNT)'
complete -c sandbox -n '__sandbox_is option' -l map-groups -d 'Map COUNT gids from OUT to IN (IN:OUT:COUNT)'
complete -c sandbox -n '__sandbox_is option' -l sysctl -d "Set a sysctl of the sandbox's own namespaces (KEY=VALUE)"
complete -c sandbox -n '__sandbox_is option' -l hostname -d 'Host name inside the sandbox'
complete -c sandbox -n '__sandbox_is option' -l name -d 'Register the sandbox under a name'
complete -c sandbox -n '__sandbox_is option' -l chdir -d 'Working directory inside the sandbox'
complete -c sandbox -n '__sandbox_is option' -l clearenv -d 'Clear the environment'
complete -c sandbox -n '__sandbox_is option' -l setenv -d 'Set an environment variable'
complete -c sandbox -n '__sandbox_is option' -l unsetenv -d 'Unset an environment variable'
complete -c sandbox -n '__sandbox_is option' -l lock-file -d 'Hold a lock on DEST while the sandbox runs'
complete -c sandbox -n '__sandbox_is option' -l sync-fd -d 'Keep FD open while the sandbox runs'
complete -c sandbox -n '__sandbox_is option' -l bind -d 'Bind mount SRC on DEST'
complete -c sandbox -n '__sandbox_is option' -l bind-try -d 'Bind mount SRC on DEST if SRC exists'
complete -c sandbox -n '__sandbox_is option' -l dev-bind -d 'Bind mount SRC on DEST with device access'
complete -c sandbox -n '__sandbox_is option' -l dev-bind-try -d 'Bind mount SRC on DEST with devices if SRC exists'
complete -c sandbox -n '__sandbox_is option' -l ro-bind -d 'Bind mount SRC read-only on DEST'
complete -c sandbox -n '__sandbox_is option' -l ro-bind-try -d 'Bind mount SRC read-only on DEST if SRC exists'
complete -c sandbox -n '__sandbox_is option' -l bind-fd -d 'Bind the file or directory open on FD on DEST'
complete -c sandbox -n '__sandbox_is option' -l ro-bind-fd -d 'Bind the path open on FD read-only on DEST'
complete -c sandbox -n '__sandbox_is option' -l remount-ro -d 'Remount DEST read-only, not recursively'
complete -c sandbox -n '__sandbox_is option' -l overlay-src -d 'Add a lower layer for the next overlay'
complete -c sandbox -n '__sandbox_is option' -l overlay -d 'Mount an overlay with a writable upper layer on DEST'
complete -c sandbox -n '__sandbox_is option' -l tmp-overlay -d 'Mount an overlay whose writes are discarded on DEST'
complete -c sandbox -n '__sandbox_is option' -l ro-overlay -d 'Mount a read-only overlay on DEST'
complete -c sandbox -n '__sandbox_is option' -l exec-label -d 'SELinux label of the command'
complete -c sandbox -n '__sandbox_is option' -l file-label -d 'SELinux label of the files created'
complete -c sandbox -n '__sandbox_is option' -l proc -d 'Mount a new procfs on DEST'
complete -c sandbox -n '__sandbox_is option' -l dev -d 'Mount a new minimal /dev on DEST'
complete -c sandbox -n '__sandbox_is option' -l tmpfs -d 'Mount a new tmpfs on DEST'
complete -c sandbox -n '__sandbox_is option' -l mqueue -d 'Mount a new mqueue file system on DEST'
complete -c sandbox -n '__sandbox_is option' -l dir -d 'Create a directory at DEST'
complete -c sandbox -n '__sandbox_is option' -l file -d 'Copy FD into a new file DEST'
complete -c sandbox -n '__sandbox_is option' -l bind-data -d 'Copy FD into a file bind mounted on DEST'
complete -c sandbox -n '__sandbox_is option' -l ro-bind-data -d 'Copy FD into a file bind mounted read-only on DEST'
complete -c sandbox -n '__sandbox_is option' -l symlink -d 'Create a symlink at DEST pointing to SRC'
complete -c sandbox -n '__sandbox_is option' -l chmod -d 'Change the mode of PATH'
complete -c sandbox -n '__sandbox_is option' -l seccomp -d 'Load a compiled seccomp program from FD'
complete -c sandbox -n '__sandbox_is option' -l add-seccomp-fd -d 'Load one more compiled seccomp program from FD'
complete -c sandbox -n '__sandbox_is option' -l block-fd -d 'Wait for data on FD before running the command'
complete -c sandbox -n '__sandbox_is option' -l userns-block-fd -d 'Wait for data on FD while the id maps are written'
complete -c sandbox -n '__sandbox_is option' -l info-fd -d 'Write information about the sandbox as JSON to FD'
complete -c sandbox -n '__sandbox_is option' -l json-status-fd -d 'Write the sandbox status as JSON lines to FD'
complete -c sandbox -n '__sandbox_is option' -l new-session -d 'Run the command in a new terminal session'
complete -c sandbox -n '__sandbox_is option' -l die-with-parent -d 'Kill the sandbox when its parent dies'
complete -c sandbox -n '__sandbox_is option' -l as-pid-1 -d 'Run the command as pid 1, without an init'
complete -c sandbox -n '__sandbox_is option' -l cap-add -d 'Add a capability'
complete -c sandbox -n '__sandbox_is option' -l cap-drop -d 'Drop a capability'
complete -c sandbox -n '__sandbox_is option' -l perms -d 'Mode of the next --dir, --file, --bind-data or --tmpfs'
complete -c sandbox -n '__sandbox_is option' -l size -d 'Size of the next --tmpfs'
complete -c sandbox -n '__sandbox_is option' -l share-ipc -d 'Keep the host IPC namespace'
complete -c sandbox -n '__sandbox_is option' -l share-pid -d 'Keep the host pid namespace'
complete -c sandbox -n '__sandbox_is option' -l share-uts -d 'Keep the host UTS namespace'
complete -c sandbox -n '__sandbox_is option' -l share-cgroup -d 'Keep the host cgroup namespace'
complete -c sandbox -n '__sandbox_is option' -l seccomp-profile -d 'Seccomp policy - default, none or a policy file'
complete -c sandbox -n '__sandbox_is option' -l seccomp-log -d 'Log what the seccomp policy refuses instead of refusing it'
complete -c sandbox -n '__sandbox_is option' -l seccomp-print -d 'Print the seccomp policy and exit'
complete -c sandbox -n '__sandbox_is option' -l allow-nesting -d 'Allow namespaces and mounts inside the sandbox'
complete -c sandbox -n '__sandbox_is option' -l rlimit -d 'Set a resource limit, NAME=SOFT[:HARD]'
complete -c sandbox -n '__sandbox_is option' -l memory -d 'Limit the memory of the whole sandbox'
complete -c sandbox -n '__sandbox_is option' -l pids -d 'Limit the number of processes of the sandbox'
complete -c sandbox -n '__sandbox_is option' -l cpus -d 'Limit the CPU time of the sandbox, in CPUs'
complete -c sandbox -n '__sandbox_is option' -l timeout -d 'End the sandbox after SECONDS'
complete -c sandbox -n '__sandbox_is option' -l kill-after -d 'SIGKILL this long after the timeout'
complete -c sandbox -n '__sandbox_is arg-r' -a 'as= core= cpu= data= fsize= locks= memlock= msgqueue= nice= nofile= nproc= rss= rtprio= rttime= sigpending= stack=' -f
complete -c sandbox -n '__sandbox_is option' -l share-abstract-sockets -d 'With --share-net, keep the host abstract unix sockets reachable'
complete -c sandbox -n '__sandbox_is option' -l strict -d 'Refuse rather than confine in place where user namespaces are refused'

# The verbs, first argument only.
complete -c sandbox -n '__fish_is_first_arg' -a 'list' -d 'List your named sandboxes'
complete -c sandbox -n '__fish_is_first_arg' -a 'enter' -d 'Run a command in a named sandbox'
complete -c sandbox -n '__fish_is_first_arg' -a 'kill' -d 'Signal every process of a named sandbox'
complete -c sandbox -n '__fish_seen_subcommand_from enter kill; and test (count (commandline -opc)) -eq 2' -f -a '(sandbox list 2>/dev/null | cut -f1)'
