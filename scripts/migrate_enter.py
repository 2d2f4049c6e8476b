#!/usr/bin/env python3
"""One-off migration: `MaySleep::enter(|cx| …)` (now `unsafe`) to the safe
entry forms. Tests become `#[alloc_ctx::test]`; doctests run in a hidden
`#[may_sleep(entry)] fn main`. Inside, a whole-body `enter` is unwrapped and
any other becomes a closure called with the test's own `cx`. What it cannot
do safely is left for a person (the compiler lists it)."""
import re, sys

ENTER = re.compile(r'(?:::)?(?:alloc_ctx::)?MaySleep::enter\(')

def skip_literal(s, i):
    """If s[i] starts a string/char literal or comment, return index after it, else None."""
    c = s[i]
    if s.startswith('//', i):
        j = s.find('\n', i)
        return len(s) if j < 0 else j
    m = re.match(r'b?r(#*)"', s[i:])
    if m and (i == 0 or not (s[i-1].isalnum() or s[i-1] == '_')):
        hashes = m.group(1)
        end = s.find('"' + hashes, i + m.end())
        return end + 1 + len(hashes)
    if c == '"':
        j = i + 1
        while s[j] != '"':
            j += 2 if s[j] == '\\' else 1
        return j + 1
    if c == "'":
        m = re.match(r"'(\\.|\\u\{[0-9a-fA-F]+\}|[^\\'])'", s[i:])
        if m:
            return i + m.end()
    return None

def match_paren(s, i):
    """s[i] == '(' ; return index of matching ')'."""
    depth = 0
    j = i
    while j < len(s):
        k = skip_literal(s, j)
        if k is not None:
            j = k
            continue
        if s[j] in '([{':
            depth += 1
        elif s[j] in ')]}':
            depth -= 1
            if depth == 0:
                return j
        j += 1
    raise ValueError('unbalanced')

CLOSURE = re.compile(r'\s*(move\s+)?\|\s*(_|\w+)\s*(?::\s*&mut\s+[\w:]*MaySleep\s*)?\|\s*')

def iife(arg):
    m = CLOSURE.match(arg)
    if not m:
        return None
    name = m.group(2)
    body = arg[m.end():].strip()
    if name in ('cx', '_') and not has_early_exit(body):
        if body.startswith('{') and match_paren(body, 0) == len(body) - 1:
            return body
        return '(' + body + ')' if not re.fullmatch(r'[\w.:]+(\(.*\))?', body, re.S) else body
    return '(|' + name + ': &mut alloc_ctx::MaySleep| ' + arg[m.end():] + ')(cx)'

def has_early_exit(body):
    # `?` or `return` directly in this closure (nested closures count too: conservative).
    t = re.sub(r'"(\\.|[^"\\])*"', '""', body)
    return bool(re.search(r'\?|\breturn\b', t))

def rewrite_enters(s):
    """Replace every `MaySleep::enter(ARG)` by an IIFE with the outer `cx`."""
    out = []
    i = 0
    while True:
        m = ENTER.search(s, i)
        if not m:
            out.append(s[i:])
            return ''.join(out)
        open_i = m.end() - 1
        close = match_paren(s, open_i)
        if s[:m.start()].rstrip().endswith('unsafe {'):
            # A deliberate `unsafe` call (glue, or a test of the run-time
            # check): left as it is.
            out.append(s[i:close + 1])
            i = close + 1
            continue
        arg = rewrite_enters(s[open_i + 1:close])
        rep = iife(arg)
        out.append(s[i:m.start()])
        out.append(rep if rep is not None else s[m.start():close + 1])
        i = close + 1

def unwrap_whole(body):
    """body is the inside of a fn's braces. If it is exactly one
    `MaySleep::enter(|cx| { S });` with no early exit, return S."""
    st = body.strip()
    m = ENTER.match(st)
    if not m:
        return None
    close = match_paren(st, m.end() - 1)
    rest = st[close + 1:].strip()
    if rest not in (';', ''):
        return None
    arg = st[m.end():close]
    cm = CLOSURE.match(arg)
    if not cm:
        return None
    inner = arg[cm.end():].strip()
    if not (inner.startswith('{') and inner.endswith('}')):
        return None
    if match_paren(inner, 0) != len(inner) - 1:
        return None
    s = inner[1:-1]
    if has_early_exit(s):
        return None
    tail = s.rstrip()
    if tail and tail[-1] not in ';}':
        return None
    if cm.group(2) not in ('cx', '_'):
        return None
    return s

