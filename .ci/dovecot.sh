#!/usr/bin/env bash
# A throw-away IMAP server for the mailbox intake test (issue 15, SRV-1): Debian's Dovecot
# on 127.0.0.1:10143, one user "complaints" with password "secret", mail kept under
# $ZHIKE_DOVECOT_DIR (default /tmp/zhike-dovecot). Prints the mailbox URL for the tests:
#   export ZHIKE_TEST_IMAP="$(bash .ci/dovecot.sh)"
set -euo pipefail
dir="${ZHIKE_DOVECOT_DIR:-/tmp/zhike-dovecot}"
port="${ZHIKE_DOVECOT_PORT:-10143}"
if ! command -v dovecot >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq dovecot-imapd >/dev/null
fi
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
if [ -f "$dir/run/master.pid" ] && kill -0 "$(cat "$dir/run/master.pid")" 2>/dev/null; then
  kill "$(cat "$dir/run/master.pid")"
  for _ in $(seq 50); do port_open || break; sleep 0.1; done  # until it has let go
fi
if port_open; then
  echo "127.0.0.1:$port is taken by another program: set ZHIKE_DOVECOT_PORT" >&2
  exit 1
fi
rm -rf "$dir"
mkdir -p "$dir/run" "$dir/state" "$dir/mail"
chown dovecot:dovecot "$dir/mail"
echo "complaints:{PLAIN}secret" > "$dir/users"
cat > "$dir/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:$dir/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$dir/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
CONF
dovecot -c "$dir/dovecot.conf"
for _ in $(seq 50); do port_open && break; sleep 0.1; done
port_open || { echo "dovecot did not start: see $dir/dovecot.log" >&2; exit 1; }
echo "imap://complaints:secret@127.0.0.1:$port/INBOX"
