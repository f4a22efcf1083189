# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: command round trips (target 2), split in the two hops
ichip adds: the netlink path (genl -> n_ichip -> tty -> ichip-sim) against
a raw pty write/read, in the QEMU VM; and a D-Bus method call to ichipd
against org.freedesktop.DBus.Peer.Ping to ichipd on the same bus."""

import os
import subprocess

from benchlib import HERE, Stack, parse_kv, runs_summary
from vmrun import run_vm


class RttMetrics:
    def host_rtt(self, n):
        exe = self.tool('bench-rtt', ['libsystemd'])
        st = Stack('rtt', self.args.keep_tmp)
        try:
            st.start(ichipd_extra=['--debug-commands'])
            env = st.bus.env()
            res = {}
            for mode, args in (('dbus', ['dbus', st.devs[0], str(n)]),
                               ('dbus-get', ['dbus-get', str(n)]),
                               ('method', ['method', str(n)]),
                               ('ping', ['ping', str(n)]),
                               ('pty', ['pty', str(n)])):
                out = subprocess.run([exe, *args], env=env, check=True,
                                     capture_output=True, text=True,
                                     timeout=120).stdout
                res[mode] = parse_kv(out)
        finally:
            st.stop()
        return res

    def vm_rtt(self, n):
        exe = self.tool('bench-rtt', ['libsystemd'])
        build = self.build
        bins = [exe, self.tool('bench-nl'),
                os.path.join(build, 'daemon', 'ichipd'),
                os.path.join(build, 'tests', 'sim', 'ichip-sim'),
                '/usr/bin/dbus-daemon']
        conf = os.path.join(self.tmp, 'bench-rtt.conf')
        with open(conf, 'w') as f:
            f.write(f'N={n}\n')
        rc, lines, console, tail = run_vm(
            build, 'bench', bins, {conf: '/etc/bench-rtt.conf'},
            os.path.join(HERE, '60-bench-rtt.sh'), 'BENCH-RTT', 300)
        kvs = list(map(parse_kv, lines))
        res = {kv['mode']: kv for kv in kvs if 'round' not in kv}
        rounds = {}
        for kv in kvs:
            if 'round' in kv:
                rounds.setdefault(int(kv['round']), {})[kv['mode']] = kv
        if rc != 0 or not {'dbus', 'pty', 'nl'} <= set(res):
            raise RuntimeError(f'VM round-trip run failed (exit '
                               f'{rc}); console {console}\n{tail}')
        return res, [rounds[r] for r in sorted(rounds)]

    def m_rtt(self):
        n = int(self.args.rtt_n)
        host = self.host_rtt(n)
        pick = ('per_call_us', 'p50_us', 'min_us')
        raw = {'host_tty_transport': {
            k: {kk: v[kk] for kk in pick} for k, v in host.items()}}
        raw['host_command_vs_pty'] = round(host['dbus']['per_call_us'] /
                                           host['pty']['per_call_us'], 3)
        raw['properties_get_vs_ping'] = round(
            host['dbus-get']['p50_us'] / host['ping']['p50_us'], 3)
        self.record('2b D-Bus method / Peer.Ping (host)',
                    host['method']['p50_us'] / host['ping']['p50_us'],
                    1.3, 'le', raw,
                    note='median of N Manager1.GetDevices (an ichipd method '
                         'without arguments, as Ping has none) / median of '
                         'N org.freedesktop.DBus.Peer.Ping to ichipd, same '
                         'private bus; Properties.Get(Manager1.Version) vs '
                         'Ping in raw')
        if self.args.no_vm:
            raise RuntimeError('--no-vm: the netlink round trip is measured '
                               'in the VM only')
        vm, rounds = self.vm_rtt(n)
        # target 2a: the median of the rounds' ratios, each round's two
        # sides measured one right after the other
        whole = [r for r in rounds if {'nl-lean', 'tty'} <= set(r)]
        if len(whole) != len(rounds) or len(whole) < 3:
            raise RuntimeError(f'the VM run measured {len(whole)} whole '
                               f'rounds of lean netlink and raw tty')
        each = [round(r['nl-lean']['p50_us'] / r['tty']['p50_us'], 4)
                for r in rounds]
        ratio, summary = runs_summary([{'ratio': x} for x in each], ())
        # the round nearest the median gives the raw nl-lean and tty
        vm.update(rounds[min(range(len(each)),
                             key=lambda i: abs(each[i] - ratio))])
        vraw = {'vm_kernel_transport': {
            k: {kk: v[kk] for kk in pick} for k, v in vm.items()}}
        vraw['vm_dbus_method_vs_ping'] = round(
            vm['dbus-get']['p50_us'] / vm['ping']['p50_us'], 3) \
            if 'ping' in vm else None
        vraw['vm_command_vs_pty'] = round(vm['dbus']['p50_us'] /
                                          vm['pty']['p50_us'], 3)
        # the simulator alone, straight on its tty
        vraw['vm_sim_tty_vs_pty'] = round(vm['tty']['p50_us'] /
                                          vm['pty']['p50_us'], 3)
        vraw['vm_nl_vs_sim_tty'] = round(vm['nl']['p50_us'] /
                                         vm['tty']['p50_us'], 3)
        # the same path, a client of three syscalls
        vraw['vm_nl_lean_vs_pty'] = round(vm['nl-lean']['p50_us'] /
                                          vm['pty']['p50_us'], 3)
        vraw['rounds_nl_lean_vs_sim_tty'] = {
            k: summary[k] for k in ('min', 'median', 'max')}
        vraw['rounds_nl_lean_vs_sim_tty']['each'] = each
        vraw['vm_nl_libnl_vs_pty'] = round(vm['nl']['p50_us'] /
                                           vm['pty']['p50_us'], 3)
        # Both sides end at the same simulator: the ratio is what genl
        # and n_ichip add to a round trip through the tty, measured with
        # a client that adds nothing (three syscalls a call).  The libnl
        # client and the trivial-peer pty are in raw.
        self.record('2a netlink EXEC / raw pty write-read, same simulator '
                    f'(VM, median of {len(each)})',
                    ratio, 1.5, 'le', vraw,
                    note='in the QEMU VM (TCG), in rounds that take turns: '
                         'median of N/R EXEC("AT+i") from a C client of '
                         'three system calls through genl -> n_ichip -> pty '
                         '-> ichip-sim / median of N/R raw write/read of '
                         '"AT+i" on another pty to another ichip-sim; the '
                         'median of the R rounds\' ratios '
                         '(rounds_nl_lean_vs_sim_tty); vm_nl_vs_sim_tty is '
                         'the same with the selftests\' libnl client (N '
                         'calls, before the rounds), vm_nl_libnl_vs_pty the '
                         'libnl client against a trivial pty peer')