def migrate_source(src):
    """Tests: `#[test] fn …` whose body uses `MaySleep::enter`."""
    out = []
    i = 0
    pat = re.compile(r'#\[test\](\s*(?:#\[[^\]]*\]\s*|///[^\n]*\n\s*)*)(?:pub\s+)?fn\s+\w+\s*\(\s*\)\s*(->[^{]*)?\{')
    while True:
        m = pat.search(src, i)
        if not m:
            out.append(src[i:])
            break
        open_b = m.end() - 1
        close_b = match_paren(src, open_b)
        body = src[open_b + 1:close_b]
        if not ENTER.search(body):
            out.append(src[i:close_b + 1])
            i = close_b + 1
            continue
        header = src[m.start():open_b + 1].replace('#[test]', '#[alloc_ctx::test]', 1)
        inner = unwrap_whole(body)
        if inner is not None:
            new_body = rewrite_enters(dedent_one(inner))
        else:
            new_body = rewrite_enters(body)
        out.append(src[i:m.start()] + header + new_body + '}')
        i = close_b + 1
    return ''.join(out)

def dedent_one(s):
    lines = s.split('\n')
    return '\n'.join(l[4:] if l.startswith('    ') else l for l in lines)

DOC = re.compile(r'^(\s*)(///|//!)( ?)(.*)$')

def migrate_doc_code(code_lines):
    """code_lines: the lines of one doctest (without the comment prefix)."""
    code = '\n'.join(code_lines)
    if not ENTER.search(code) or re.search(r'\bfn main\b', code):
        return None
    ret = ''
    last = code_lines[-1].strip() if code_lines else ''
    m = re.match(r'^#\s*Ok::<\s*(_|\(\))\s*,\s*(.+)>\(\(\)\)\s*;?$', last)
    if m:
        ret = ' -> Result<(), ' + m.group(2) + '>'
    # Unwrap a single top-level statement `MaySleep::enter(|cx| { … });`.
    st_lines = code_lines
    new = None
    starts = [k for k, l in enumerate(st_lines) if ENTER.match(l.lstrip('# ').strip()) and l == l.lstrip()]
    if len(starts) == 1:
        k = starts[0]
        text = '\n'.join(st_lines[k:])
        mm = ENTER.search(text)
        close = match_paren(text, mm.end() - 1)
        after = text[close + 1:]
        end_line = after.split('\n', 1)[0].strip()
        if end_line == ';':
            inner = unwrap_whole(text[:close + 1] + ';')
            if inner is not None:
                body_lines = dedent_one(inner).strip('\n').split('\n')
                rest = after.split('\n', 1)[1] if '\n' in after else ''
                new_lines = st_lines[:k] + body_lines + (rest.split('\n') if rest else [])
                new = '\n'.join(new_lines)
    if new is None:
        new = rewrite_enters(code)
    lines = new.split('\n')
    return ['# #[alloc_ctx::may_sleep(entry)] fn main()' + ret + ' {'] + lines + ['# }']

def migrate_docs(src):
    lines = src.split('\n')
    out = []
    i = 0
    while i < len(lines):
        m = DOC.match(lines[i])
        if m and m.group(4).startswith('```') and m.group(4).strip() not in ('```text', '```sh', '```toml', '```console'):
            indent, marker, sp = m.group(1), m.group(2), m.group(3)
            fence = m.group(4)
            if any(x in fence for x in ('text', 'sh', 'toml')):
                out.append(lines[i]); i += 1; continue
            j = i + 1
            code = []
            while j < len(lines):
                mj = DOC.match(lines[j])
                if not mj:
                    break
                if mj.group(4).startswith('```'):
                    break
                code.append(mj.group(4) if mj.group(3) else mj.group(4))
                j += 1
            new = migrate_doc_code(code)
            out.append(lines[i])
            if new is None:
                out.extend(lines[i + 1:j])
            else:
                for l in new:
                    out.append((indent + marker + ' ' + l).rstrip() if l else indent + marker)
            i = j
            continue
        out.append(lines[i])
        i += 1
    return '\n'.join(out)

def migrate_markdown(src):
    lines = src.split('\n')
    out = []
    i = 0
    while i < len(lines):
        l = lines[i]
        if l.startswith('```rust') and 'ignore' not in l:
            j = i + 1
            while not lines[j].startswith('```'):
                j += 1
            new = migrate_doc_code(lines[i + 1:j])
            out.append(l)
            out.extend(new if new is not None else lines[i + 1:j])
            i = j
            continue
        out.append(l)
        i += 1
    return '\n'.join(out)

if __name__ == '__main__':
    for path in sys.argv[1:]:
        src = open(path).read()
        if path.endswith('.md'):
            new = migrate_markdown(src)
        else:
            new = migrate_docs(src)
            new = migrate_source(new)
        if new != src:
            open(path, 'w').write(new)
            print('migrated', path)
