#!/bin/sh
# Builds, offline, a minimal Flatpak runtime (busybox-static and glibc's
# static ldconfig) and an app on it, exports both to a local repo and installs
# them --user into DIR/home (FLATPAK_USER_DIR), so that `flatpak run` needs
# nothing else.  Usage: build-repo.sh DIR  (DIR: an empty, writable directory,
# not under /var/tmp: Flatpak binds the app's cache over /var/tmp).
set -eu

dir=$1
runtime=org.sandbox.Platform
app=org.sandbox.Hello
branch=test
arch=$(flatpak --default-arch)

export HOME="$dir/home"
export FLATPAK_USER_DIR="$dir/home/flatpak"
export XDG_DATA_HOME="$HOME/.local/share"
export XDG_CONFIG_HOME="$HOME/.config"
export XDG_CACHE_HOME="$HOME/.cache"
mkdir -p "$HOME"

# A dynamic executable names its loader (PT_INTERP) in its first page.
is_static ()
{
  ! head -c 4096 "$1" | grep -qa '/ld-linux'
}

busybox=$(command -v busybox)
if ! is_static "$busybox"; then
  echo "build-repo.sh: $busybox is not static (install busybox-static)" >&2
  exit 1
fi

# The runtime: its files/ become /usr in the sandbox.
rt="$dir/runtime"
mkdir -p "$rt/files/bin" "$rt/files/etc"
cp "$busybox" "$rt/files/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$rt/files/bin/$applet"
done
# A static ldconfig makes Flatpak regenerate ld.so.cache through bwrap: the
# one call it makes with no "--" before the command.
if [ -x /sbin/ldconfig ] && is_static /sbin/ldconfig; then
  cp /sbin/ldconfig "$rt/files/bin/ldconfig"
fi
cat > "$rt/metadata" <<META
[Runtime]
name=$runtime
runtime=$runtime/$arch/$branch
sdk=$runtime/$arch/$branch
META

repo="$dir/repo"
flatpak build-export --runtime --files=files "$repo" "$rt" "$branch" >/dev/null
flatpak --user remote-add --no-gpg-verify sandbox-test "$repo"
flatpak --user install -y --noninteractive sandbox-test "runtime/$runtime/$arch/$branch" >/dev/null

# The app: /app/bin/hello reports what it sees of the sandbox.
ad="$dir/app"
flatpak build-init "$ad" "$app" "$runtime" "$runtime" "$branch"
mkdir -p "$ad/files/bin"
cat > "$ad/files/bin/hello" <<'HELLO'
#!/bin/sh
echo "hello from $FLATPAK_ID"
test -f /.flatpak-info && echo "flatpak-info: yes"
test -f /app/bin/hello && echo "app: yes"
test -x /usr/bin/busybox && echo "usr: yes"
echo "uid: $(id -u)"
echo "home: $(ls -A /home 2>/dev/null | tr '\n' ' ')"
HELLO
chmod 0755 "$ad/files/bin/hello"
# Exported, it gives the install triggers (run through bwrap) work to do:
# update-desktop-database writes mimeinfo.cache next to it.
mkdir -p "$ad/files/share/applications"
cat > "$ad/files/share/applications/$app.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Hello
Exec=hello
MimeType=application/x-sandbox-test;
DESKTOP
flatpak build-finish --command=hello "$ad" >/dev/null
flatpak build-export "$repo" "$ad" "$branch" >/dev/null
# Installing an app checks parental controls over the system bus unless this
# test knob sends it to the (absent) session bus.
FLATPAK_SYSTEM_HELPER_ON_SESSION=1 \
  flatpak --user install -y --noninteractive sandbox-test "app/$app/$arch/$branch" >/dev/null
