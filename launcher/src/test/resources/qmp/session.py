#!/usr/bin/env python3
# blocklayer's QMP scenario, built on QEMU's qemu.qmp (python/ beside this file): run against qemu-storage-daemon
# (record-golden.sh) and against blocklayer (QmpClientsIT), which then compares the two transcripts.
#
# usage: session.py QMP_SOCKET DIR     (DIR holds raw.img, base.qcow2, top.qcow2; nbd.sock is made there)
#
# Prints one JSON object per line: {"step", "execute", "arguments", "reply"} with DIR written as @DIR@, and
# {"step", "event", "data"} for the events QEMU has (blocklayer's own BLOCK_NODE_* events are left out).
# Replies are normalized so that runs compare: generated node names (#blockNNN) become "#auto", event timestamps
# become their type, query-named-block-nodes is sorted by node, x-debug-query-block-graph's numeric ids are replaced
# by node names and its lists sorted.
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'python'))
from qemu.qmp.legacy import QEMUMonitorProtocol  # noqa: E402

QEMU_EVENTS = {'BLOCK_EXPORT_DELETED'}

socket, base = sys.argv[1], os.path.abspath(sys.argv[2])
qmp = QEMUMonitorProtocol(socket)
greeting = qmp.connect(negotiate=True)
step = 0


def norm(value):
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [norm(v) for v in value]
    if isinstance(value, str):
        if value.startswith('#block'):
            return '#auto'
        return value.replace(base, '@DIR@')
    return value


def graph(g):
    names = {n['id']: n['name'] for n in g['nodes']}
    nodes = sorted([n['type'], norm(n['name'])] for n in g['nodes'])
    edges = sorted([norm(names[e['parent']]), norm(names[e['child']]), e['name'],
                    sorted(e['perm']), sorted(e['shared-perm'])] for e in g['edges'])
    return {'nodes': nodes, 'edges': edges}


def emit(obj):
    print(json.dumps(obj, sort_keys=True), flush=True)


def run(execute, arguments=None, shape=None):
    global step
    step += 1
    reply = qmp.cmd(execute, arguments) if arguments is not None else qmp.cmd(execute)
    reply.pop('id', None)
    if 'return' in reply and shape:
        reply['return'] = shape(reply['return'])
    emit({'step': step, 'execute': execute, 'arguments': norm(arguments or {}), 'reply': norm(reply)})
    return reply


def event(name, wait):
    # Events QEMU does not have come too (blocklayer's BLOCK_NODE_*): skipped until the one expected.
    while True:
        e = qmp.pull_event(wait=wait)
        if e is None:
            raise SystemExit('no %s event within %s s' % (name, wait))
        if e['event'] in QEMU_EVENTS:
            emit({'step': step, 'event': e['event'], 'data': norm(e.get('data', {})),
                  'timestamp': {k: type(v).__name__ for k, v in e['timestamp'].items()}})
        if e['event'] == name:
            return


def by_node(nodes):
    return sorted(nodes, key=lambda n: (n['drv'], n['file'], n['node-name']))


emit({'step': 0, 'greeting': {'QMP': {'version': {'qemu': {k: type(v).__name__ for k, v in
                                                       greeting['QMP']['version']['qemu'].items()},
                                              'package': type(greeting['QMP']['version']['package']).__name__},
                                  'capabilities': type(greeting['QMP']['capabilities']).__name__}}})
run('query-version', shape=lambda v: {'qemu': {k: type(x).__name__ for k, x in v['qemu'].items()},
                                      'package': type(v['package']).__name__})
run('query-commands', shape=lambda cmds: sorted(c['name'] for c in cmds))
run('blockdev-add', {'driver': 'raw', 'node-name': 'disk0',
                     'file': {'driver': 'file', 'node-name': 'disk0-file', 'filename': base + '/raw.img'}})
run('blockdev-add', {'driver': 'qcow2', 'node-name': 'img0',
                     'file': {'driver': 'file', 'node-name': 'img0-file', 'filename': base + '/top.qcow2'}})
run('query-named-block-nodes', shape=by_node)
run('block_resize', {'node-name': 'disk0', 'size': 128 * 1024 * 1024})
run('query-named-block-nodes', shape=by_node)
run('object-add', {'qom-type': 'iothread', 'id': 'io0'})
run('x-blockdev-set-iothread', {'node-name': 'disk0', 'iothread': 'io0'})
run('nbd-server-start', {'addr': {'type': 'unix', 'data': {'path': base + '/nbd.sock'}}})
run('block-export-add', {'type': 'nbd', 'id': 'e0', 'node-name': 'disk0', 'writable': True})
run('query-block-exports')
run('x-debug-query-block-graph', shape=graph)
run('block-export-del', {'id': 'e0'})
event('BLOCK_EXPORT_DELETED', wait=10.0)
run('query-block-exports')
run('nbd-server-stop')
run('x-blockdev-set-iothread', {'node-name': 'disk0', 'iothread': None})
run('object-del', {'id': 'io0'})
# What goes wrong, and how each side says it.
run('blockdev-del', {'node-name': 'nosuch'})
run('blockdev-del', {'node-name': 'disk0-file'})
run('blockdev-add', {'driver': 'raw', 'node-name': 'x'})
run('blockdev-add', {'driver': 'raw', 'file': 'disk0-file'})
run('blockdev-add', {'driver': 'raw', 'node-name': 'disk0', 'file': 'img0-file'})
run('blockdev-add', {'driver': 'raw', 'node-name': 'x', 'read-only': 'yes', 'file': 'disk0-file'})
run('blockdev-add', {'driver': 'file', 'node-name': 'gone', 'filename': base + '/missing.img'})
run('block_resize', {'node-name': 5, 'size': 1})
run('block_resize', {'node-name': 'disk0', 'size': 1, 'extra': 1})
run('block_resize', {'node-name': 'nosuch', 'size': 1})
run('x-blockdev-set-iothread', {'node-name': 'disk0', 'iothread': 'io9'})
run('object-add', {'qom-type': 'iothread', 'id': 'io1'})
run('object-add', {'qom-type': 'iothread', 'id': 'io1'})
run('object-del', {'id': 'io1'})
run('object-del', {'id': 'io1'})
run('block-export-add', {'type': 'nbd', 'id': 'e1', 'node-name': 'disk0'})
run('block-export-del', {'id': 'e1'})
run('nbd-server-stop')
run('no-such-command')
run('blockdev-del', {'node-name': 'disk0'})
run('blockdev-del', {'node-name': 'img0'})
run('query-named-block-nodes', shape=by_node)
qmp.close()
