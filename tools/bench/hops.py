# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""hops.py TRACE: per-hop times of the round trips in an ftrace capture made
by vm-profile-rtt.sh (tools/bench/profile-vm-rtt.sh; issue 16, target 2a).

The capture holds segments between "hops MODE begin" / "hops MODE end"
markers (MODE nl, lean, pty or tty).  Each round trip starts at the client's
send (sendmsg for nl, write for pty/tty); each milestone is the first
matching trace line after the milestone it names as its predecessor.
Prints, per mode, the median time of every milestone since the send and
the median of each step, and how long each task ran per round trip.
Times are guest time, under TCG and with the tracer on: read them as
shares, not as the bench's numbers."""

import re
import statistics
import sys

LINE = re.compile(r'^\s*(?P<task>.+?-\d+)\s+\[(?P<cpu>\d+)\]\s+\S+\s+'
                  r'(?P<ts>\d+\.\d+):\s+(?P<what>.*)$')
SWITCH = re.compile(r'prev_comm=(.+?) prev_pid=(\d+) .*prev_state=(\S+) '
                    r'==> next_comm=(.+?) next_pid=(\d+)')

# (name, predecessor, task pattern or None, what pattern); {C} is the
# client's comm, {P} the peer's.
SEND = {'nl': r'__sys_sendmsg', 'lean': r'__sys_sendto',
        'pty': r'^ksys_write', 'tty': r'^ksys_write'}
CLIENT = {'nl': 'bench-nl', 'lean': 'bench-nl', 'pty': 'bench-rtt',
          'tty': 'bench-rtt'}
PEER = {'nl': 'ichip-sim', 'lean': 'ichip-sim', 'pty': 'bench-rtt',
        'tty': 'ichip-sim'}
STEPS = {
    'nl': [
        ('doit writes the tty', 'send', 'C', r'pty_write <-ichip_tx_push'),
        ('ACK queued', 'send', 'C', r'netlink_unicast <-netlink_rcv_skb'),
        ('client sleeps', 'send', None,
         r'sched_switch: prev_comm={C} prev_pid={CP} .*prev_state=S'),
        ('flush work 1 runs', 'doit writes the tty', None,
         r'function flush_to_ldisc'),
        ('sim woken', 'flush work 1 runs', None, r'sched_wakeup: comm={P} '),
        ('sim runs', 'sim woken', None, r'==> next_comm={P} '),
        ('sim reads', 'sim runs', 'P', r'^ksys_read'),
        ('sim writes', 'sim reads', 'P', r'pty_write <-n_tty_write'),
        ('sim sleeps', 'sim writes', None,
         r'sched_switch: prev_comm={P} .*prev_state=S'),
        ('flush work 2 runs', 'sim writes', None, r'function flush_to_ldisc'),
        ('n_ichip receive', 'flush work 2 runs', None,
         r'ichip_ldisc_receive_buf'),
        ('RESULT unicast', 'n_ichip receive', None,
         r'netlink_unicast <-ichip_genl_result'),
        ('client woken', 'RESULT unicast', None,
         r'sched_wakeup: comm={C} pid={CP} '),
        ('client runs', 'client woken', None,
         r'==> next_comm={C} next_pid={CP} '),
        ('next send', 'client runs', 'C', SEND['nl']),
    ],
}
# the lean client: no ACK; its next send is a sendto
STEPS['lean'] = [s for s in STEPS['nl'] if s[0] not in ('ACK queued',
                                                         'next send')]
STEPS['lean'].append(('next send', 'client runs', 'C', SEND['lean']))
for m in ('pty', 'tty'):
    STEPS[m] = [
        ('client write done', 'send', 'C', r'pty_write <-n_tty_write'),
        ('client sleeps', 'send', None,
         r'sched_switch: prev_comm={C} prev_pid={CP} .*prev_state=S'),
        ('flush work 1 runs', 'client write done', None,
         r'function flush_to_ldisc'),
        ('peer woken', 'flush work 1 runs', None,
         r'sched_wakeup: comm={P} pid={PP} '),
        ('peer runs', 'peer woken', None, r'==> next_comm={P} next_pid={PP} '),
        ('peer writes', 'peer runs', 'P', r'pty_write <-n_tty_write'),
        ('peer sleeps', 'peer writes', None,
         r'sched_switch: prev_comm={P} prev_pid={PP} .*prev_state=S'),
        ('flush work 2 runs', 'peer writes', None,
         r'function flush_to_ldisc'),
        ('client woken', 'flush work 2 runs', None,
         r'sched_wakeup: comm={C} pid={CP} '),
        ('client runs', 'client woken', None,
         r'==> next_comm={C} next_pid={CP} '),
        ('next send', 'client runs', 'C', SEND[m]),
    ]
