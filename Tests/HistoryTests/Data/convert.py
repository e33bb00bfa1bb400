#!/usr/bin/env python3
"""Converts porcupine's test data (github.com/anishathalye/porcupine, test_data/) into
Classroom's JSON-lines history format. Run from a porcupine checkout:

    python3 convert.py PORCUPINE_CHECKOUT OUTPUT_FOLDER

Verdicts come from porcupine_test.go (checkJepsen / checkKv calls) and go into the file names.
"""
import json, os, re, sys

def etcd_events(text):
    # Jepsen's etcd register logs: "INFO  jepsen.util - 3	:invoke	:cas	[1 4]"
    line_re = re.compile(r'^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*)$')
    out = []
    for raw in text.splitlines():
        m = line_re.match(raw.strip())
        if not m:
            raise ValueError("unrecognised line: " + raw)
        process, type_, f, rest = int(m[1]), m[2], m[3], m[4].strip()
        if rest == ':timed-out':
            value = None           # a timed-out write or cas is info; a timed-out read, fail
        elif rest == 'nil':
            value = None
        elif rest.startswith('['):
            value = [int(x) for x in rest.strip('[]').split()]
        else:
            value = int(rest)
        out.append({"process": process, "type": type_, "f": f, "value": value})
    return out

def kv_events(text):
    # Knossos-style EDN maps: {:process 0, :type :invoke, :f :get, :key "7", :value nil}
    line_re = re.compile(r'^\{:process (\d+), :type :(\w+), :f :(\w+), :key "([^"]*)", :value (nil|"[^"]*")\}$')
    out = []
    for raw in text.splitlines():
        m = line_re.match(raw.strip())
        if not m:
            raise ValueError("unrecognised line: " + raw)
        value = None if m[5] == 'nil' else m[5][1:-1]
        out.append({"process": int(m[1]), "type": m[2], "f": m[3], "key": m[4], "value": value})
    return out

def write(path, events):
    with open(path, 'w') as f:
        for e in events:
            f.write(json.dumps(e, separators=(',', ':')) + '\n')

def main(src, dst):
    tests = open(os.path.join(src, 'porcupine_test.go')).read()
    os.makedirs(os.path.join(dst, 'etcd'), exist_ok=True)
    os.makedirs(os.path.join(dst, 'kv'), exist_ok=True)
    for number, verdict in re.findall(r'checkJepsen\(t, (\d+), (true|false)\)', tests):
        name = 'etcd_%03d' % int(number)
        events = etcd_events(open(os.path.join(src, 'test_data/jepsen', name + '.log')).read())
        write(os.path.join(dst, 'etcd', '%s-%s.jsonl' % (name, 'ok' if verdict == 'true' else 'bad')), events)
    for name, verdict in re.findall(r'checkKv\(t, "(c\d+-\w+)", (true|false), true\)', tests):
        events = kv_events(open(os.path.join(src, 'test_data/kv', name + '.txt')).read())
        write(os.path.join(dst, 'kv', name + '.jsonl'), events)

if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
