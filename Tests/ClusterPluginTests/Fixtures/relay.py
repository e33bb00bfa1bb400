# Datagrams: n0 relays a client's datagram to n1 through its peer address and the answer back;
# n1 answers every request with the value 1, to whoever sent it (the driver's view of n0).
import json, socket, sys

node, port, peers = sys.argv[1], int(sys.argv[2]), sys.argv[3]
peer = dict(p.split("=", 1) for p in peers.split(",") if p)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
waiting = []
n1 = peer.get("n1", "127.0.0.1:0").rpartition(":")
n1 = (n1[0], int(n1[2]))
while True:
    data, sender = s.recvfrom(65536)
    if node == "n1":
        request = json.loads(data)
        s.sendto(json.dumps({"in_reply_to": request["id"], "ok": True, "value": 1}).encode(), sender)
    elif sender == n1:
        s.sendto(data, waiting.pop(0))
    else:
        waiting.append(sender)
        s.sendto(data, n1)
