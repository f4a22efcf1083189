# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""python3-dbusmock's polkitd template, plus challenges and a call log.

Loaded with `python3 -m dbusmock --system --template THIS_FILE`.  The
stock template (dbusmock.templates.polkitd) gives allowed/denied per
action (SetAllowed, AllowUnknown) and held replies (SimulateHangActions,
ReleaseHangingCalls); it never answers with a challenge.  Here
CheckAuthorization also knows "challenge" actions (SetChallenge): what
polkit answers for an auth_admin action.  Without the AllowUserInteraction
flag that is (authorized=false, challenge=true); with it, polkit would ask
the caller's authentication agent, whose answer SetAgentAnswer sets.
Every check is logged (GetChecks) so tests see the subject and flags.
"""

import dbus

# the stock template: its methods, properties and load()
from dbusmock.templates.polkitd import *   # noqa: F401,F403
from dbusmock.templates import polkitd as _stock
from dbusmock import MOCK_IFACE

ALLOW_USER_INTERACTION = 1


def load(mock, parameters):
    _stock.load(mock, parameters)
    mock.challenge = []
    mock.agent_answer = True
    mock.checks = []


@dbus.service.method(_stock.MAIN_IFACE,
                     in_signature='(sa{sv})sa{ss}us',
                     out_signature='(bba{ss})',
                     async_callbacks=('ok_cb', '_err_cb'))
def CheckAuthorization(self, subject, action_id, _details, flags,
                       _cancellation_id, ok_cb, _err_cb):
    name = str(subject[1].get('name', ''))
    self.checks.append((str(subject[0]), name, str(action_id), int(flags)))
    if action_id in self.challenge:
        if flags & ALLOW_USER_INTERACTION:
            ret = (bool(self.agent_answer), False, {})
        else:
            ret = (False, True, {})
    else:
        ret = (action_id in self.allowed or self.allow_unknown, False, {})
    if self.simulate_hang or action_id in self.hanging_actions:
        self.hanging_calls.append((ok_cb, ret))
    else:
        ok_cb(ret)


@dbus.service.method(MOCK_IFACE, in_signature='as', out_signature='')
def SetChallenge(self, actions):
    '''Actions answered as auth_admin would be (a challenge)'''
    self.challenge = [str(a) for a in actions]


@dbus.service.method(MOCK_IFACE, in_signature='b', out_signature='')
def SetAgentAnswer(self, answer):
    '''What the authentication agent answers to an interactive challenge'''
    self.agent_answer = bool(answer)


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='a(sssu)')
def GetChecks(self):
    '''Every CheckAuthorization so far: subject kind, name, action, flags'''
    return dbus.Array(self.checks, signature='(sssu)')
