# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""A D-Bus client of ichipd for the tests (dbus-python + GLib main loop).

Method calls are blocking with explicit signatures, so the tests send
exactly the types they mean (and can send wrong ones on purpose).  Signals
(Session1.Closed, ObjectManager.InterfacesRemoved, PropertiesChanged) are
recorded from the moment the client connects, so a signal emitted before
a test looks for it is never missed; pump() lets the main loop deliver
them.  dbus-python needs python3-gi for its GLib main loop integration.
"""

import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

BUS_NAME = 'org.ichip'
MANAGER_PATH = '/org/ichip'
MANAGER = 'org.ichip.Manager1'
DEVICE = 'org.ichip.Device1'
SESSION = 'org.ichip.Session1'
PROPS = 'org.freedesktop.DBus.Properties'
OBJMGR = 'org.freedesktop.DBus.ObjectManager'
ERROR_PREFIX = 'org.ichip.Error.'
CALL_TIMEOUT = 60       # seconds; TLS handshakes through the module are slow

# Closed(s reason) values the contract names.
CLOSE_REASONS = {'closed', 'app-closed', 'peer-closed', 'truncated',
                 'device-lost', 'module-reset', 'timeout', 'tls-error',
                 'module-error', 'idle-timeout', 'worker-crashed',
                 'line-errors'}


def pump(seconds=0.0):
    """Run the GLib main loop for about `seconds` (delivers signals)."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + seconds
    while True:
        while ctx.iteration(False):
            pass
        if time.monotonic() >= deadline:
            return
        time.sleep(min(0.01, max(0.0, deadline - time.monotonic())))


def error_name(exc):
    return exc.get_dbus_name() if isinstance(exc, dbus.DBusException) else ''


def options(**kw):
    """An a{sv} from keyword arguments; '_' in names becomes '-'."""
    return dbus.Dictionary({k.replace('_', '-'): v for k, v in kw.items()},
                           signature='sv')


class Client:
    """One connection to the private bus, with signal recorders."""

    def __init__(self, address):
        self.bus = dbus.bus.BusConnection(address)
        self.closed = {}            # session path -> [reasons]
        self.removed = []           # (path, [interfaces])
        self.changed = []           # (path, interface, {props})
        self._watch('Closed', SESSION, self._on_closed)
        self._watch('InterfacesRemoved', OBJMGR, self._on_removed)
        self._watch('PropertiesChanged', PROPS, self._on_changed)

    def _watch(self, member, interface, handler):
        self.bus.add_signal_receiver(handler, signal_name=member,
                                     dbus_interface=interface,
                                     path_keyword='path')

    def _on_closed(self, reason, path):
        self.closed.setdefault(str(path), []).append(str(reason))

    def _on_removed(self, obj, interfaces, path):
        self.removed.append((str(obj), [str(i) for i in interfaces]))

    def _on_changed(self, interface, props, invalidated, path):
        self.changed.append((str(path), str(interface), dict(props)))

    def close(self):
        self.bus.close()

    # ---- calls ----

    def call(self, path, interface, method, *args, signature=None,
             timeout=CALL_TIMEOUT):
        """A blocking method call on org.ichip; byte arrays come as bytes."""
        obj = self.bus.get_object(BUS_NAME, path, introspect=False)
        return obj.get_dbus_method(method, interface)(
            *args, signature=signature, timeout=timeout, byte_arrays=True)

    def prop(self, path, interface, name):
        return self.call(path, PROPS, 'Get', interface, name,
                         signature='ss')

    def props(self, path, interface):
        return self.call(path, PROPS, 'GetAll', interface, signature='s')

    def introspect(self, path):
        return str(self.call(path, 'org.freedesktop.DBus.Introspectable',
                             'Introspect', signature=''))

    def name_has_owner(self):
        dbus_obj = self.bus.get_object('org.freedesktop.DBus',
                                       '/org/freedesktop/DBus')
        return bool(dbus_obj.NameHasOwner(
            BUS_NAME, dbus_interface='org.freedesktop.DBus'))

    # ---- Manager1 / Device1 / Session1 helpers ----

    def devices(self):
        return [str(p) for p in self.call(MANAGER_PATH, MANAGER,
                                          'GetDevices', signature='')]

    def set_ca(self, dev, cert_bytes, **opts):
        return self.call(dev, DEVICE, 'SetCA', dbus.ByteArray(cert_bytes),
                         options(**opts), signature='aya{sv}')

    def get_ca(self, dev):
        return bytes(self.call(dev, DEVICE, 'GetCA', signature=''))

    def open_session(self, dev, host, port, timeout=CALL_TIMEOUT, **opts):
        """OpenSession; returns (session path, socket object)."""
        import socket
        path, fd = self.call(dev, DEVICE, 'OpenSession', host,
                             dbus.UInt16(port), options(**opts),
                             signature='sqa{sv}', timeout=timeout)
        return str(path), socket.socket(fileno=fd.take())

    def wait_closed(self, path, timeout=30):
        """The reason of the first Closed signal of `path`."""
        deadline = time.monotonic() + timeout
        while path not in self.closed:
            if time.monotonic() > deadline:
                raise TimeoutError(f'no Closed signal from {path} within '
                                   f'{timeout} s')
            pump(0.02)
        return self.closed[path][0]


def recv_exactly(sock, n, timeout=30):
    """n bytes from a session socket, or fewer if it ends first: one
    recv() may return any part of what the peer sent."""
    sock.settimeout(timeout)
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(min(65536, n - len(data)))
        if not chunk:
            break
        data += chunk
    return bytes(data)
