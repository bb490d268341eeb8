#!/bin/busybox sh
# /init of the tiny test guest (busybox initramfs, direct kernel boot).
# Kernel command line options (see tests/lab/guest.py, which builds them):
#   guest.name=NAME        printed after the boot marker
#   guest.write=DEV:TEXT   write TEXT + newline at offset 0 of block device DEV, then sync
#   guest.read=DEV         print "GUEST-READ <first line of DEV, NUL bytes removed>"
#   guest.net=dhcp         bring eth0 up, get a DHCP lease, print "GUEST-DHCP-IP <address>"
#   guest.mode=poweroff|loop   power off (default) or print "tick N" every second forever
# Everything goes to the serial console (ttyS0), which the tests read from the log file.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/null >/dev/ttyS0 2>&1

for module in /lib/modules/*.ko; do insmod "$module"; done
set -f  # no globbing: command line words may contain * or ?

name="" mode=poweroff write="" read_dev="" net=""
for word in $(cat /proc/cmdline); do
  case "$word" in
    guest.name=*) name=${word#guest.name=} ;;
    guest.mode=*) mode=${word#guest.mode=} ;;
    guest.write=*) write=${word#guest.write=} ;;
    guest.read=*) read_dev=${word#guest.read=} ;;
    guest.net=*) net=${word#guest.net=} ;;
  esac
done

wait_block() {
  i=0
  while [ ! -b "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  [ -b "$1" ] || echo "GUEST-ERROR no block device $1"
}

echo "KVM-PULUMI-BOOT-OK $name"

if [ -n "$write" ]; then
  dev=${write%%:*} text=${write#*:}
  wait_block "$dev"
  printf '%s\n' "$text" | dd of="$dev" conv=notrunc,fsync 2>/dev/null
  sync
  echo "GUEST-WROTE $dev"
fi

if [ -n "$read_dev" ]; then
  wait_block "$read_dev"
  echo "GUEST-READ $(dd if="$read_dev" bs=4096 count=1 2>/dev/null | tr -d '\000' | head -n 1)"
fi

if [ "$net" = dhcp ]; then
  ip link set eth0 up
  udhcpc -i eth0 -n -q -t 20 -T 1 -s /bin/dhcp-event || echo "GUEST-ERROR no DHCP lease"
fi

case "$mode" in
  loop)
    n=0
    while true; do n=$((n+1)); echo "tick $n"; sleep 1; done ;;
  poweroff) ;;
  *) echo "GUEST-ERROR unknown guest.mode=$mode" ;;
esac
sync
poweroff -f
