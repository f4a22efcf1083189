#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""watch.py: print org.ichip's ObjectManager and Session1 signals, one a line.

  added PATH IFACE...      InterfacesAdded
  removed PATH IFACE...    InterfacesRemoved
  closed PATH REASON       Session1.Closed
Runs as the calling user on the system bus until killed.
"""
import sys
import dbus
import dbus.mainloop.glib
from gi.repository import GLib


def out(*words):
    print(*words, flush=True)


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    bus.add_signal_receiver(
        lambda path, ifaces: out('added', path, *sorted(ifaces.keys())),
        signal_name='InterfacesAdded', bus_name='org.ichip',
        dbus_interface='org.freedesktop.DBus.ObjectManager')
    bus.add_signal_receiver(
        lambda path, ifaces: out('removed', path, *sorted(ifaces)),
        signal_name='InterfacesRemoved', bus_name='org.ichip',
        dbus_interface='org.freedesktop.DBus.ObjectManager')
    bus.add_signal_receiver(
        lambda reason, path=None: out('closed', path, reason),
        signal_name='Closed', bus_name='org.ichip',
        dbus_interface='org.ichip.Session1', path_keyword='path')
    out('watching')
    GLib.MainLoop().run()


if __name__ == '__main__':
    sys.exit(main())
