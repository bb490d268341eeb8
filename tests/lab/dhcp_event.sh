#!/bin/busybox sh
# udhcpc event script of the tiny test guest: configure eth0 and report the leased address.
if [ "$1" = bound ] || [ "$1" = renew ]; then
  ip addr add "$ip/${mask:-24}" dev "$interface"
  echo "GUEST-DHCP-IP $ip"
fi
exit 0
