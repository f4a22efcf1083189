#!/usr/bin/python3
"""agent.py PASSWORD CMD...: run CMD with a polkit agent that answers.

Starts pkttyagent (the text agent polkit ships) for this login session on
a pseudo-terminal, waits until it has registered (--notify-fd), runs CMD,
and types PASSWORD when the agent asks for it: an administrator
authenticating at the prompt, as a person would.  Exit status is CMD's.
"""
import os
import pty
import select
import subprocess
import sys
import time


def main():
    password = sys.argv[1].encode()
    cmd = sys.argv[2:]
    rfd, wfd = os.pipe()
    pid, master = pty.fork()
    if pid == 0:
        os.close(rfd)
        os.execvp('pkttyagent', ['pkttyagent', '--notify-fd', str(wfd),
                                 '--fallback'])
    os.close(wfd)
    os.read(rfd, 1)         # EOF: the agent is registered
    os.close(rfd)
    proc = subprocess.Popen(cmd)
    seen = b''
    answered = False
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if master in r:
            try:
                data = os.read(master, 1024)
            except OSError:
                break
            sys.stderr.write('agent: ' + data.decode(errors='replace'))
            seen += data
            if not answered and b'assword' in seen:
                os.write(master, password + b'\n')
                answered = True
    rc = proc.wait(timeout=max(1, deadline - time.monotonic()))
    os.kill(pid, 15)
    os.waitpid(pid, 0)
    print('agent: password asked and typed' if answered
          else 'agent: no password asked', file=sys.stderr)
    return rc


if __name__ == '__main__':
    sys.exit(main())
