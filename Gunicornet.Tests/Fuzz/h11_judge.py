"""The second parser of scripts/fuzz's differential check: h11 (Debian's python3-h11) as a server reads
each file named on stdin and prints, per line, the path, then accept (the first request ended),
refuse (and h11's reason) or incomplete (h11 wants more bytes)."""
import sys

import h11


def judge(data):
    conn = h11.Connection(h11.SERVER)
    try:
        conn.receive_data(data)
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                return "incomplete", ""
            if isinstance(event, h11.EndOfMessage):
                return "accept", ""
            if isinstance(event, h11.ConnectionClosed):
                return "incomplete", ""
    except h11.RemoteProtocolError as error:
        return "refuse", " ".join(str(error).split())[:200]


for line in sys.stdin:
    path = line.rstrip("\n")
    with open(path, "rb") as f:
        verdict, detail = judge(f.read())
    print(f"{path}\t{verdict}\t{detail}", flush=False)