# ichip-sim polls, then reads: its read is a step of its own
STEPS['tty'][5:5] = [('peer reads', 'peer runs', 'P', r'^ksys_read')]
STEPS['tty'][6] = ('peer writes', 'peer reads', 'P',
                   r'pty_write <-n_tty_write')


def segments(lines):
    """{mode: [(ts, task, cpu, what)]} between the begin/end markers."""
    segs, cur = {}, None
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        what = m['what']
        mk = re.search(r'tracing_mark_write: hops (\w+) (begin|end)', what)
        if mk:
            cur = mk[1] if mk[2] == 'begin' else None
            if cur:
                segs[cur] = []
            continue
        if cur:
            segs[cur].append((float(m['ts']), m['task'], int(m['cpu']),
                              what))
    return segs


def pids(ev, mode):
    """The client's pid (the first sender) and the peer's."""
    client = peer = None
    for _, task, _, what in ev:
        comm, pid = task.rsplit('-', 1)
        if client is None and comm == CLIENT[mode] and \
                re.search(SEND[mode], what):
            client = pid
        elif client and comm == PEER[mode] and pid != client and \
                what.startswith('ksys_read'):
            peer = pid
            break
    return client, peer


def analyse(mode, ev):
    cp, pp = pids(ev, mode)
    if not cp or not pp:
        return [f'{mode}: no round trip found']
    subst = {'{C}': CLIENT[mode], '{CP}': cp, '{P}': PEER[mode], '{PP}': pp}
    tasks = {'C': f'{CLIENT[mode]}-{cp}', 'P': f'{PEER[mode]}-{pp}'}

    def pat(p):
        for k, v in subst.items():
            p = p.replace(k, re.escape(v))
        return re.compile(p)

    steps = [(n, prev, tasks.get(t), pat(p)) for n, prev, t, p in STEPS[mode]]
    sendp = re.compile(SEND[mode])
    starts = [i for i, (_, task, _, what) in enumerate(ev)
              if task == tasks['C'] and sendp.search(what)]
    offs = {n: [] for n, *_ in steps}
    runs = []
    for a, b in zip(starts, starts[1:]):
        at = {'send': a}
        for name, prev, task, rx in steps:
            if prev not in at:
                continue
            for i in range(at[prev] + 1, b + 1):
                if (task is None or ev[i][1] == task) and rx.search(ev[i][3]):
                    at[name] = i
                    break
        for name in at:
            if name != 'send':
                offs[name].append((ev[at[name]][0] - ev[a][0]) * 1e6)
        # run time per task between two sends, from sched_switch lines
        run, cur, since, t0 = {}, {}, {}, ev[a][0]
        for ts, task, cpu, what in ev[a:b + 1]:
            sw = SWITCH.search(what)
            if not sw:
                continue
            prev = f'{sw[1]}-{sw[2]}'
            run[prev] = run.get(prev, 0) + ts - since.get(cpu, t0)
            cur[cpu], since[cpu] = f'{sw[4]}-{sw[5]}', ts
        for cpu, task in cur.items():
            run[task] = run.get(task, 0) + ev[b][0] - since[cpu]
        runs.append(run)
    n = len(starts) - 1
    out = [f'{mode}: {n} round trips (client {tasks["C"]}, peer '
           f'{tasks["P"]}); median us since the send, and since the step '
           f'before']
    last = 0.0
    rows = sorted(((statistics.median(v), k, len(v))
                   for k, v in offs.items() if v))
    for med, name, k in rows:
        out.append(f'  {med:8.1f}  +{med - last:7.1f}  {name}'
                   f'{"" if k == n else f"  (in {k} of {n})"}')
        last = med
    rtt = statistics.median(ev[b][0] - ev[a][0]
                            for a, b in zip(starts, starts[1:])) * 1e6
    out.append(f'  {rtt:8.1f}  round trip')
    out.append('  run time per round trip, median us (2 CPUs; '
               'swapper = idle):')
    names = {t for r in runs for t in r}
    med = {t: statistics.median(r.get(t, 0) for r in runs) * 1e6
           for t in names}
    for task, t in sorted(med.items(), key=lambda x: -x[1]):
        if t >= 1:
            out.append(f'  {t:8.1f}  {task}')
    return out


def main():
    with open(sys.argv[1], errors='replace') as f:
        segs = segments(f)
    if not segs:
        print('no "hops MODE begin" markers in the trace')
        return 1
    for mode in ('nl', 'lean', 'pty', 'tty'):
        if mode in segs:
            print('\n'.join(analyse(mode, segs[mode])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
