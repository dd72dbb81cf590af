# Prints "family payload_len truesize" for one datagram per line of stdin ("4 N" or "6 N"):
# sent with sendto() over loopback, its skb->truesize read back as the receiving socket's
# rx_queue in /proc/net/udp{,6} (sk_rmem_alloc). Run it in a network namespace of its own.
import socket
import subprocess
import sys
import time

subprocess.run(["ip", "link", "set", "lo", "up"], check=True)


def rx_queue(port):
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        with open(table) as f:
            for line in f.read().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].split(":")[1], 16) == port:
                    return int(fields[4].split(":")[1], 16)
    return -1


for line in sys.stdin:
    fam, n = line.split()
    family, addr = (socket.AF_INET6, "::1") if fam == "6" else (socket.AF_INET, "127.0.0.1")
    rx = socket.socket(family, socket.SOCK_DGRAM)
    tx = socket.socket(family, socket.SOCK_DGRAM)
    try:
        rx.bind((addr, 0))
        port = rx.getsockname()[1]
        tx.sendto(b"x" * int(n), (addr, port))
        size = -1
        for _ in range(100):
            size = rx_queue(port)
            if size > 0:
                break
            time.sleep(0.001)
        print(fam, n, size, flush=True)
    finally:
        rx.close()
        tx.close()
