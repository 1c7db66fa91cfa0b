#!/usr/bin/env python3
"""Writes the libFuzzer dictionaries of tests/fuzz/ from proto/enforcement/v1/*.proto.

ndjson.dict (ndjson and import_json targets): field names as JSON keys, in
lowerCamelCase and as written in the .proto, enum values by name, then a
fixed list of JSON / proto3-JSON / UTF-8 tokens.
csv.dict (csv target): the mapping keywords, the field paths of Event (as a
mapping names them, a few levels deep), enum values and CSV tokens.
Run it after changing the proto: `python3 tests/fuzz/make_dict.py`.
"""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TOKENS = [
    b'{', b'}', b'[', b']', b':', b',', b'null', b'true', b'false', b'""', b'"0"', b'"-1"',
    b'0', b'-1', b'1e3', b'1.5', b'-0', b'"9223372036854775807"', b'"-9223372036854775808"',
    b'"9223372036854775808"', b'18446744073709551616',
    b'"1970-01-01T00:00:00Z"', b'"2024-03-01T00:00:00Z"', b'"2024-03-01T00:00:00.000000001Z"',
    b'"0001-01-01T00:00:00Z"', b'"9999-12-31T23:59:59.999999999Z"', b'"1899-12-31T23:59:59Z"',
    b'"2024-03-01T00:00:00+08:00"', b'"2024-02-29T00:00:00Z"',
    b'\\u0000', b'\\u001f', b'\\u007f', b'\\u0085', b'\\ud800', b'\\udc00', b'\\ud83d\\ude00',
    b'\\"', b'\\\\', b'\\n', b'\\/',
    b'"CN"', b'"MM"', b'"LA"', b'"TH"', b'"XX"', b'"cn"', b'"CNY"', b'"USD"', b'"XXX"',
    b'"operation/', b'"suspect/', b'"case/', b'"handover/', b'"figure/', b'"@type"',
    b'\xc2\x85', b'\xed\xa0\x80', b'\xf4\x90\x80\x80', b'\xc0\x80', b'\xef\xbb\xbf',
    b' ', b'\t', b'\r',
]


def quote(token: bytes) -> str:
    out = []
    for c in token:
        if c == 0x22:
            out.append('\\"')
        elif c == 0x5C:
            out.append('\\\\')
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append('\\x%02X' % c)
    return '"' + ''.join(out) + '"'


def camel(name: str) -> str:
    parts = name.split('_')
    return parts[0] + ''.join(p[:1].upper() + p[1:] for p in parts[1:])


CSV_TOKENS = [
    b'\n%%\n', b' = column ', b' = const ', b' = template ', b' = list ', b' = date ',
    b'ignore ', b'date_format ', b' exact', b' day', b' month', b' year', b'%d/%m/%Y', b'%Y',
    b'{', b'}', b'[0]', b'[1]', b'[CN]', b'#', b',', b'"', b'""', b'\r\n', b';',
    b'\xef\xbb\xbf', b'2024', b'2024-02', b'2024-02-29', b'2024-03-01T00:00:00Z', b'yes', b'no',
    b'-1', b'9223372036854775807', b'9223372036854775808', b'CN', b'MM', b'CNY',
]


def messages(text: str) -> dict:
    """message name -> [(type, field name, label)] (label: '', 'repeated' or 'map')."""
    out = {}
    for m in re.finditer(r'^message (\w+) \{(.*?)^\}', text, re.M | re.S):
        fields = []
        for f in re.finditer(r'^\s*(repeated\s+)?(map<[^>]+>|[\w.]+)\s+(\w+)\s*=\s*\d+;',
                             m.group(2), re.M):
            label = 'map' if f.group(2).startswith('map<') else ('repeated' if f.group(1) else '')
            fields.append((f.group(2), f.group(3), label))
        out[m.group(1)] = fields
    return out


def field_paths(msgs: dict, name: str, prefix: str, depth: int, out: list) -> None:
    for ftype, fname, label in msgs.get(name, []):
        if label == 'map':
            out.append(prefix + fname + '[CN]')
        elif ftype in msgs and depth > 0:
            step = fname + ('[0]' if label == 'repeated' else '')
            field_paths(msgs, ftype, prefix + step + '.', depth - 1, out)
        else:
            out.append(prefix + fname)


def main() -> None:
    text = ''.join(open(p).read() for p in sorted(glob.glob(
        os.path.join(ROOT, 'proto/enforcement/v1/*.proto'))))
    fields = sorted(set(re.findall(
        r'^\s*(?:repeated\s+)?(?:map<[^>]+>|[\w.]+)\s+(\w+)\s*=\s*\d+;', text, re.M)))
    enums = sorted(set(re.findall(r'^\s*([A-Z][A-Z0-9_]+)\s*=\s*\d+;', text, re.M)))
    seen = set()
    lines = ['# libFuzzer dictionary of tests/fuzz/ndjson_fuzzer.cc, written by',
             '# tests/fuzz/make_dict.py from proto/enforcement/v1/*.proto. Do not edit.']

    def add(token: bytes) -> None:
        if token not in seen:
            seen.add(token)
            lines.append(quote(token))

    lines.append('# field names')
    for f in fields:
        add(('"%s":' % camel(f)).encode())
        add(('"%s":' % f).encode())
    lines.append('# enum values')
    for e in enums:
        add(('"%s"' % e).encode())
    lines.append('# JSON, proto3 JSON and UTF-8 tokens')
    for t in TOKENS:
        add(t)
    with open(os.path.join(ROOT, 'tests/fuzz/ndjson.dict'), 'w', newline='\n') as f:
        f.write('\n'.join(lines) + '\n')

    paths = []
    field_paths(messages(text), 'Event', '', 3, paths)
    seen.clear()
    lines = ['# libFuzzer dictionary of tests/fuzz/csv_fuzzer.cc, written by',
             '# tests/fuzz/make_dict.py from proto/enforcement/v1/*.proto. Do not edit.',
             '# field paths']
    for p in paths:
        add(p.encode())
    lines.append('# enum values')
    for e in enums:
        add(e.encode())
    lines.append('# mapping and CSV tokens')
    for t in CSV_TOKENS:
        add(t)
    with open(os.path.join(ROOT, 'tests/fuzz/csv.dict'), 'w', newline='\n') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
