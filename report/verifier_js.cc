// The dossier's in-page verifier (docs/REPORT.md "How the page checks
// itself"). Modelled on tools/verify_export.py: the same RFC 6962 hashing,
// the same RFC 9162 §2.1.3.2 inclusion check, the same C2SP signed-note and
// checkpoint parsing. It reads the JSON block #ledger-proofs, checks every
// embedded proof against the checkpoint's root, checks the checkpoint's
// Ed25519 signature with the embedded verifier key where the browser's
// WebCrypto has Ed25519, and writes its results into the DOM
// (data-verified on each event row, data-status on #verify-banner,
// data-verify-done on <body>).
#include "report/verifier_js.h"

namespace report {

const char* VerifierScript() {
  return R"JS(
(function () {
  'use strict';
  var banner = document.getElementById('verify-banner');
  var sigOut = document.getElementById('signature-status');
  function setBanner(status, text) {
    banner.setAttribute('data-status', status);
    banner.className = 'banner ' + status;
    banner.textContent = text;
  }
  function finish() { document.body.setAttribute('data-verify-done', 'true'); }
  function b64d(s) {
    if (typeof s !== 'string' || !/^[A-Za-z0-9+\/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
      throw new Error('not base64: ' + String(s).slice(0, 40));
    }
    var bin = atob(s), u = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    return u;
  }
  function b64e(u) {
    var s = '';
    for (var i = 0; i < u.length; i++) s += String.fromCharCode(u[i]);
    return btoa(s);
  }
  function cat() {
    var n = 0, i, parts = arguments;
    for (i = 0; i < parts.length; i++) n += parts[i].length;
    var out = new Uint8Array(n), off = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], off); off += parts[i].length; }
    return out;
  }
  function eq(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function hex(u) {
    var s = '';
    for (var i = 0; i < u.length; i++) s += (u[i] < 16 ? '0' : '') + u[i].toString(16);
    return s;
  }
  async function sha256(u) { return new Uint8Array(await crypto.subtle.digest('SHA-256', u)); }
  // RFC 6962 §2.1: leaf = SHA-256(0x00 || record), node = SHA-256(0x01 || l || r).
  function leafHash(rec) { return sha256(cat(new Uint8Array([0]), rec)); }
  function nodeHash(l, r) { return sha256(cat(new Uint8Array([1]), l, r)); }
  // RFC 9162 §2.1.3.2, returning the computed root.
  async function rootFromInclusion(idx, size, lh, path) {
    if (idx >= size) throw new Error('leaf index ' + idx + ' is not below tree size ' + size);
    var fn = idx, sn = size - 1n, r = lh;
    for (var i = 0; i < path.length; i++) {
      if (sn === 0n) throw new Error('inclusion proof has too many hashes');
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(path[i], r);
        if ((fn & 1n) === 0n) {
          while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
        }
      } else {
        r = await nodeHash(r, path[i]);
      }
      fn >>= 1n; sn >>= 1n;
    }
    if (sn !== 0n) throw new Error('inclusion proof has too few hashes');
    return r;
  }
  // C2SP signed note: text (ending in \n), a blank line, signature lines
  // "\u2014 <name> <base64(key hash || signature)>".
  function parseNote(note) {
    var cut = note.lastIndexOf('\n\n');
    if (cut < 0 || note[note.length - 1] !== '\n') throw new Error('malformed note');
    var text = note.slice(0, cut + 1);
    var sigs = note.slice(cut + 2).split('\n').filter(function (l) { return l !== ''; }).map(function (l) {
      if (l.indexOf('\u2014 ') !== 0) throw new Error('malformed signature line');
      var rest = l.slice(2), sp = rest.lastIndexOf(' ');
      return { name: rest.slice(0, sp), sig: b64d(rest.slice(sp + 1)) };
    });
    // c2sp.org/tlog-checkpoint: origin, size, base64 root, extension lines.
    var lines = text.split('\n');
    if (lines.length < 4) throw new Error('checkpoint text has fewer than three lines');
    if (!/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error('checkpoint size is not decimal');
    var root = b64d(lines[2]);
    if (root.length !== 32 || b64e(root) !== lines[2]) throw new Error('checkpoint root is not a 32-byte hash');
    return { text: text, origin: lines[0], size: BigInt(lines[1]), root: root, sigs: sigs };
  }
  async function checkSignature(cp, key) {
    if (!key) return { status: 'unchecked', text: 'signature not checked: no verifier key was given to ledger report (--key)' };
    // <name>+<hash>+<base64 key>: the name has no '+', the base64 may.
    var p1 = key.indexOf('+'), p2 = p1 < 0 ? -1 : key.indexOf('+', p1 + 1);
    var parts = p2 < 0 ? [] : [key.slice(0, p1), key.slice(p1 + 1, p2), key.slice(p2 + 1)];
    if (parts.length !== 3 || !/^[0-9a-f]{8}$/.test(parts[1])) return { status: 'failed', text: 'malformed verifier key' };
    var algKey = b64d(parts[2]);
    if (algKey.length !== 33 || algKey[0] !== 1) return { status: 'failed', text: 'not an Ed25519 verifier key' };
    var name = new TextEncoder().encode(parts[0]);
    // key hash = SHA-256(name || 0x0A || 0x01 || public key)[:4]
    var id = (await sha256(cat(name, new Uint8Array([10]), algKey))).slice(0, 4);
    if (hex(id) !== parts[1]) return { status: 'failed', text: 'the verifier key hash does not match its name and key' };
    var line = cp.sigs.find(function (s) { return s.name === parts[0] && s.sig.length === 68 && eq(s.sig.slice(0, 4), id); });
    if (!line) return { status: 'failed', text: 'the checkpoint has no signature by ' + parts[0] + '+' + parts[1] };
    var pub;
    try {
      pub = await crypto.subtle.importKey('raw', algKey.slice(1), { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      return { status: 'unchecked', text: 'signature not checked in this browser: its WebCrypto has no Ed25519 (' +
               (e && e.name ? e.name : e) + '); the proofs are still checked against the checkpoint\'s root' };
    }
    var ok = await crypto.subtle.verify({ name: 'Ed25519' }, pub, line.sig.slice(4), new TextEncoder().encode(cp.text));
    return ok ? { status: 'verified', text: 'Ed25519 signature by ' + parts[0] + '+' + parts[1] + ' verified' }
              : { status: 'failed', text: 'the Ed25519 signature by ' + parts[0] + '+' + parts[1] + ' does NOT verify' };
  }
  async function checkEvent(ev, cp) {
    var rec = b64d(ev.record);
    var lh = await leafHash(rec);
    var p = ev.proof;
    if (b64e(lh) !== p.leafHash) throw new Error('the record\'s leaf hash differs from the proof\'s');
    if (BigInt(p.leafIdx) !== BigInt(ev.position)) throw new Error('the proof is for another position');
    if (BigInt(p.treeSize) !== cp.size) throw new Error('the proof is for tree size ' + p.treeSize + ', the checkpoint for ' + cp.size);
    if (p.root !== b64e(cp.root)) throw new Error('the proof\'s root is not the checkpoint\'s');
    var root = await rootFromInclusion(BigInt(p.leafIdx), cp.size, lh, (p.proof || []).map(b64d));
    if (!eq(root, cp.root)) throw new Error('the proof does not lead to the checkpoint\'s root');
    // The row names the event the record holds.
    var id = new TextEncoder().encode(ev.eventId);
    var found = false;
    for (var i = 0; i + id.length <= rec.length && !found; i++) found = eq(rec.subarray(i, i + id.length), id);
    if (!found) throw new Error('the record does not hold event id ' + ev.eventId);
  }
  function mark(ev, state, text) {
    var row = document.getElementById('ev-' + ev.position);
    if (!row) return;
    row.setAttribute('data-verified', state);
    var cell = row.querySelector('.verify');
    if (cell) { cell.textContent = text; cell.title = text; cell.className = 'verify ' + state; }
  }
  async function run() {
    var data;
    try {
      data = JSON.parse(document.getElementById('ledger-proofs').textContent);
    } catch (e) {
      setBanner('failed', 'FAILED: the embedded proofs are not readable JSON (' + e.message + ')');
      return;
    }
    if (!window.crypto || !crypto.subtle) {
      setBanner('failed', 'NOT CHECKED: this browser offers no WebCrypto here (open the file directly, from a local disk)');
      return;
    }
    var cp;
    try { cp = parseNote(data.checkpoint.note); } catch (e) {
      setBanner('failed', 'FAILED: the embedded checkpoint is malformed: ' + e.message);
      return;
    }
    var sig = await checkSignature(cp, data.checkpoint.verifierKey);
    sigOut.textContent = sig.text;
    sigOut.setAttribute('data-status', sig.status);
    var ok = 0, failed = 0, uncovered = 0;
    for (var i = 0; i < data.events.length; i++) {
      var ev = data.events[i];
      if (!ev.proof) { uncovered++; mark(ev, 'not-covered', 'not covered by the checkpoint'); continue; }
      try { await checkEvent(ev, cp); ok++; mark(ev, 'true', 'verified'); }
      catch (e) { failed++; mark(ev, 'false', 'FAILED: ' + e.message); }
    }
    var summary = ok + ' of ' + (ok + failed) + ' inclusion proofs verified against the checkpoint of ' +
                  cp.size + ' records' + (uncovered ? '; ' + uncovered + ' events recorded after it are not covered' : '');
    if (failed > 0 || sig.status === 'failed') {
      setBanner('failed', 'FAILED: ' + (failed ? failed + ' inclusion proof(s) do not verify. ' : '') +
                (sig.status === 'failed' ? sig.text + '. ' : '') + summary);
    } else if (sig.status === 'unchecked') {
      setBanner('unsigned', 'Proofs verified, signature not checked. ' + summary + '. ' + sig.text);
    } else {
      setBanner('verified', 'Verified: ' + summary + '; ' + sig.text + '.');
    }
  }
  run().catch(function (e) { setBanner('failed', 'FAILED: the verifier stopped: ' + e.message); }).then(finish);
})();
)JS";
}

}  // namespace report
