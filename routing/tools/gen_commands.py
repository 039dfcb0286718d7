#!/usr/bin/env python3
"""Regenerates routing/src/main/resources/io/respproxy/routing/commands.txt.

Usage:  routing/tools/gen_commands.py [--host 127.0.0.1] [--port 6379] [--out PATH]

Reads COMMAND INFO and COMMAND DOCS from a running redis-server (RESP2, no auth; start a throwaway
one: redis-server --port 16391 --bind 127.0.0.1 --save ''), then applies
routing/tools/extra-commands.txt: hand-written lines, in the same format, for commands newer than
the server (Redis 7.2 / 7.4 / 8.0), each with its source noted in a comment. An extra line replaces
a generated line of the same name, so the extras file also fixes known server facts on purpose.
Uses only the Python 3 standard library (raw RESP over a socket), so it runs anywhere.

Output format (also written as the file's header): one command per line, fields separated by one
space, sorted by name, container commands before their subcommands:

  name arity flags acl tips group since keyspec...

  name     lower case; a subcommand is container|sub, e.g. config|get (Redis's own notation)
  arity    Redis arity: N = exactly N args incl. the name, -N = at least N
  flags    command flags, comma-separated (write,denyoom,fast...), '-' when none
  acl      ACL categories without '@', comma-separated, '-' when none
  tips     command tips (request_policy:all_shards,...), comma-separated, '-' when none
  group    COMMAND DOCS group (string, stream, server, ...), '-' when unknown
  since    COMMAND DOCS since (e.g. 7.4.0), '-' when unknown
  keyspec  zero or more, in key-spec order: FLAGS/BEGIN/FIND
           FLAGS  key-spec flags, comma-separated (RW,access,update), '-' when none
           BEGIN  i<index>                 begin_search index
                  k<keyword>@<startfrom>   begin_search keyword (startfrom < 0: search backwards)
                  unknown
           FIND   r<lastkey>,<keystep>,<limit>        find_keys range
                  n<keynumidx>,<firstkey>,<keystep>   find_keys keynum
                  unknown
"""
import argparse
import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, '..', 'src', 'main', 'resources', 'io', 'respproxy', 'routing', 'commands.txt')
EXTRAS = os.path.join(HERE, 'extra-commands.txt')


class Resp:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b''

    def _line(self):
        while b'\r\n' not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError('connection closed')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError('connection closed')
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b'+':
            return rest.decode()
        if kind == b'-':
            raise RuntimeError(rest.decode())
        if kind == b':':
            return int(rest)
        if kind == b'$':
            n = int(rest)
            return None if n < 0 else self._exact(n).decode()
        if kind == b'*':
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError('unexpected RESP type %r' % kind)

    def call(self, *args):
        out = b'*%d\r\n' % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b'$%d\r\n%s\r\n' % (len(a), a)
        self.sock.sendall(out)
        return self.read()


def pairs(flat):
    """RESP2 map (flat list k1 v1 k2 v2) -> dict."""
    return {flat[i]: flat[i + 1] for i in range(0, len(flat or []), 2)}


def keyspec(spec):
    s = pairs(spec)
    flags = ','.join(s.get('flags') or []) or '-'
    bs = pairs(s['begin_search'])
    bspec = pairs(bs.get('spec') or [])
    if bs['type'] == 'index':
        begin = 'i%d' % bspec['index']
    elif bs['type'] == 'keyword':
        begin = 'k%s@%d' % (bspec['keyword'], bspec['startfrom'])
    else:
        begin = 'unknown'
    fk = pairs(s['find_keys'])
    fspec = pairs(fk.get('spec') or [])
    if fk['type'] == 'range':
        find = 'r%d,%d,%d' % (fspec['lastkey'], fspec['keystep'], fspec['limit'])
    elif fk['type'] == 'keynum':
        find = 'n%d,%d,%d' % (fspec['keynumidx'], fspec['firstkey'], fspec['keystep'])
    else:
        find = 'unknown'
    return '%s/%s/%s' % (flags, begin, find)


def line_of(info, docs):
    # COMMAND INFO entry: name arity flags first last step acl tips keyspecs subcommands
    name = info[0].lower()
    doc = docs.get(name, {})
    fields = [name, str(info[1]),
              ','.join(f.lower() for f in info[2]) or '-',
              ','.join(a.lstrip('@').lower() for a in info[6]) or '-',
              ','.join(t.lower() for t in info[7]) or '-',
              doc.get('group') or '-',
              doc.get('since') or '-']
    fields += [keyspec(k) for k in info[8]]
    return name, ' '.join(fields)


def collect_docs(flat, parent=None, out=None):
    out = {} if out is None else out
    d = pairs(flat)
    for name, body in d.items():
        b = pairs(body)
        full = name.lower()
        out[full] = {'group': b.get('group'), 'since': b.get('since')}
        if b.get('subcommands'):
            collect_docs(b['subcommands'], full, out)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=6379)
    ap.add_argument('--out', default=DEFAULT_OUT)
    a = ap.parse_args()

    r = Resp(a.host, a.port)
    version = next(l.split(':', 1)[1] for l in r.call('INFO', 'server').splitlines()
                   if l.startswith('redis_version:'))
    docs = collect_docs(r.call('COMMAND', 'DOCS'))
    lines = {}
    for info in r.call('COMMAND', 'INFO'):
        if info is None:
            continue
        name, line = line_of(info, docs)
        lines[name] = line
        for sub in info[9] or []:
            sname, sline = line_of(sub, docs)
            lines[sname] = sline

    extras = 0
    with open(EXTRAS) as f:
        for raw in f:
            raw = raw.strip()
            if not raw or raw.startswith('#'):
                continue
            lines[raw.split(' ', 1)[0]] = raw
            extras += 1

    header = [l for l in ('Format' + __doc__.split('Output format', 1)[1]).splitlines() if l.strip()]
    with open(a.out, 'w') as f:
        f.write('# respproxy command table: every Redis command and subcommand with its routing facts.\n')
        f.write('# GENERATED by routing/tools/gen_commands.py from redis-server %s COMMAND INFO/DOCS\n' % version)
        f.write('# plus %d hand-written lines from routing/tools/extra-commands.txt (newer Redis, sources noted there).\n' % extras)
        f.write('# Do not edit: edit the extras file and regenerate.\n#\n')
        for l in header:
            f.write('# ' + l.rstrip() + '\n')
        for name in sorted(lines):
            f.write(lines[name] + '\n')
    print('wrote %d commands (%d from extras) from redis %s to %s' % (len(lines), extras, version, a.out),
          file=sys.stderr)


if __name__ == '__main__':
    main()
