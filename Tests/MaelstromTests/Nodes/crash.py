#!/usr/bin/env python3
# Dies on the first request.
import sys
from node import Node

node = Node()


@node.on("echo")
def echo(msg):
    node.log("giving up")
    sys.exit(3)


node.run()
