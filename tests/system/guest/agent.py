#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""agent.py [--think S] PASSWORD CMD...: run CMD with a polkit agent that answers.

pkttyagent (the text agent polkit ships) is registered for CMD's process
(--process: polkit asks the agent of the process that made the call), on
a pseudo-terminal; CMD is exec'd in that process once the agent is
registered (--notify-fd), and PASSWORD is typed when the agent prompts:
an administrator authenticating at the prompt, as a person would, who
may take S seconds to type it (--think; a person often needs more than
D-Bus's default 25 s).  Exit status is CMD's.
"""
import os
import pty
import select
import sys
import time


def main():
    args = sys.argv[1:]
    think = 0.0
    if args[0] == '--think':
        think = float(args[1])
        args = args[2:]
    password = args[0].encode()
    cmd = args[1:]
    go_r, go_w = os.pipe()
    child = os.fork()
    if child == 0:              # becomes CMD (same pid, same start time)
        os.close(go_w)
        if os.read(go_r, 1) != b'x':
            os._exit(125)
        os.execvp(cmd[0], cmd)
    os.close(go_r)
    rfd, wfd = os.pipe()
    agent, master = pty.fork()
    if agent == 0:
        os.close(rfd)
        os.set_inheritable(wfd, True)   # pipes are close-on-exec
        os.execvp('pkttyagent', ['pkttyagent', '--process', str(child),
                                 '--notify-fd', str(wfd), '--fallback'])
    os.close(wfd)
    os.read(rfd, 1)             # EOF: the agent is registered (or died)
    os.close(rfd)
    if os.waitpid(agent, os.WNOHANG)[0]:
        print('agent: pkttyagent exited before the command ran', file=sys.stderr)
        os.close(go_w)
        os.waitpid(child, 0)
        return 1
    os.write(go_w, b'x')
    os.close(go_w)
    seen = b''
    answered = False
    status = None
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        done, st = os.waitpid(child, os.WNOHANG)
        if done:
            status = st
            break
        r, _, _ = select.select([master], [], [], 0.2)
        if master in r:
            try:
                data = os.read(master, 1024)
            except OSError:
                data = b''
            sys.stderr.write('agent: ' + data.decode(errors='replace'))
            seen += data
            if not answered and b'assword' in seen:
                time.sleep(think)
                os.write(master, password + b'\n')
                answered = True
    if status is None:
        os.kill(child, 9)
        status = os.waitpid(child, 0)[1]
    os.kill(agent, 15)
    os.waitpid(agent, 0)
    print('agent: password asked and typed' if answered
          else 'agent: no password asked', file=sys.stderr)
    return os.waitstatus_to_exitcode(status)


if __name__ == '__main__':
    sys.exit(main())
