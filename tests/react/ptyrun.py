#!/usr/bin/env python3
"""Runs a command on a real pseudo-terminal and answers its prompts, like a person would.

    ptyrun.py [--expect TEXT --send LINE]... [--timeout S] -- COMMAND [ARGS...]

Each --expect waits (in order) until TEXT has appeared in the output since the previous
answer, then types LINE and Enter. The command's whole output goes to stdout; the exit code is
the command's (124 when it did not finish in time, 125 when an expected text never came).
"""
import os
import pty
import select
import sys
import time


def main():
    args = sys.argv[1:]
    steps = []
    timeout = 60.0
    while args and args[0] != "--":
        if args[0] == "--expect":
            steps.append([args[1], None])
            args = args[2:]
        elif args[0] == "--send":
            steps[-1][1] = args[1]
            args = args[2:]
        elif args[0] == "--timeout":
            timeout = float(args[1])
            args = args[2:]
        else:
            sys.exit("ptyrun: unknown argument " + args[0])
    command = args[1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    output = b""
    seen = 0  # output before this offset has been matched already
    deadline = time.monotonic() + timeout
    status = None
    while True:
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            sys.stdout.write(output.decode(errors="replace"))
            sys.exit(124 if not steps else 125)
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            output += chunk
        while steps:
            at = output.find(steps[0][0].encode(), seen)
            if at < 0:
                break
            seen = at + len(steps[0][0])
            os.write(fd, (steps[0][1] or "").encode() + b"\n")
            steps.pop(0)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(output.decode(errors="replace"))
    if steps:
        sys.exit(125)
    sys.exit(os.waitstatus_to_exitcode(status))


main()
