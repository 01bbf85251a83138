// A minimal CBOR decoder (RFC 8949 major types 0–5 and 7 simple values), enough to read a WebAuthn
// attestation object and its COSE key in tests. Definite lengths only; throws on anything else.
export function decodeCbor(buf) {
  let pos = 0;
  const need = (n) => { if (pos + n > buf.length) throw new Error('CBOR: truncated'); };
  const readUint = (info) => {
    if (info < 24) return info;
    const sizes = { 24: 1, 25: 2, 26: 4, 27: 8 };
    const n = sizes[info];
    if (!n) throw new Error(`CBOR: unsupported additional info ${info}`);
    need(n);
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[pos + i]);
    pos += n;
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const item = () => {
    need(1);
    const ib = buf[pos++];
    const major = ib >> 5;
    const info = ib & 0x1f;
    switch (major) {
      case 0: return readUint(info);
      case 1: { const v = readUint(info); return typeof v === 'bigint' ? -1n - v : -1 - v; }
      case 2: { const n = readUint(info); need(n); const b = buf.subarray(pos, pos + n); pos += n; return Buffer.from(b); }
      case 3: { const n = readUint(info); need(n); const s = buf.subarray(pos, pos + n).toString('utf8'); pos += n; return s; }
      case 4: { const n = readUint(info); const a = []; for (let i = 0; i < n; i++) a.push(item()); return a; }
      case 5: {
        const n = readUint(info);
        const m = new Map();
        for (let i = 0; i < n; i++) { const k = item(); m.set(k, item()); }
        return m;
      }
      case 7:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        throw new Error(`CBOR: unsupported simple/float ${info}`);
      default: throw new Error(`CBOR: unsupported major type ${major}`);
    }
  };
  const value = item();
  return { value, length: pos };
}

/** Parse WebAuthn authenticator data (§6.1 of WebAuthn L3). */
export function parseAuthData(authData) {
  if (authData.length < 37) throw new Error('authData shorter than 37 bytes');
  const flags = authData[32];
  const out = {
    rpIdHash: authData.subarray(0, 32),
    flags: {
      up: !!(flags & 0x01), uv: !!(flags & 0x04), be: !!(flags & 0x08), bs: !!(flags & 0x10),
      at: !!(flags & 0x40), ed: !!(flags & 0x80),
    },
    signCount: authData.readUInt32BE(33),
  };
  if (out.flags.at) {
    const aaguid = authData.subarray(37, 53);
    const idLen = authData.readUInt16BE(53);
    const credentialId = authData.subarray(55, 55 + idLen);
    const rest = authData.subarray(55 + idLen);
    const { value: coseKey, length } = decodeCbor(rest);
    out.attested = { aaguid, credentialId, coseKey, extensionsBytes: rest.length - length };
  }
  return out;
}
